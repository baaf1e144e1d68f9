// The `bailiff` command's program: parses argv, runs the subcommand, maps errors to exit codes.
// Exit codes: 0 success; 2 bad input (scenario, flags, files); 1 a failed run. Bugs surface with a stack.

import { Command, CommanderError } from 'commander';
import { FeedError } from '../feeds/errors.js';
import { WireError } from '../wire/decode.js';
import { CliError } from './errors.js';
import { runDemo } from './demo.js';
import { feedBinance, feedChainlink, feedKlines, feedPyth, parseMappings } from './feed.js';
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
  const feed = program
    .command('feed')
    .description('Read a price feed (live from a URL you give, or kline files) and print the engine commands its quotes stand for, as JSON lines.');
  const mapOpt = '--map <SYMBOL=MARKET:DECIMALS[:SOURCE]>';
  const mapHelp = 'feed symbol to engine market, its price decimals and the index source name (repeatable)';
  const collect = (v: string, acc: string[]): string[] => [...acc, v];
  const maxOpt = (v: string): number => positiveInt(v, '--max');
  feed
    .command('binance')
    .description('Binance USD-M combined streams over WebSocket (markPrice, bookTicker, aggTrade).')
    .requiredOption('--url <wss-url>', 'stream URL, e.g. wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice/btcusdt@bookTicker')
    .requiredOption(mapOpt, mapHelp, collect, [])
    .option('--max <n>', 'stop after n commands', maxOpt)
    .action(async (o: { url: string; map: string[]; max?: number }) => {
      await feedBinance({ url: o.url, maps: parseMappings(o.map), ...(o.max === undefined ? {} : { max: o.max }) }, io);
    });
  feed
    .command('pyth')
    .description('Pyth Hermes price updates over Server-Sent Events (re-reads /latest on each reconnect).')
    .option('--base-url <url>', 'Hermes base URL', 'https://hermes.pyth.network')
    .requiredOption(mapOpt, 'Pyth feed id (hex) to engine market, decimals, source (repeatable)', collect, [])
    .option('--max <n>', 'stop after n commands', maxOpt)
    .action(async (o: { baseUrl: string; map: string[]; max?: number }) => {
      await feedPyth({ baseUrl: o.baseUrl, maps: parseMappings(o.map), ...(o.max === undefined ? {} : { max: o.max }) }, io);
    });
  feed
    .command('chainlink')
    .description('Chainlink latestRoundData() polled over JSON-RPC eth_call.')
    .requiredOption('--rpc-url <url>', 'an Ethereum JSON-RPC endpoint')
    .requiredOption('--address <0x...>', 'the feed proxy address')
    .requiredOption(mapOpt, 'a label for the feed to engine market, decimals, source', collect, [])
    .option('--interval-ms <n>', 'time between polls', (v) => positiveInt(v, '--interval-ms'), 10_000)
    .option('--max <n>', 'stop after n commands', maxOpt)
    .action(async (o: { rpcUrl: string; address: string; map: string[]; intervalMs: number; max?: number }) => {
      await feedChainlink({ rpcUrl: o.rpcUrl, address: o.address, intervalMs: o.intervalMs, maps: parseMappings(o.map), ...(o.max === undefined ? {} : { max: o.max }) }, io);
    });
  feed
    .command('klines')
    .description('Replay Binance kline CSV dumps (SYMBOL-1m-YYYY-MM.csv), merged by time.')
    .argument('<files...>', 'kline CSV files')
    .requiredOption(mapOpt, mapHelp, collect, [])
    .option('--mode <close|path>', 'one close per minute, or open/high/low/close within each minute', 'close')
    .option('--from <time>', 'start (ISO-8601 UTC or ms)')
    .option('--to <time>', 'end, exclusive (ISO-8601 UTC or ms)')
    .option('--max <n>', 'stop after n commands', maxOpt)
    .action(async (files: string[], o: { map: string[]; mode: string; from?: string; to?: string; max?: number }) => {
      if (o.mode !== 'close' && o.mode !== 'path') throw new CliError('bad_argument', `--mode must be close or path, not ${JSON.stringify(o.mode)}`);
      const fromMs = o.from === undefined ? undefined : timeArg(o.from, '--from');
      const toMs = o.to === undefined ? undefined : timeArg(o.to, '--to');
      await feedKlines(
        { files, mode: o.mode, maps: parseMappings(o.map), ...(o.max === undefined ? {} : { max: o.max }), ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) },
        io,
      );
    });
  return program;
}

function timeArg(v: string, flag: string): number {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new CliError('bad_argument', `${flag} must be an ISO-8601 UTC time or ms since the epoch, not ${JSON.stringify(v)}`);
  return ms;
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError('bad_argument', `${flag} must be a positive integer, not ${JSON.stringify(v)}`);
  return n;
}

export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof FeedError) {
      io.stderr(`error: ${e.message}\n`);
      return 1;
    }
    if (e instanceof WireError || e instanceof CliError) {
      io.stderr(`error: ${e.message}\n`);
      return e instanceof CliError ? e.exitCode : 2;
    }
    throw e;
  }
}
