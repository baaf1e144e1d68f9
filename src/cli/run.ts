// `bailiff run <scenario.json>`: applies a scenario to a fresh engine and prints every event as a JSON line.

import { readFileSync } from 'node:fs';
import { Engine } from '../core/engine/engine.js';
import { conservationReport } from '../core/engine/conservation.js';
import { evaluateAccount } from '../core/margin/evaluate.js';
import { formatDecimal } from '../core/units/index.js';
import { parseScenarioText, type Scenario } from '../scenario/load.js';
import { encodeEvent } from '../wire/encode.js';
import { CliError } from './errors.js';

export interface RunOptions {
  readonly summary?: boolean;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('bad_file', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseScenarioText(text, file);
}

/** Runs the scenario, writing one JSON line per event to `write`. Returns the engine for summaries. */
export function runScenario(scenario: Scenario, write: (line: string) => void): Engine {
  const engine = Engine.create(scenario.config, scenario.rulebook);
  for (const cmd of scenario.commands) {
    for (const event of engine.apply(cmd)) write(JSON.stringify(encodeEvent(event, scenario.units)));
  }
  return engine;
}

export function summarise(engine: Engine, scenario: Scenario): string[] {
  const lines: string[] = [];
  const s = engine.state;
  const q = (v: bigint): string => formatDecimal(v, s.quoteDecimals);
  lines.push(`scenario: ${scenario.name} — ${scenario.commands.length} commands, rulebook ${engine.rulebook.name}`);
  for (const account of s.accounts.values()) {
    const ev = evaluateAccount(s, account);
    if (!ev.priced) {
      lines.push(`  ${account.id}: unpriced (${ev.unpriced.join(', ')})`);
      continue;
    }
    const breached = engine.isBreached(account.id) ? '  IN BREACH' : '';
    lines.push(`  ${account.id}: equity ${q(ev.cross.equity)}  maintenance ${q(ev.cross.maintenance)}  initial ${q(ev.cross.initial)}${breached}`);
    for (const iso of ev.isolated) lines.push(`    isolated ${iso.market}: equity ${q(iso.equity)}  maintenance ${q(iso.maintenance)}`);
  }
  for (const r of conservationReport(s)) {
    lines.push(`  conservation ${r.asset}: held ${r.held} expected ${r.expected}${r.held === r.expected ? ' ok' : ' MISMATCH'}`);
  }
  return lines;
}
