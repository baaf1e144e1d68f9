// The bundled crash replay fed to the service (`bailiff serve --replay`): the world of `bailiff demo` (the four
// Binance markets of 2025-02-02, a seeded population opened against the house, a maker re-quoting the book around
// each price, an insurance fund) as commands, then the crash minute by minute at a chosen pace through the
// service's own queue, so streams, the tape and the operator view show margin calls, liquidations and fund moves.

import type { Command } from '../core/engine/commands.js';
import type { EngineConfig } from '../core/engine/state.js';
import { rulebookPreset } from '../core/rulebooks/presets.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';
import { dec, ppm, price } from '../core/units/index.js';
import { requote } from '../cli/demo.js';
import { JOURNAL_FORMAT_VERSION, type JournalGenesis } from '../journal/types.js';
import { CRASH_WINDOW, realCrash, syntheticCrash, type CrashMarket, type PricePath } from '../sim/crash.js';
import { altMarketSpec, DEFAULT_POPULATION, populationCommands, QUOTE_ASSET, QUOTE_DECIMALS } from '../sim/population.js';
import type { EngineHost } from './engine-host.js';

export interface CrashReplayOptions {
  readonly accounts: number;
  readonly seed: number;
  readonly rulebook: string;
  /** The seeded synthetic crash even when the kline dumps are present. */
  readonly synthetic: boolean;
}

export interface CrashReplay {
  readonly source: string;
  readonly genesis: JournalGenesis;
  /** Funds, markets, first prices, the population's deposits and positions: at the window's start. */
  readonly setup: readonly Command[];
  /** One group per minute of the window: each market's maker re-quote and price, in time order. */
  readonly minutes: readonly (readonly Command[])[];
}

const INSURANCE_SEED = '2000000';
const MAKER = 'maker';

export async function crashReplay(o: CrashReplayOptions): Promise<CrashReplay> {
  const rulebook = rulebookPreset(o.rulebook, QUOTE_DECIMALS) as Rulebook | undefined;
  if (rulebook === undefined) throw new RangeError(`unknown rulebook ${o.rulebook}`);
  const path: PricePath = (o.synthetic ? undefined : await realCrash()) ?? syntheticCrash();
  const t0 = CRASH_WINDOW.fromMs;
  const config: EngineConfig = { settlement: { asset: QUOTE_ASSET, decimals: QUOTE_DECIMALS }, settlementLtvPpm: ppm(800_000n), settlementLiquidationThresholdPpm: ppm(850_000n) };
  const setup: Command[] = [
    { kind: 'insurance_deposit', tsMs: t0, amount: dec(INSURANCE_SEED, QUOTE_DECIMALS) },
    { kind: 'deposit', tsMs: t0, account: MAKER, asset: QUOTE_ASSET, amount: dec('1000000000', QUOTE_DECIMALS) },
  ];
  const takeover = rulebook.liquidation.takeover;
  if (takeover.kind === 'backstop') setup.push({ kind: 'deposit', tsMs: t0, account: takeover.account, asset: QUOTE_ASSET, amount: dec(INSURANCE_SEED, QUOTE_DECIMALS) });
  const byId = new Map(path.markets.map((m) => [m.id, m]));
  for (const m of path.markets) {
    setup.push({ kind: 'set_market', tsMs: t0, market: altMarketSpec(m) });
    const first = path.points.find((p) => p.market === m.id);
    if (first !== undefined) setup.push({ kind: 'price', tsMs: t0, market: m.id, mark: price(first.priceAtoms) });
  }
  setup.push(...populationCommands(path.markets, t0, { ...DEFAULT_POPULATION, accounts: o.accounts, seed: o.seed }));
  const minutes: Command[][] = [];
  let current: Command[] = [];
  let at: number | null = null;
  for (const point of path.points) {
    if (at !== null && point.tsMs !== at) {
      minutes.push(current);
      current = [];
    }
    at = point.tsMs;
    const m = byId.get(point.market) as CrashMarket;
    current.push(...requote(m, point.priceAtoms, point.tsMs), { kind: 'price', tsMs: point.tsMs, market: point.market, mark: price(point.priceAtoms) });
  }
  if (current.length > 0) minutes.push(current);
  return { source: path.source, genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config, rulebook }, setup, minutes };
}

/**
 * Feeds the replay through the host's queue: the setup when the journal holds nothing yet, then each minute not yet
 * journaled (a restarted service goes on where it stopped) at `speed` replay minutes per wall minute, until the
 * end or `signal` aborts. Resolves with the number of minutes fed.
 */
export async function feedReplay(host: EngineHost, replay: CrashReplay, o: { readonly speed: number; readonly signal?: AbortSignal }): Promise<number> {
  if (host.engine.seq === 0) await host.submit(replay.setup);
  const pending = replay.minutes.filter((group) => (group[0]?.tsMs ?? 0) > host.engine.timeMs);
  const first = pending[0]?.[0]?.tsMs;
  if (first === undefined) return 0;
  const startedMs = Date.now();
  const aborted = (): boolean => o.signal?.aborted === true;
  let fed = 0;
  for (const group of pending) {
    if (aborted()) break;
    const dueMs = startedMs + ((group[0]?.tsMs ?? first) - first) / o.speed;
    const wait = dueMs - Date.now();
    if (wait > 0) await new Promise<void>((resolve) => {
      // The abort listener is removed when the wait ends, so a long replay does not pile them up on the signal.
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        o.signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      o.signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (aborted() || !host.accepting) break;
    await host.submit(group);
    fed++;
  }
  return fed;
}
