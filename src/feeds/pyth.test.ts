import { describe, expect, it } from 'vitest';
import { PythSseDecoder, normalizePythId, parsePythLatest, parsePythSseText, type PythSseEvent, type PythSseTextResult, type PythUpdateResult } from './pyth.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';

const BTC = 'e62df6c8b4a85fe1a67db44dc12de5db330f7ac66b72dc658afedf0f4a415b43';
const ETH = 'ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace';
const symbols = { ['0x' + BTC.toUpperCase()]: 'BTC/USD', [ETH]: 'ETH/USD' };

// Messages written for these tests in Hermes' wire formats (../shared/data/feeds/FORMATS.md §2.1, §2.2), with
// values of our own (2025-03-10 10:00 UTC); the feed ids are Pyth's real BTC/USD and ETH/USD ids. Mantissas are
// integer strings sharing expo -8; times are seconds. `binary` is an opaque blob: the PNAU magic (504e4155), then
// bytes that mean nothing.
const BLOB = '504e41550100000000a1c3e5f70b2d4f6e';
const LATEST = `{"binary":{"encoding":"hex","data":["${BLOB}"]},"parsed":[
  {"id":"${BTC}","price":{"price":"8312475000000","conf":"3105250000","expo":-8,"publish_time":1741600800},"ema_price":{"price":"8298810000000","conf":"2950000000","expo":-8,"publish_time":1741600800},"metadata":{"slot":205112340,"proof_available_time":1741600801,"prev_publish_time":1741600799}},
  {"id":"${ETH}","price":{"price":"214036000000","conf":"112500000","expo":-8,"publish_time":1741600800},"ema_price":{"price":"215102500000","conf":"98000000","expo":-8,"publish_time":1741600800},"metadata":{"slot":205112340,"proof_available_time":1741600801,"prev_publish_time":1741600799}}
]}`;

// An SSE recording: event 1 (BTC and ETH, line 1), a keep-alive comment (line 3), event 2 (ETH only, conf exactly
// 2 % of the price: 42.702 / 2,135.10 = 0.02), Hermes' error event (lines 7-8), event 3 (ETH with
// prev_publish_time == publish_time: the slot moved on but no new price came; and BTC, line 10).
const ev = (parsed: string): string => `data:{"binary":{"encoding":"hex","data":["${BLOB}"]},"parsed":[${parsed}]}`;
const SSE = [
  ev(
    `{"id":"${BTC}","price":{"price":"8312475000000","conf":"3105250000","expo":-8,"publish_time":1741600802},"ema_price":{"price":"8298830000000","conf":"2950000000","expo":-8,"publish_time":1741600802},"metadata":{"slot":205112345,"proof_available_time":1741600803,"prev_publish_time":1741600801}},` +
      `{"id":"${ETH}","price":{"price":"214036000000","conf":"112500000","expo":-8,"publish_time":1741600802},"ema_price":{"price":"215100000000","conf":"98000000","expo":-8,"publish_time":1741600802},"metadata":{"slot":205112345,"proof_available_time":1741600803,"prev_publish_time":1741600801}}`,
  ),
  '',
  ':',
  '',
  ev(
    `{"id":"${ETH}","price":{"price":"213510000000","conf":"4270200000","expo":-8,"publish_time":1741600803},"ema_price":{"price":"215080000000","conf":"99500000","expo":-8,"publish_time":1741600803},"metadata":{"slot":205112348,"proof_available_time":1741600804,"prev_publish_time":1741600802}}`,
  ),
  '',
  'event:error',
  'data:Error receiving update: Lagged(7)',
  '',
  ev(
    `{"id":"${ETH}","price":{"price":"213510000000","conf":"4270200000","expo":-8,"publish_time":1741600803},"ema_price":{"price":"215080000000","conf":"99500000","expo":-8,"publish_time":1741600803},"metadata":{"slot":205112351,"proof_available_time":1741600805,"prev_publish_time":1741600803}},` +
      `{"id":"${BTC}","price":{"price":"8309020000000","conf":"3350000000","expo":-8,"publish_time":1741600804},"ema_price":{"price":"8298790000000","conf":"2952000000","expo":-8,"publish_time":1741600804},"metadata":{"slot":205112351,"proof_available_time":1741600805,"prev_publish_time":1741600802}}`,
  ),
  '',
  '',
].join('\n');

describe('parsePythLatest', () => {
  const r = parsePythLatest(LATEST, { symbols });

  it('reads a latest body exactly: mantissas and expo, seconds to ms, metadata', () => {
    expect(r.issues).toEqual([]);
    expect(r.quotes).toHaveLength(2);
    expect(r.quotes[0]).toEqual({
      feed: 'pyth',
      kind: 'pythPrice',
      source: BTC,
      symbol: 'BTC/USD', // mapped from '0x' + the id in capitals: ids are normalised before the lookup
      price: { mantissa: 8312475000000n, expo: -8 }, // 83,124.75
      conf: { mantissa: 3105250000n, expo: -8 }, // 31.0525, the same expo as the price
      publishTimeMs: 1741600800000,
      feedId: BTC,
      emaPrice: { mantissa: 8298810000000n, expo: -8 },
      emaConf: { mantissa: 2950000000n, expo: -8 },
      emaPublishTimeMs: 1741600800000,
      prevPublishTimeMs: 1741600799000,
      slot: 205112340,
      proofAvailableTimeMs: 1741600801000,
      noNewPrice: false, // prev_publish_time 1 s before publish_time
    });
    expect(r.quotes[1]?.symbol).toBe('ETH/USD');
    expect(r.quotes[1]?.price).toEqual({ mantissa: 214036000000n, expo: -8 }); // 2,140.36
    expect(r.quotes[1]?.conf).toEqual({ mantissa: 112500000n, expo: -8 }); // 1.125
  });

  it('keeps binary opaque, as sent', () => {
    expect(r.binary?.encoding).toBe('hex');
    expect(r.binary?.data).toHaveLength(1);
    expect(r.binary?.data[0]?.startsWith('504e4155')).toBe(true);
    expect(r.binary?.data[0]).toBe(BLOB);
  });

  it('uses the feed id as symbol when none is mapped', () => {
    expect(parsePythLatest(LATEST).quotes.map((q) => q.symbol)).toEqual([BTC, ETH]);
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
    const bad = JSON.parse(LATEST);
    bad.parsed[0].price.price = 8312475000000; // a JSON number, not a string
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

describe('parsePythLatest: the shared fixture pyth-hermes-latest.json', () => {
  let r: PythUpdateResult;
  needsFeedFixtures(() => {
    r = parsePythLatest(feedFixture('pyth-hermes-latest.json'), { symbols });
  });

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
});

describe('parsePythSseText', () => {
  const r = parsePythSseText(SSE, { symbols });

  it('reads the 3 update events in order, ignores the keep-alive, reports the error event with its line', () => {
    expect(r.updates).toBe(3);
    expect(r.comments).toBe(1);
    expect(r.issues).toEqual([{ code: 'server_error', message: 'pyth: Error receiving update: Lagged(7)', line: 8 }]);
    expect(r.quotes.map((q) => [q.symbol, q.publishTimeMs / 1000])).toEqual([
      ['BTC/USD', 1741600802],
      ['ETH/USD', 1741600802],
      ['ETH/USD', 1741600803], // event 2: ETH only
      ['ETH/USD', 1741600803], // event 3: no new ETH price
      ['BTC/USD', 1741600804],
    ]);
  });

  it('event 2: ETH conf 42.702 on 2,135.10; event 3: prev_publish_time == publish_time is flagged as no new price', () => {
    expect(r.quotes[2]?.price).toEqual({ mantissa: 213510000000n, expo: -8 });
    expect(r.quotes[2]?.conf).toEqual({ mantissa: 4270200000n, expo: -8 });
    expect(r.quotes.map((q) => q.noNewPrice)).toEqual([false, false, false, true, false]);
    expect(r.quotes[3]?.prevPublishTimeMs).toBe(1741600803000);
    expect(r.quotes[3]?.slot).toBe(205112351); // the slot advanced from 205112348
  });

  it('gives the same result whatever the chunking, counting lines across chunks', () => {
    const events: PythSseEvent[] = [];
    const d = new PythSseDecoder({ symbols }, (e) => events.push(e));
    for (let i = 0; i < SSE.length; i += 7) d.feed(SSE.slice(i, i + 7));
    expect(events.flatMap((e) => (e.type === 'update' ? e.result.quotes : []))).toEqual(r.quotes);
    expect(events.map((e) => (e.type === 'update' || e.type === 'comment' ? `${e.type}@${e.line}` : `${e.type}@${e.type === 'issue' ? e.issue.line : ''}`))).toEqual([
      'update@1',
      'comment@3',
      'update@5',
      'issue@8',
      'update@10',
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

describe('parsePythSseText: the shared fixture pyth-hermes-stream.txt', () => {
  let streamText: string;
  let r: PythSseTextResult;
  needsFeedFixtures(() => {
    streamText = feedFixture('pyth-hermes-stream.txt');
    r = parsePythSseText(streamText, { symbols });
  });

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
});
