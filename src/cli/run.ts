// `bailiff run <scenario.json>`: applies a scenario to a fresh engine and prints every event as a JSON line; with
// --summary (or --json / --out) also each account's figures, the refusals and the conservation check.
// Findings make the exit code 1: a conservation mismatch always, refused commands with --strict.

import { writeFileSync } from 'node:fs';
import { Engine } from '../core/engine/engine.js';
import { conservationReport } from '../core/engine/conservation.js';
import type { EngineEvent } from '../core/engine/events.js';
import { evaluateAccount } from '../core/margin/evaluate.js';
import { formatDecimal } from '../core/units/index.js';
import { parseScenarioText, type Scenario } from '../scenario/load.js';
import { WireError } from '../wire/decode.js';
import { encodeEvent } from '../wire/encode.js';
import { parseStrictJson } from '../wire/strict-json.js';
import { checkOutputFile, readTextFile, unwritableFile } from './errors.js';
import type { CliIo } from './program.js';
import { startProgress } from './progress.js';

export interface RunOptions {
  /** Print the summary (text on stderr unless --json / --out say otherwise). */
  readonly summary?: boolean;
  /** Refused commands are a finding (exit code 1). */
  readonly strict?: boolean;
  /** The summary as JSON (implies summary). */
  readonly json?: boolean;
  /** Write the summary to this file instead of stderr (implies summary). */
  readonly out?: string;
}

export function loadScenarioFile(file: string, onCommand?: (done: number, total: number) => void): Scenario {
  return parseScenarioText(readTextFile(file), file, onCommand === undefined ? {} : { onCommand });
}

/**
 * A JSON input file read strictly (parseStrictJson: a key given twice is an error): a file that cannot be read is
 * `cannot read [what ]<file>: <code>`, text that is not JSON `<file>: not valid JSON: <the parser's reason>`, both
 * exit 2. The caller decodes the value (its errors name the field).
 */
export function readJsonFile(file: string, what?: string): unknown {
  const text = readTextFile(file, what);
  try {
    return parseStrictJson(text);
  } catch (e) {
    if (e instanceof WireError) throw e.inSource(file);
    throw e;
  }
}

/** What a run did besides its events: how many, and the refusals by reason (with the first one, to name it). */
export interface RunStats {
  events: number;
  refused: number;
  readonly refusedByReason: Map<string, number>;
  firstRefusal?: { index: number; command: string; reason: string; message: string };
}

/**
 * Runs the scenario, writing one JSON line per event to `write`. Returns the engine (for summaries) and the stats.
 * `onProgress(done, total)` is told after each command.
 */
export function runScenario(scenario: Scenario, write: (line: string) => void, onProgress?: (done: number, total: number) => void): { engine: Engine; stats: RunStats } {
  const engine = Engine.create(scenario.config, scenario.rulebook);
  const stats: RunStats = { events: 0, refused: 0, refusedByReason: new Map() };
  const total = scenario.commands.length;
  scenario.commands.forEach((cmd, index) => {
    for (const event of engine.apply(cmd)) {
      stats.events++;
      if (event.kind === 'CommandRejected') countRefusal(stats, event, index);
      write(JSON.stringify(encodeEvent(event, scenario.units)));
    }
    onProgress?.(index + 1, total);
  });
  return { engine, stats };
}

function countRefusal(stats: RunStats, e: Extract<EngineEvent, { kind: 'CommandRejected' }>, index: number): void {
  stats.refused++;
  stats.refusedByReason.set(e.reason, (stats.refusedByReason.get(e.reason) ?? 0) + 1);
  stats.firstRefusal ??= { index, command: e.command, reason: e.reason, message: e.message };
}

/** The machine-readable summary: amounts as decimal strings in the settlement asset's units, conservation in atoms. */
export interface RunSummary {
  readonly scenario: string;
  readonly rulebook: string;
  readonly commands: number;
  readonly events: number;
  readonly refused: { readonly count: number; readonly byReason: Record<string, number> };
  readonly accounts: readonly (
    | {
        readonly id: string;
        readonly priced: true;
        readonly equity: string;
        readonly maintenance: string;
        readonly initial: string;
        readonly inBreach: boolean;
        readonly isolated: readonly { readonly market: string; readonly equity: string; readonly maintenance: string }[];
      }
    | { readonly id: string; readonly priced: false; readonly unpriced: readonly string[] }
  )[];
  readonly conservation: readonly { readonly asset: string; readonly heldAtoms: string; readonly expectedAtoms: string; readonly ok: boolean }[];
  /** One line per finding (what makes the exit code 1). */
  readonly findings: readonly string[];
  readonly exitCode: 0 | 1;
}

export function summarise(engine: Engine, scenario: Scenario, stats: RunStats, strict: boolean): RunSummary {
  const s = engine.state;
  const q = (v: bigint): string => formatDecimal(v, s.quoteDecimals);
  const accounts: RunSummary['accounts'][number][] = [];
  for (const account of s.accounts.values()) {
    const ev = evaluateAccount(s, account);
    if (!ev.priced) {
      accounts.push({ id: account.id, priced: false, unpriced: [...ev.unpriced] });
      continue;
    }
    accounts.push({
      id: account.id,
      priced: true,
      equity: q(ev.cross.equity),
      maintenance: q(ev.cross.maintenance),
      initial: q(ev.cross.initial),
      inBreach: engine.isBreached(account.id),
      isolated: ev.isolated.map((iso) => ({ market: iso.market, equity: q(iso.equity), maintenance: q(iso.maintenance) })),
    });
  }
  const conservation = conservationReport(s).map((r) => ({ asset: r.asset, heldAtoms: r.held.toString(), expectedAtoms: r.expected.toString(), ok: r.held === r.expected }));
  const findings: string[] = [];
  for (const c of conservation) if (!c.ok) findings.push(`conservation ${c.asset}: held ${c.heldAtoms} atoms, expected ${c.expectedAtoms}`);
  const first = stats.firstRefusal;
  if (strict && first !== undefined) {
    findings.push(`${stats.refused} command(s) refused (--strict); the first: commands[${first.index}] ${first.command}: ${first.reason} (${first.message})`);
  }
  return {
    scenario: scenario.name,
    rulebook: engine.rulebook.name,
    commands: scenario.commands.length,
    events: stats.events,
    refused: { count: stats.refused, byReason: Object.fromEntries(stats.refusedByReason) },
    accounts,
    conservation,
    findings,
    exitCode: findings.length > 0 ? 1 : 0,
  };
}

/** The summary as the text `--summary` prints. */
export function summaryText(r: RunSummary): string[] {
  const lines: string[] = [];
  lines.push(`scenario: ${r.scenario} — ${r.commands} commands, rulebook ${r.rulebook}`);
  for (const a of r.accounts) {
    if (!a.priced) {
      lines.push(`  ${a.id}: unpriced (${a.unpriced.join(', ')})`);
      continue;
    }
    lines.push(`  ${a.id}: equity ${a.equity}  maintenance ${a.maintenance}  initial ${a.initial}${a.inBreach ? '  IN BREACH' : ''}`);
    for (const iso of a.isolated) lines.push(`    isolated ${iso.market}: equity ${iso.equity}  maintenance ${iso.maintenance}`);
  }
  const reasons = Object.entries(r.refused.byReason).map(([reason, n]) => `${reason} ${n}`);
  lines.push(`  refused: ${r.refused.count}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`);
  for (const c of r.conservation) lines.push(`  conservation ${c.asset}: held ${c.heldAtoms} expected ${c.expectedAtoms}${c.ok ? ' ok' : ' MISMATCH'}`);
  return lines;
}

/** A summary (or demo report) to its destination: a file with --out, else the given stream. */
export function writeReport(text: string, out: string | undefined, fallback: (t: string) => void): void {
  if (out === undefined) {
    fallback(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (e) {
    throw unwritableFile(out, e);
  }
}

/** JSON with bigints as decimal strings (none should reach here; this keeps a stray one from throwing). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`;
}

/** The whole `run` command. Returns the exit code: 1 when there are findings, else 0. */
export function runCommand(file: string, o: RunOptions, io: CliIo): 0 | 1 {
  checkOutputFile(o.out);
  // One bar over both halves of the work: decoding the file's commands, then applying them with the setup commands
  // (rulebook, markets, deposits) the file implies. The delay counts from the start, reading the file included.
  const progress = startProgress({ label: 'decoding, then applying commands', total: 0, stream: io.progressStream });
  let decoded = 0;
  const scenario = loadScenarioFile(file, (done, total) => {
    if (decoded === 0) progress.setTotal(2 * total);
    decoded = done;
    progress.update(done);
  });
  progress.setTotal(decoded + scenario.commands.length);
  const out: string[] = [];
  const flush = (): void => {
    if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    out.length = 0;
  };
  const { engine, stats } = runScenario(
    scenario,
    (line) => {
      out.push(line);
      if (out.length >= 1024) flush();
    },
    (done) => progress.update(decoded + done),
  );
  progress.stop();
  flush();
  const summary = summarise(engine, scenario, stats, o.strict === true);
  if (o.summary === true || o.json === true || o.out !== undefined) {
    writeReport(o.json === true ? toJson(summary) : `${summaryText(summary).join('\n')}\n`, o.out, io.stderr);
  }
  // Findings also go to stderr as one line each, whatever the summary's destination.
  for (const f of summary.findings) io.stderr(`finding: ${f}\n`);
  return summary.exitCode;
}
