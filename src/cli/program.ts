// The `bailiff` command's program: parses argv, runs the subcommand, maps errors to exit codes.
// Exit codes: 0 success; 2 bad input (scenario, flags, files); 1 a failed run. Bugs surface with a stack.

import { Command, CommanderError } from 'commander';
import { WireError } from '../wire/decode.js';
import { CliError } from './errors.js';
import { runDemo } from './demo.js';
import { loadScenarioFile, runScenario, summarise } from './run.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('bailiff')
    .description('Liquidation threshold enforcement engine: exact margin, breach detection and liquidation.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  program
    .command('run')
    .description('Apply a scenario file (docs/scenarios.md) to a fresh engine and print every event as a JSON line.')
    .argument('<scenario>', 'path to a scenario JSON file')
    .option('--summary', 'after the events, print each account’s equity and requirements and the conservation check to stderr')
    .action((file: string, opts: { summary?: boolean }) => {
      const scenario = loadScenarioFile(file);
      const out: string[] = [];
      const flush = (): void => {
        if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
        out.length = 0;
      };
      const engine = runScenario(scenario, (line) => {
        out.push(line);
        if (out.length >= 1024) flush();
      });
      flush();
      if (opts.summary === true) io.stderr(`${summarise(engine, scenario).join('\n')}\n`);
    });
  program
    .command('demo')
    .description('Replay the 2025-02-02 crash (Binance 1m klines from ../shared/data, or a synthetic crash of the same shape) against thousands of leveraged accounts and report who breached maintenance, when and why.')
    .option('--accounts <n>', 'number of synthetic traders', (v) => positiveInt(v, '--accounts'), 3000)
    .option('--seed <n>', 'seed of the synthetic population', (v) => positiveInt(v, '--seed'), 7)
    .option('--synthetic', 'use the synthetic crash even when the real klines are present', false)
    .option('--rulebook <name>', 'rulebook preset', 'binance')
    .action(async (opts: { accounts: number; seed: number; synthetic: boolean; rulebook: string }) => {
      await runDemo(opts, io);
    });
  return program;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, not ${JSON.stringify(v)}`, 2);
  return n;
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof WireError || e instanceof CliError) {
      io.stderr(`error: ${e.message}\n`);
      return e instanceof CliError ? e.exitCode : 2;
    }
    throw e;
  }
}
