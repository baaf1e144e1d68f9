#!/usr/bin/env node
// The `bailiff` command.

import { Command, CommanderError } from 'commander';
import { WireError } from '../wire/decode.js';
import { CliError } from './errors.js';
import { loadScenarioFile, runScenario, summarise } from './run.js';

const program = new Command();
program
  .name('bailiff')
  .description('Liquidation threshold enforcement engine: exact margin, breach detection and liquidation.')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program
  .command('run')
  .description('Apply a scenario file (docs/scenarios.md) to a fresh engine and print every event as a JSON line.')
  .argument('<scenario>', 'path to a scenario JSON file')
  .option('--summary', 'after the events, print each account’s equity and requirements and the conservation check to stderr')
  .action((file: string, opts: { summary?: boolean }) => {
    const scenario = loadScenarioFile(file);
    const out: string[] = [];
    const flush = (): void => {
      if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
      out.length = 0;
    };
    const engine = runScenario(scenario, (line) => {
      out.push(line);
      if (out.length >= 1024) flush();
    });
    flush();
    if (opts.summary === true) process.stderr.write(`${summarise(engine, scenario).join('\n')}\n`);
  });

function main(argv: string[]): number {
  try {
    program.parse(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof WireError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    throw e; // a bug: let Node print the stack
  }
}

process.exitCode = main(process.argv);
