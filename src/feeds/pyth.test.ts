import { describe, expect, it } from 'vitest';
import { PythSseDecoder, normalizePythId, parsePythLatest, parsePythSseText, type PythSseEvent } from './pyth.js';
import { feedFixture } from '../../test/fixtures/fixtures.js';

const latestText = feedFixture('pyth-hermes-latest.json');
const streamText = feedFixture('pyth-hermes-stream.txt');

const BTC = 'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43';
const ETH = 'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace';
const symbols = { ['0x' + BTC.toUpperCase()]: 'BTC/USD', [ETH]: 'ETH/USD' };

describe('parsePythLatest', () => {
  const r = parsePythLatest(latestText, { symbols });

  it('reads BTC and ETH exactly', () => {
    expect(r.issues).toEqual([]);
    expect(r.quotes).toHaveLength(2);
    expect(r.quotes[0]).toEqual({
      feed: 'pyth',
      kind: 'pythPrice',
      source: BTC,
      symbol: 'BTC/USD',
      price: { mantissa: 9689512000000n, expo: -8 },
      conf: { mantissa: 4231775000n, expo: -8 },
      publishTimeMs: 1738534445000,
      feedId: BTC,
      emaPrice: { mantissa: 9712044300000n, expo: -8 },
      emaConf: { mantissa: 3987120500n, expo: -8 },
      emaPublishTimeMs: 1738534445000,
      prevPublishTimeMs: 1738534444000,
      slot: 197318442,
      proofAvailableTimeMs: 1738534446000,
      noNewPrice: false,
    });
    expect(r.quotes[1]?.symbol).toBe('ETH/USD');
    expect(r.quotes[1]?.price).toEqual({ mantissa: 273718950000n, expo: -8 });
    expect(r.quotes[1]?.conf).toEqual({ mantissa: 198442100n, expo: -8 });
  });

  it('keeps binary opaque, as sent', () => {
    expect(r.binary?.encoding).toBe('hex');
    expect(r.binary?.data).toHaveLength(1);
    expect(r.binary?.data[0]?.startsWith('504e4155')).toBe(true);
  });

  it('uses the feed id as symbol when none is mapped', () => {
    expect(parsePythLatest(latestText).quotes.map((q) => q.symbol)).toEqual([BTC, ETH]);
    expect(normalizePythId(' 0xE62DF6C8 ')).toBe('e62df6c8');
  });

  it('accepts parsed=false bodies and null metadata fields', () => {
    const r2 = parsePythLatest('{"binary":{"encoding":"base64","data":["UE5BVQ=="]}}');
    expect(r2).toEqual({ quotes: [], issues: [], binary: { encoding: 'base64', data: ['UE5BVQ=='] } });
    const r3 = parsePythLatest(
      `{"parsed":[{"id":"${BTC}","price":{"price":"1","conf":"0","expo":-8,"publish_time":10},"ema_price":{"price":"1","conf":"0","expo":-8,"publish_time":10},"metadata":{"slot":null,"proof_available_time":null,"prev_publish_time":null}}]}`,
    );
    expect(r3.issues).toEqual([]);
    expect(r3.quotes[0]?.noNewPrice).toBe(false);
    expect('slot' in (r3.quotes[0] ?? {})).toBe(false);
  });

  it('returns issues for bad entries and keeps the good ones', () => {
    const bad = JSON.parse(latestText);
    bad.parsed[0].price.price = 9689512000000; // a JSON number, not a string
    bad.parsed.push({ id: 'abc', price: { price: '1.5', conf: '1', expo: -8, publish_time: 1 }, ema_price: bad.parsed[1].ema_price });
    const r2 = parsePythLatest(JSON.stringify(bad), { symbols });
    expect(r2.quotes.map((q) => q.symbol)).toEqual(['ETH/USD']);
    expect(r2.issues).toEqual([
      { code: 'bad_shape', message: 'pyth BTC/USD: price is not an integer string', symbol: 'BTC/USD' },
      { code: 'bad_number', message: 'pyth abc: price is not an integer: "1.5"', symbol: 'abc' },
    ]);
    expect(parsePythLatest('{"parsed":').issues[0]).toMatchObject({ code: 'bad_json', offset: 10 });
  });
});

describe('parsePythSseText', () => {
  const r = parsePythSseText(streamText, { symbols });

  it('reads the 4 update events, ignores the keep-alive, reports the error event', () => {
    expect(r.updates).toBe(4);
    expect(r.comments).toBe(1);
    expect(r.issues).toEqual([{ code: 'server_error', message: 'pyth: Error receiving update: Lagged(3)', line: 10 }]);
    expect(r.quotes.map((q) => [q.symbol, q.publishTimeMs / 1000])).toEqual([
      ['BTC/USD', 1738534446],
      ['ETH/USD', 1738534446],
      ['BTC/USD', 1738534447], // event 2: BTC only
      ['ETH/USD', 1738534448],
      ['BTC/USD', 1738534448],
      ['ETH/USD', 1738534448], // event 4: no new ETH price
      ['BTC/USD', 1738534449],
    ]);
  });

  it('event 3: ETH conf 70.465 on 2710.2033', () => {
    const eth = r.quotes[3];
    expect(eth?.price).toEqual({ mantissa: 271020330000n, expo: -8 });
    expect(eth?.conf).toEqual({ mantissa: 7046500000n, expo: -8 });
    expect(eth?.slot).toBe(197318451);
  });

  it('event 4: ETH prev_publish_time == publish_time is flagged as no new price', () => {
    expect(r.quotes.map((q) => q.noNewPrice)).toEqual([false, false, false, false, false, true, false]);
    expect(r.quotes[5]?.prevPublishTimeMs).toBe(1738534448000);
    expect(r.quotes[5]?.slot).toBe(197318454);
  });

  it('gives the same result whatever the chunking', () => {
    const events: PythSseEvent[] = [];
    const d = new PythSseDecoder({ symbols }, (e) => events.push(e));
    for (let i = 0; i < streamText.length; i += 37) d.feed(streamText.slice(i, i + 37));
    const quotes = events.flatMap((e) => (e.type === 'update' ? e.result.quotes : []));
    expect(quotes).toEqual(r.quotes);
    expect(events.map((e) => (e.type === 'update' || e.type === 'comment' ? `${e.type}@${e.line}` : e.type))).toEqual([
      'update@1',
      'comment@3',
      'update@5',
      'update@7',
      'issue',
      'update@12',
    ]);
  });

  it('does not dispatch an unterminated final event; reports junk without throwing', () => {
    const noBlank = parsePythSseText('data:{"parsed":[]}\n');
    expect(noBlank.updates).toBe(0);
    const junk = parsePythSseText('data:{oops\n\nevent:price_update\ndata:{}\n\nfoo:bar\n\n');
    expect(junk.issues.map((i) => [i.code, i.line])).toEqual([
      ['bad_json', 1],
      ['unknown_event', 4],
      ['bad_shape', 6],
    ]);
  });

  it('stops on an event larger than the buffer limit', () => {
    const events: PythSseEvent[] = [];
    const d = new PythSseDecoder({ eventCharsMax: 100 }, (e) => events.push(e));
    d.feed(`data:${'x'.repeat(200)}\n\n`);
    expect(d.broken).toBe(true);
    expect(events).toEqual([{ type: 'issue', issue: { code: 'bad_shape', message: 'pyth: SSE event larger than the buffer limit', line: 1 } }]);
    d.reset();
    expect(d.broken).toBe(false);
  });
});
