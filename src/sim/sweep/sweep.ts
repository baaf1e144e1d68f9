// A sweep (docs/sweeps.md): grid points (or the points a coordinate descent visits) x seeds, run on a worker pool;
// each point's figures summed over its seeds; the frontier between bad debt and unnecessary liquidations. The result
// depends only on the sweep.json and the sim.json: points are enumerated, searched and aggregated in a fixed order,
// whatever the number of workers (pool.ts stores each answer at its task's index).

import { formatDecimal, parseDecimal } from '../../core/units/index.js';
import { parseSimConfig } from '../simulate/config.js';
import { SimConfigError } from '../simulate/types.js';
import { SweepError } from './errors.js';
import type { RunFigures } from './figures.js';
import { applyChange, type FieldChange } from './params.js';
import { paretoFront } from './pareto.js';
import { runTasks, type PoolOptions, type WorkerTask } from './pool.js';
import { parameterName, sweepSeeds, valueCount, type SweepConfig, type SweepParameter } from './schema.js';

export interface SweepPoint {
  /** The point's number, in the order points were first evaluated (grid order for a grid). */
  readonly index: number;
  /** The index of each parameter's value. */
  readonly at: readonly number[];
  /** Each parameter's value (`values`) or factor (`scale`), by name. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Summed over the seeds (decimal strings, quote units). */
  readonly badDebt: string;
  readonly unnecessaryCount: number;
  readonly unnecessaryNotional: string;
  readonly liquidationSteps: number;
  readonly liquidatedNotional: string;
  readonly adlNotional: string;
  /**
   * Only with an `auctions` section: bad debt + the vaults' uncovered debt (auctions.uncovered, DAI taken at par with
   * the settlement asset: both in settlement decimals), the bad debt the frontier and the score use. Without the
   * section the frontier and the score use `badDebt` and the field is absent (the output keeps its bytes).
   */
  readonly badDebtWithVaults?: string;
  /** bad debt (with the vaults' uncovered debt, if any) + unnecessaryWeight x unnecessary notional (the descent's objective), quote units. */
  readonly score: string;
  readonly onFrontier: boolean;
  readonly runs: readonly RunFigures[];
  /**
   * The vaults' auctions summed over the seeds (only when the sim.json has an `auctions` section): DAI in settlement
   * decimals; discountPpm is the seeds' mean, rounded down.
   */
  readonly auctions?: { readonly barked: number; readonly tab: string; readonly raised: string; readonly uncovered: string; readonly discountPpm: number };
}

export interface SweepResult {
  readonly name: string;
  readonly search: SweepConfig['search']['kind'];
  readonly seeds: readonly number[];
  readonly parameters: readonly { readonly name: string; readonly path: string; readonly values?: readonly unknown[]; readonly scale?: readonly string[] }[];
  readonly settlementDecimals: number;
  readonly runs: number;
  readonly points: readonly SweepPoint[];
  /** The frontier's points (indexes into points), by bad debt (frontierBadDebt) ascending. */
  readonly frontier: readonly number[];
  /** The point of least score (ties: the earliest). */
  readonly best: number;
}

export interface SweepOptions extends PoolOptions {
  /** Where the sim.json's relative files (klines) are found. */
  readonly baseDir: string;
  /** Share of the work done, 0 to 1, and a label of the pass. */
  readonly onProgress?: (fraction: number, label: string) => void;
}

function changeOf(p: SweepParameter, k: number): FieldChange {
  return p.values !== undefined ? { set: p.values[k] } : { scale: (p.scale as string[])[k] as string };
}

function valueOf(p: SweepParameter, k: number): unknown {
  return p.values !== undefined ? p.values[k] : (p.scale as string[])[k];
}

/** The point's sim.json, checked by the simulator's own decoder (a refusal names the values and the field). */
function pointSim(c: SweepConfig, sim: Readonly<Record<string, unknown>>, at: readonly number[]): Record<string, unknown> {
  let out = sim as Record<string, unknown>;
  c.parameters.forEach((p, i) => {
    const k = at[i] as number;
    try {
      out = applyChange(out, p.path, changeOf(p, k));
    } catch (e) {
      throw new SweepError('sweep_config_invalid', `parameters[${i}].path`, (e as Error).message);
    }
  });
  try {
    parseSimConfig(out);
  } catch (e) {
    if (!(e instanceof SimConfigError)) throw e;
    throw new SweepError('sweep_point_invalid', `point ${describe(c, at)}`, `the sim.json is refused at ${e.path}: ${e.detail}`);
  }
  return out;
}

function describe(c: SweepConfig, at: readonly number[]): string {
  return c.parameters.map((p, i) => `${parameterName(p)}=${JSON.stringify(valueOf(p, at[i] as number))}`).join(', ');
}

/** Every combination of value indexes, the first parameter varying slowest. */
export function gridPoints(counts: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const n of counts) out = out.flatMap((prefix) => Array.from({ length: n }, (_, k) => [...prefix, k]));
  return out;
}

export async function runSweep(c: SweepConfig, sim: Readonly<Record<string, unknown>>, o: SweepOptions): Promise<SweepResult> {
  const decimals = simDecimals(sim);
  const seeds = sweepSeeds(c);
  const atoms = (s: string, what: string): bigint => {
    const r = parseDecimal(s, decimals);
    if (!r.ok) throw new Error(`sweep: the simulator's ${what} ${JSON.stringify(s)} is not in ${decimals} decimals`);
    return r.value;
  };
  const weight = parseDecimal(c.objective.unnecessaryWeight, 6);
  if (!weight.ok || weight.value < 0n) throw new SweepError('sweep_config_invalid', 'objective.unnecessaryWeight', 'must be a non-negative decimal with at most 6 places');
  const points: SweepPoint[] = [];
  const byKey = new Map<string, SweepPoint>();
  let runs = 0;
  let pass = 0;

  /** Runs the points not yet known, all their seeds in one pool pass; answers every asked point. */
  const evaluate = async (ats: readonly (readonly number[])[]): Promise<SweepPoint[]> => {
    const asked = new Set<string>();
    const fresh = ats.filter((at) => {
      const key = at.join(',');
      if (byKey.has(key) || asked.has(key)) return false;
      asked.add(key);
      return true;
    });
    const sims = fresh.map((at) => pointSim(c, sim, at));
    const tasks: WorkerTask[] = [];
    sims.forEach((s) => seeds.forEach((seed) => tasks.push({ task: tasks.length, sim: s, seed, baseDir: o.baseDir })));
    pass++;
    const label = c.search.kind === 'grid' ? 'sweep' : `descent pass ${pass}`;
    const outcomes = await runTasks(tasks, o, (f) => o.onProgress?.(f, label));
    runs += tasks.length;
    fresh.forEach((at, j) => {
      const figures: RunFigures[] = [];
      seeds.forEach((seed, s) => {
        const out = outcomes[j * seeds.length + s];
        if (out === undefined) throw new Error('sweep: a task has no answer');
        if (out.kind === 'refused') throw new SweepError('sweep_point_invalid', `point ${describe(c, at)}, seed ${seed}`, `the simulator refused it at ${out.path}: ${out.detail}`);
        figures.push(out.figures);
      });
      const sum = (f: (r: RunFigures) => string, what: string): bigint => figures.reduce((acc, r) => acc + atoms(f(r), what), 0n);
      const badDebt = sum((r) => r.badDebt, 'bad debt');
      const unnecessary = sum((r) => r.unnecessaryNotional, 'unnecessary notional');
      const vaults = auctionTotals(figures, (x, what) => atoms(x, what), decimals);
      // The vaults' uncovered DAI joins the perpetuals' bad debt at par (both settlement decimals: no rounding).
      const costlyDebt = vaults.auctions === undefined ? badDebt : badDebt + atoms(vaults.auctions.uncovered, 'auction uncovered');
      // weight has 6 places: the score is rounded down to a quote atom (it only ranks points).
      const score = costlyDebt + (unnecessary * weight.value) / 1_000_000n;
      const point: SweepPoint = {
        index: points.length,
        at: [...at],
        values: Object.fromEntries(c.parameters.map((p, i) => [parameterName(p), valueOf(p, at[i] as number)])),
        badDebt: formatDecimal(badDebt, decimals),
        unnecessaryCount: figures.reduce((n, r) => n + r.unnecessaryCount, 0),
        unnecessaryNotional: formatDecimal(unnecessary, decimals),
        liquidationSteps: figures.reduce((n, r) => n + r.liquidationSteps, 0),
        liquidatedNotional: formatDecimal(sum((r) => r.liquidatedNotional, 'liquidated notional'), decimals),
        adlNotional: formatDecimal(sum((r) => r.adlNotional, 'ADL notional'), decimals),
        ...(vaults.auctions === undefined ? {} : { badDebtWithVaults: formatDecimal(costlyDebt, decimals) }),
        score: formatDecimal(score, decimals),
        onFrontier: false,
        runs: figures,
        ...vaults,
      };
      points.push(point);
      byKey.set(at.join(','), point);
    });
    return ats.map((at) => byKey.get(at.join(',')) as SweepPoint);
  };

  const counts = c.parameters.map(valueCount);
  if (c.search.kind === 'grid') {
    await evaluate(gridPoints(counts));
  } else {
    const scoreOf = (p: SweepPoint): bigint => atoms(p.score, 'score');
    const current = [...(c.search.start ?? counts.map(() => 0))];
    for (let round = 0; round < c.search.rounds; round++) {
      let moved = false;
      for (let i = 0; i < counts.length; i++) {
        const line = Array.from({ length: counts[i] as number }, (_, k) => current.map((v, j) => (j === i ? k : v)));
        const results = await evaluate(line);
        // The least score; on a tie the current value stays, else the earliest value wins.
        let best = current[i] as number;
        for (let k = 0; k < results.length; k++) {
          if (scoreOf(results[k] as SweepPoint) < scoreOf(results[best] as SweepPoint)) best = k;
        }
        if (best !== current[i]) {
          current[i] = best;
          moved = true;
        }
      }
      if (!moved) break;
    }
  }

  const front = paretoFront(points.map((p) => ({ a: atoms(frontierBadDebt(p), 'bad debt'), b: atoms(p.unnecessaryNotional, 'unnecessary notional') })));
  const onFront = new Set(front);
  const finalPoints = points.map((p) => (onFront.has(p.index) ? { ...p, onFrontier: true } : p));
  let best = 0;
  finalPoints.forEach((p, i) => {
    if (atoms(p.score, 'score') < atoms((finalPoints[best] as SweepPoint).score, 'score')) best = i;
  });
  return {
    name: c.name,
    search: c.search.kind,
    seeds,
    parameters: c.parameters.map((p) => ({ name: parameterName(p), path: p.path, ...(p.values !== undefined ? { values: p.values } : { scale: p.scale as string[] }) })),
    settlementDecimals: decimals,
    runs,
    points: finalPoints,
    frontier: front,
    best,
  };
}

/** The bad debt a point is judged on: with the vaults' uncovered debt when the sim has auctions, else the perpetuals'. */
export function frontierBadDebt(p: SweepPoint): string {
  return p.badDebtWithVaults ?? p.badDebt;
}

/** The settlement asset's decimals the summaries' amounts are in (the sim.json's, defaults filled in). */
function simDecimals(sim: Readonly<Record<string, unknown>>): number {
  try {
    return parseSimConfig(sim).settlement.decimals;
  } catch (e) {
    if (e instanceof SimConfigError) throw new SweepError('sweep_config_invalid', `sim.${e.path}`, e.detail);
    throw e;
  }
}

/** A point's auction figures over its seeds (none when its runs have none). */
function auctionTotals(figures: readonly RunFigures[], atoms: (s: string, what: string) => bigint, decimals: number): Pick<SweepPoint, 'auctions'> {
  const runs = figures.flatMap((r) => (r.auctions === undefined ? [] : [r.auctions]));
  if (runs.length === 0) return {};
  const sum = (f: (a: (typeof runs)[number]) => string, what: string): string => formatDecimal(runs.reduce((t, a) => t + atoms(f(a), what), 0n), decimals);
  return {
    auctions: {
      barked: runs.reduce((n, a) => n + a.barked, 0),
      tab: sum((a) => a.tab, 'auction tab'),
      raised: sum((a) => a.raised, 'auction raised'),
      uncovered: sum((a) => a.uncovered, 'auction uncovered'),
      discountPpm: Math.floor(runs.reduce((n, a) => n + a.discountPpm, 0) / runs.length),
    },
  };
}
