// A seeded stream of wire commands for the journal's tests and scripts: a two-market USDT venue, ten traders and a
// maker; prices walk (now and then a sharp drop, so accounts breach and get liquidated), traders fill against the
// maker, deposit, withdraw, place and cancel orders. Wire objects (decimal strings), as `bailiff ingest` reads them.

import type { Command } from '../core/engine/commands.js';
import { parseScenario, type Scenario } from '../scenario/load.js';
import { seededRandom } from './random.js';
import { decodeCommand } from '../wire/decode.js';

/** 2025-02-02T22:00:00Z. */
export const STREAM_START_MS = 1_738_533_600_000;

/** The scenario the journal starts from: its genesis and setup commands (rulebook, markets, deposits). */
export const STREAM_SCENARIO = {
  name: 'journal stream',
  settlement: { asset: 'USDT', decimals: 6 },
  rulebook: 'binance',
  startAt: STREAM_START_MS,
  markets: [
    {
      id: 'BTCUSDT', baseDecimals: 3, priceDecimals: 2, tickSize: '0.1', stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
    },
    {
      id: 'ETHUSDT', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 25, maintenanceRatio: '0.02' }] },
    },
  ],
  accounts: [
    { id: 'maker', deposits: { USDT: '100000000' } },
    ...Array.from({ length: 10 }, (_, i) => ({ id: `t${i}`, deposits: { USDT: '5000' } })),
  ],
  commands: [
    { kind: 'price', market: 'BTCUSDT', mark: '100000' },
    { kind: 'price', market: 'ETHUSDT', mark: '3000' },
  ],
};

/** Price atoms (2 decimals) as a decimal string. */
const decimal2 = (atoms: number): string => `${Math.floor(atoms / 100)}.${String(atoms % 100).padStart(2, '0')}`;

/** `n` wire commands from `seed`, times increasing from STREAM_START_MS. The same seed gives the same commands. */
export function streamCommands(seed: number, n: number): Record<string, unknown>[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  // Price atoms: BTC on a 0.1 tick (10 atoms), ETH on 0.01 (1 atom).
  const px: Record<string, number> = { BTCUSDT: 10_000_000, ETHUSDT: 300_000 };
  const tick: Record<string, number> = { BTCUSDT: 10, ETHUSDT: 1 };
  const traders = Array.from({ length: 10 }, (_, i) => `t${i}`);
  let t = STREAM_START_MS;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rand() * 2_000);
    const market = pick(['BTCUSDT', 'ETHUSDT']);
    const r = rand();
    const step = tick[market] as number;
    if (r < 0.4) {
      // A walk of up to +-0.5%, now and then a 4% drop or a 3% rise; back towards the start when far from it.
      const drift = rand() < 0.03 ? -0.04 : rand() < 0.03 ? 0.03 : (rand() - 0.5) * 0.01;
      const start = market === 'BTCUSDT' ? 10_000_000 : 300_000;
      const next = Math.max(step, Math.round(((px[market] as number) * (1 + drift) * 0.98 + start * 0.02) / step) * step);
      px[market] = next;
      out.push({ at: t, kind: 'price', market, mark: decimal2(next) });
    } else if (r < 0.7) {
      // A trader buys or sells 0.001..0.2 BTC (0.01..5 ETH) from the maker at the mark.
      const trader = pick(traders);
      const buy = rand() < 0.5;
      const size = market === 'BTCUSDT' ? `0.${String(1 + Math.floor(rand() * 200)).padStart(3, '0')}` : decimal2(1 + Math.floor(rand() * 500));
      const p = decimal2(px[market] as number);
      out.push({ at: t, kind: 'fill', market, price: p, size, buyer: buy ? trader : 'maker', seller: buy ? 'maker' : trader });
    } else if (r < 0.8) {
      out.push({ at: t, kind: 'deposit', account: pick(traders), asset: 'USDT', amount: String(1 + Math.floor(rand() * 2_000)) });
    } else if (r < 0.87) {
      out.push({ at: t, kind: 'withdraw', account: pick(traders), asset: 'USDT', amount: String(1 + Math.floor(rand() * 3_000)) });
    } else if (r < 0.95) {
      const side = rand() < 0.5 ? 'buy' : 'sell';
      const off = (side === 'buy' ? -1 : 1) * Math.floor(rand() * 20) * step;
      out.push({
        at: t, kind: 'place_order', account: pick(['maker', ...traders]), market, id: `o${Math.floor(rand() * 5)}`, side,
        price: decimal2((px[market] as number) + off), size: market === 'BTCUSDT' ? '0.05' : '1.00',
      });
    } else if (r < 0.98) {
      out.push({ at: t, kind: 'cancel_order', account: pick(['maker', ...traders]), market, id: `o${Math.floor(rand() * 5)}` });
    } else {
      out.push({ at: t, kind: 'tick' });
    }
  }
  return out;
}

/** The scenario's commands and the stream's, decoded as `bailiff ingest` decodes them. */
export function decodedStream(seed: number, n: number): { scenario: Scenario; setup: readonly Command[]; stream: Command[] } {
  const scenario = parseScenario(STREAM_SCENARIO);
  let last = scenario.commands.at(-1)?.tsMs ?? 0;
  const stream = streamCommands(seed, n).map((raw, i) => {
    const cmd = decodeCommand(raw, scenario.units, `stream[${i}]`, last);
    last = cmd.tsMs;
    return cmd;
  });
  return { scenario, setup: scenario.commands, stream };
}
