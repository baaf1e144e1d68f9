import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHAINLINK_SELECTORS, encodeRoundData, encodeUintWord, parseChainlinkRoundsCsv, type ChainlinkRound } from './chainlink.js';
import { ethCall, runChainlinkPoller } from './chainlink-rpc.js';
import type { FeedStatus } from './live.js';
import { feedFixture, needsFeedFixtures } from '../../test/fixtures/fixtures.js';
import type { ChainlinkQuote, FeedQuote } from './types.js';

const ADDRESS = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419';

/** Rounds as latestRoundData() returns them, from parsed CSV quotes (seconds again). */
function roundsOf(quotes: readonly ChainlinkQuote[]): ChainlinkRound[] {
  return quotes.map((q) => ({
    roundId: q.roundId,
    answer: q.answer,
    startedAt: BigInt(q.startedAtMs / 1000),
    updatedAt: BigInt(q.publishTimeMs / 1000),
    answeredInRound: q.answeredInRound,
  }));
}

// Rounds written for these tests (../shared/data/feeds/FORMATS.md §3.1), a BTC/USD-style feed: three rounds of
// phase 3 (3 << 64 = 55340232221128654848; the third timed out), then three of phase 4 (4 << 64 =
// 73786976294838206464), whose aggregator answers with 10 decimals instead of 8.
const BTC_ROUNDS = [
  'round_id,answer,started_at,updated_at,answered_in_round,decimals',
  '55340232221128659968,8312475000000,1741597188,1741597200,55340232221128659968,8',
  '55340232221128659969,8270000000000,1741598003,1741598015,55340232221128659969,8',
  '55340232221128659970,8270000000000,1741598905,1741598920,55340232221128659969,8',
  '73786976294838206465,825501200000000,1741599100,1741599100,73786976294838206465,10',
  '73786976294838206466,790255000000000,1741608100,1741608100,73786976294838206466,10',
  '73786976294838206467,791500000000000,1741611700,1741611700,73786976294838206467,10',
].join('\n');

interface RpcCall {
  readonly n: number;
  readonly to: string;
  readonly data: string;
  readonly block: string;
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  servers = [];
});

/** A JSON-RPC node on 127.0.0.1; `answer` returns the result hex, or handles the response itself (returns undefined). */
async function node(answer: (call: RpcCall, req: IncomingMessage, res: ServerResponse) => string | undefined): Promise<string> {
  let n = 0;
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const msg = JSON.parse(body) as { id: number; method: string; params: [{ to: string; data: string }, string] };
      expect(msg.method).toBe('eth_call');
      const call = { n: ++n, to: msg.params[0].to, data: msg.params[0].data, block: msg.params[1] };
      const result = answer(call, req, res);
      if (result !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('ethCall', () => {
  it('posts eth_call and returns the hex result; maps errors to FeedErrors', async () => {
    const url = await node((call, _req, res) => {
      if (call.data === '0x01') {
        res.writeHead(200).end('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method does not exist"}}');
        return undefined;
      }
      if (call.data === '0x02') {
        res.writeHead(200).end('{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"header not found"}}');
        return undefined;
      }
      if (call.data === '0x03') {
        res.writeHead(200).end('<html>');
        return undefined;
      }
      return `${call.to}:${call.block}`;
    });
    const o = { signal: new AbortController().signal, timeoutMs: 1_000, id: 1 };
    expect(await ethCall(url, ADDRESS, CHAINLINK_SELECTORS.decimals, o)).toBe(`${ADDRESS}:latest`);
    await expect(ethCall(url, ADDRESS, '0x01', o)).rejects.toMatchObject({ code: 'rpc_error', retryable: false });
    await expect(ethCall(url, ADDRESS, '0x02', o)).rejects.toMatchObject({ code: 'rpc_error', retryable: true });
    await expect(ethCall(url, ADDRESS, '0x03', o)).rejects.toMatchObject({ code: 'bad_response', retryable: true });
  });

  it('times out a node that does not answer', async () => {
    const url = await node(() => undefined); // never responds
    await expect(ethCall(url, ADDRESS, '0x', { signal: new AbortController().signal, timeoutMs: 50, id: 1 })).rejects.toMatchObject({
      code: 'connect_failed',
      retryable: true,
      message: 'chainlink: eth_call timed out after 50 ms',
    });
  });
});

describe('runChainlinkPoller against a local JSON-RPC node', () => {
  it('emits each round once, survives a 503, and reads decimals() again when the phase changes', async () => {
    const csvQuotes = parseChainlinkRoundsCsv(BTC_ROUNDS, { symbol: 'BTC/USD', source: ADDRESS }).quotes;
    const rounds = roundsOf(csvQuotes);
    const calls: RpcCall[] = [];
    let polls = 0;
    let decimalsCalls = 0;
    const url = await node((call, _req, res) => {
      calls.push(call);
      if (call.n === 4) {
        res.writeHead(503).end();
        return undefined;
      }
      if (call.data === CHAINLINK_SELECTORS.decimals) return encodeUintWord(++decimalsCalls === 1 ? 8n : 10n);
      const round = rounds[Math.min(Math.floor(polls++ / 2), rounds.length - 1)] as ChainlinkRound; // each round seen twice
      return encodeRoundData(round);
    });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runChainlinkPoller({
      rpcUrl: url,
      address: ADDRESS,
      symbol: 'BTC/USD',
      intervalMs: 1,
      signal: ac.signal,
      backoff: { initialMs: 5, maxMs: 20 },
      now: () => 99,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === rounds.length) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    // Calls: 1 decimals (8); 2, 3 row 1 twice (messages 1, 2); 4 the 503 (no message); 5, 6 row 2 (3, 4); 7, 8 row 3
    // (5, 6); 9 row 4 (message 7), a new phase, so 10 decimals (10); 11 row 4 again; ... Row k + 1 is new at message
    // 2k + 1.
    expect(quotes).toEqual(csvQuotes.map((q, k) => ({ ...q, receivedTimeMs: 99, messageNumber: 2 * k + 1 })));
    const phase4 = quotes[3] as ChainlinkQuote;
    // 825501200000000 x 10^-10 = 82,550.12: read with the new aggregator's 10 decimals, not the 8 of phase 3.
    expect([phase4.phaseId, phase4.aggregatorRound, phase4.decimals, phase4.price]).toEqual([4, 1n, 10, { mantissa: 825501200000000n, expo: -10 }]);
    expect(calls.filter((c) => c.data === CHAINLINK_SELECTORS.decimals).map((c) => c.n)).toEqual([1, 10]);
    const kinds = statuses.map((s) => (s.type === 'disconnected' ? `disconnected:${s.error.code}` : s.type === 'reconnecting' ? `reconnecting:${s.attempt}:${s.delayMs}` : s.type));
    expect(kinds).toEqual(['connecting', 'connected', 'disconnected:http_status', 'reconnecting:2:10', 'connecting', 'connected', 'stopped']);
  });

  it('stops when the address does not answer latestRoundData (empty return is fatal)', async () => {
    const url = await node((call) => (call.data === CHAINLINK_SELECTORS.decimals ? encodeUintWord(8n) : '0x'));
    const statuses: FeedStatus[] = [];
    const err = await runChainlinkPoller({
      rpcUrl: url,
      address: ADDRESS,
      symbol: 'ETH/USD',
      intervalMs: 1,
      signal: new AbortController().signal,
      backoff: { initialMs: 5, maxMs: 20 },
      onQuote: () => {},
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'FeedError', code: 'bad_response', retryable: false });
    expect(statuses.map((s) => s.type)).toEqual(['connecting', 'disconnected', 'stopped']);
  });

  it('gives up after maxAttempts consecutive 502s; an incomplete round is an issue, not a quote', async () => {
    let n = 0;
    const url = await node((call, _req, res) => {
      if (call.data === CHAINLINK_SELECTORS.decimals) return encodeUintWord(8n);
      if (++n === 1) return encodeRoundData({ roundId: 0n, answer: 0n, startedAt: 0n, updatedAt: 0n, answeredInRound: 0n });
      res.writeHead(502).end();
      return undefined;
    });
    const statuses: FeedStatus[] = [];
    const quotes: FeedQuote[] = [];
    const err = await runChainlinkPoller({
      rpcUrl: url,
      address: ADDRESS,
      symbol: 'ETH/USD',
      intervalMs: 1,
      maxAttempts: 3,
      signal: new AbortController().signal,
      backoff: { initialMs: 1, maxMs: 2 },
      onQuote: (q) => quotes.push(q),
      onStatus: (s) => statuses.push(s),
    }).catch((e: unknown) => e);
    expect(quotes).toEqual([]);
    expect(err).toMatchObject({ code: 'retries_exhausted', retryable: false });
    expect(statuses.filter((s) => s.type === 'issue').map((s) => s.type === 'issue' && s.issue.code)).toEqual(['incomplete_round']);
    expect(statuses.filter((s) => s.type === 'disconnected')).toHaveLength(3);
  });
});

describe('runChainlinkPoller: the shared fixture chainlink-rounds.csv', () => {
  let csvQuotes: ChainlinkQuote[];
  let rounds: ChainlinkRound[];
  needsFeedFixtures(() => {
    csvQuotes = parseChainlinkRoundsCsv(feedFixture('chainlink-rounds.csv'), {
      symbol: 'ETH/USD',
      source: ADDRESS,
    }).quotes;
    rounds = roundsOf(csvQuotes);
  });

  it('emits each of the 20 rounds once, survives a dropped connection and a 503, re-reads decimals on the phase change', async () => {
    const calls: RpcCall[] = [];
    let polls = 0;
    const url = await node((call, req, res) => {
      calls.push(call);
      if (call.n === 6) {
        req.socket.destroy(); // the connection drops mid-request
        return undefined;
      }
      if (call.n === 12) {
        res.writeHead(503).end();
        return undefined;
      }
      if (call.data === CHAINLINK_SELECTORS.decimals) return encodeUintWord(8n);
      expect(call.data).toBe(CHAINLINK_SELECTORS.latestRoundData);
      const round = rounds[Math.min(Math.floor(polls++ / 2), rounds.length - 1)] as ChainlinkRound; // each round seen twice
      return encodeRoundData(round);
    });
    const quotes: FeedQuote[] = [];
    const statuses: FeedStatus[] = [];
    const ac = new AbortController();
    await runChainlinkPoller({
      rpcUrl: url,
      address: ADDRESS,
      symbol: 'ETH/USD',
      intervalMs: 1,
      signal: ac.signal,
      backoff: { initialMs: 5, maxMs: 20 },
      now: () => 99,
      onQuote: (q) => {
        quotes.push(q);
        if (quotes.length === rounds.length) ac.abort();
      },
      onStatus: (s) => statuses.push(s),
    });
    // Each round is answered to two polls in a row: round k (0-based) is new at the (2k+1)th answered poll, which is
    // the message number its quote carries (the dropped connection and the 503 answered nothing).
    expect(quotes).toEqual(csvQuotes.map((q, k) => ({ ...q, receivedTimeMs: 99, messageNumber: 2 * k + 1 })));
    const row9 = quotes[8] as ChainlinkQuote;
    expect([row9.phaseId, row9.aggregatorRound, row9.price]).toEqual([6, 1n, { mantissa: 295410000000n, expo: -8 }]);
    expect(calls.every((c) => c.to === ADDRESS && c.block === 'latest')).toBe(true);
    expect(calls.filter((c) => c.data === CHAINLINK_SELECTORS.decimals)).toHaveLength(2); // start + phase 5 -> 6
    const kinds = statuses.map((s) => (s.type === 'disconnected' ? `disconnected:${s.error.code}` : s.type === 'reconnecting' ? `reconnecting:${s.attempt}:${s.delayMs}` : s.type));
    expect(kinds).toEqual([
      'connecting',
      'connected',
      'disconnected:connect_failed',
      'reconnecting:2:10',
      'connecting',
      'connected',
      'disconnected:http_status',
      'reconnecting:2:10',
      'connecting',
      'connected',
      'stopped',
    ]);
  });
});
