// The `bailiff` command's program: parses argv, runs the subcommand, maps outcomes to exit codes (EXIT_CODES_HELP).
// Every failure is one line on stderr (`error: ...`), never a stack trace: user errors are BailiffErrors (exit 2);
// anything else is a bug (exit 3), whose stack BAILIFF_DEBUG=1 prints.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { parseDecimal } from '../core/units/index.js';
import { BailiffError, oneLine } from '../errors.js';
import { findRepoRoot } from '../feeds/shared-data.js';
import { checkOutputFile, CliError } from './errors.js';
import { runCommand } from './run.js';
import { runExport, scenarioExportSource } from './export.js';
import { verifyCommand } from './verify.js';
import { journalFileVerifySource, openCheckedJournal } from './journal-file.js';
import type { ExportSource } from './export.js';
import { keygenCommand, proveCommand, receiptsCommand, scenarioEntries, verifyProofCommand, verifyReceiptCommand, type HeadedEntrySource } from './proofs.js';
import { runIngest, runJournalInfo, STANDBY_POLL_MS_DEFAULT } from './ingest.js';
import { DEFAULT_STREAM, DEFAULT_TAKEOVER_MS, HEARTBEAT_MS } from '../journal/jetstream.js';
import type { ReplicationOptions } from './replica.js';
import { keysAdd, keysList, keysRevoke } from './keys.js';

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Where progress bars are drawn: stderr when it is a terminal, else undefined (no progress). */
  readonly progressStream?: NodeJS.WritableStream;
  /** What `ingest` reads commands from (process.stdin for the real process). */
  readonly stdin?: AsyncIterable<string | Buffer>;
}

export const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
  // A getter: process.stdin is created only when a command reads it.
  get stdin(): AsyncIterable<string | Buffer> {
    return process.stdin;
  },
};

/** What each exit code means; printed by every --help and repeated in the README. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done; nothing to report
  1  a finding: a conservation mismatch (run, demo), refused commands with run --strict, any finding of verify,
     an invalid receipt or proof (verify-receipt, verify-proof)
  2  the command could not run as asked: bad input (a flag, a file, a scenario field, a feed URL),
     a feed source that failed for good, or a journal that is corrupt (the message names the record's
     seq), weaker than asked, or whose replay disagrees with its records
  3  an internal error (a bug in bailiff); BAILIFF_DEBUG=1 prints its stack`;

/** The package's version, read from the package.json above this module (in src/ or in dist/src/). */
export function packageVersion(moduleUrl: string = import.meta.url): string {
  const root = findRepoRoot(dirname(fileURLToPath(moduleUrl)));
  if (root === undefined) return 'unknown';
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** A decimal ratio flag ("0.01") as ppm. */
function ratioPpmArg(v: string, flag: string): bigint {
  const r = parseDecimal(v, 6);
  if (!r.ok || r.value <= 0n) throw new CliError('bad_argument', `${flag} must be a positive ratio with at most 6 decimals (0.01 = 1%), not ${JSON.stringify(v)}`);
  return r.value;
}

/**
 * The demo and the feeds load their libraries (WebSocket, SSE, kline parsing, the simulator) only when they run, so
 * every other command starts faster (`bailiff ingest` is restarted after every crash).
 */
const feeds = (): Promise<typeof import('./feed.js')> => import('./feed.js');

/** The one journal a reading command was given: --journal <file> or --scenario <file>, exactly one. */
function journalChoice(o: { journal?: string; scenario?: string }): { journal: string } | { scenario: string } {
  if (o.journal !== undefined && o.scenario !== undefined) throw new CliError('bad_argument', 'give --journal or --scenario, not both');
  if (o.journal !== undefined) return { journal: o.journal };
  if (o.scenario !== undefined) return { scenario: o.scenario };
  throw new CliError('bad_argument', 'which journal? give --journal <file> (bailiff ingest) or --scenario <file>');
}

function entrySource(o: { journal?: string; scenario?: string }): HeadedEntrySource {
  const c = journalChoice(o);
  if ('scenario' in c) return scenarioEntries(c.scenario);
  const j = openCheckedJournal(c.journal);
  return { genesis: j.genesis, head: j.head, entries: j.records };
}

function exportSource(o: { journal?: string; scenario?: string }): ExportSource {
  const c = journalChoice(o);
  if ('scenario' in c) return scenarioExportSource(c.scenario);
  const j = openCheckedJournal(c.journal);
  return { genesis: j.genesis, head: j.head, entries: j.records, units: j.units };
}

function buildProgram(io: CliIo, setExit: (code: 0 | 1) => void): Command {
  const program = new Command();
  program
    .name('bailiff')
    .description('Liquidation threshold enforcement engine: exact margin, breach detection and liquidation.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    // Commander's own errors ("unknown option '--x'" + "(Did you mean --y?)") as one line, like ours.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`${text.trimEnd().replace(/\n+/g, ' ')}\n`) })
    .addHelpText('afterAll', EXIT_CODES_HELP);

  program
    .command('run')
    .description('Apply a scenario file (docs/scenarios.md) to a fresh engine and print every event as a JSON line.')
    .argument('<scenario>', 'path to a scenario JSON file')
    .option('--summary', 'after the events, print each account’s equity and requirements, the refusals and the conservation check to stderr')
    .option('--json', 'the summary as JSON (amounts as decimal strings; implies --summary)')
    .option('--out <file>', 'write the summary to this file instead of stderr (implies --summary)')
    .option('--strict', 'refused commands are a finding: exit code 1')
    .action((file: string, opts: { summary?: boolean; json?: boolean; out?: string; strict?: boolean }) => {
      setExit(runCommand(file, opts, io));
    });
  program
    .command('auctions')
    .description('Run an auction scenario (MakerDAO Liquidations 2.0 and sealed-bid batches, docs/auctions.md) and print every event as a JSON line.')
    .argument('<scenario>', 'path to an auction scenario JSON file')
    .action(async (file: string) => {
      setExit((await import('./auctions.js')).runAuctions(file, io));
    });
  program
    .command('demo')
    .description('Replay the 2025-02-02 crash (Binance 1m klines from ../shared/data, or a synthetic crash of the same shape) against thousands of leveraged accounts and report who breached maintenance, when and why.')
    .option('--accounts <n>', `number of synthetic traders (${WORLD_ACCOUNTS_HELP})`, worldAccountsArg, 3000)
    .option('--seed <n>', `seed of the synthetic population (0 to ${SEED_MAX})`, seedArg, 7)
    .option('--synthetic', 'use the synthetic crash even when the real klines are present', false)
    .option('--rulebook <name>', 'rulebook preset', 'binance')
    .option('--json', 'the report as JSON (amounts as decimal strings)')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--no-stops', 'no trader places a stop-loss (by default every 4th places position stop-losses)')
    .action(async (opts: { accounts: number; seed: number; synthetic: boolean; rulebook: string; json?: boolean; out?: string; stops: boolean }) => {
      setExit(await (await import('./demo.js')).runDemo(opts, io));
    });
  program
    .command('lending-demo')
    .description('An Aave v3.3 lending market (ALGO, AVAX, FIL, NEAR collateral, USDC debt) through the 2025-02-02 crash with keepers: liquidations, close factors, fees, keeper profit net of gas, bad debt, the dust check.')
    .option('--accounts <n>', `number of synthetic borrowers (${WORLD_ACCOUNTS_HELP})`, worldAccountsArg, 500)
    .option('--seed <n>', `seed of the synthetic population (0 to ${SEED_MAX})`, seedArg, 7)
    .option('--synthetic', 'use the synthetic crash even when the real klines are present', false)
    .option('--gas <usd>', "a keeper's cost of one liquidation call, USD", '5')
    .option('--keepers <n>', 'keepers, each landing up to 10 liquidations a minute', (v) => positiveInt(v, '--keepers'), 3)
    .option('--json', 'the report as JSON (amounts as decimal strings)')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(async (opts: { accounts: number; seed: number; synthetic: boolean; gas: string; keepers: number; json?: boolean; out?: string }) => {
      setExit(await (await import('./lending-demo.js')).runLendingDemo(opts, io));
    });
  const serveCommand = program
    .command('serve')
    .description('Run the HTTP and WebSocket service over a SQLite journal (docs/service.md); prints its URL. --replay feeds the bundled crash replay.')
    .option('--port <n>', 'TCP port (0: any free port)', (v) => portArg(v), 8080)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'directory of the journal (journal.db)', './data')
    .option('--replay', 'feed the bundled crash replay (the world of `bailiff demo`) through the service', false)
    .option('--speed <x>', 'replay minutes per wall minute: a positive number, decimals allowed (0.5: one replay minute every two)', (v) => positiveNumber(v, '--speed'), 300)
    .option('--accounts <n>', `traders in the replayed world (${WORLD_ACCOUNTS_HELP})`, worldAccountsArg, 3000)
    .option('--seed <n>', `seed of the replayed population (0 to ${SEED_MAX})`, seedArg, 7)
    .option('--synthetic', 'replay the synthetic crash even when the real klines are present', false)
    .option('--rulebook <name>', 'rulebook preset of a new journal (default binance; an existing journal keeps its own)')
    .option('--durability <full|relaxed>', 'full: WAL + synchronous=FULL; relaxed: WAL + NORMAL', 'full')
    .option('--log-level <level>', 'pino log level (logs go to stderr)', 'warn')
    .option('--keys <file>', 'API key store (bailiff keys add --store FILE): every request must be signed by one of its keys (docs/security.md)')
    .option('--master-key <file>', 'master key file of the key store (default: <keys>.master)')
    .option('--insecure-local', 'run without the security plugin (no keys, no signatures): a trusted machine only', false)
    .option('--standby', 'a hot standby of the journal another `serve` writes: reads served, commands refused (503) until that writer stops, then it takes the journal over', false)
    .option('--poll-ms <n>', `with --standby: how often to follow the journal (or the stream) and try its writer lock, in ms (default ${STANDBY_POLL_MS_DEFAULT})`, (v) => positiveInt(v, '--poll-ms'));
  withReplicationOptions(serveCommand).action(async (o: { port: number; host: string; data: string; replay: boolean; speed: number; accounts: number; seed: number; synthetic: boolean; rulebook?: string; durability: string; logLevel: string; insecureLocal: boolean; keys?: string; masterKey?: string; standby: boolean; pollMs?: number } & JetStreamFlags) => {
      if (o.durability !== 'full' && o.durability !== 'relaxed') throw new CliError('bad_argument', `--durability must be full or relaxed, not ${JSON.stringify(o.durability)}`);
      if (o.standby && o.replay) throw new CliError('bad_argument', '--standby takes no command until it takes the journal over: --replay feeds commands; give it to the writer');
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(o.logLevel)) throw new CliError('bad_argument', `--log-level must be fatal, error, warn, info, debug, trace or silent, not ${JSON.stringify(o.logLevel)}`);
      const jetstream = jetStreamOf(o, o.standby);
      const pollMs = standbyPollMs(o, o.standby);
      const { pollMs: _pollMs, jetstream: _url, stream: _stream, replicas: _replicas, takeoverMs: _takeover, jetstreamCa: _ca, jetstreamCert: _cert, jetstreamKey: _key, jetstreamCreds: _creds, ...rest } = o;
      const { runServe } = await import('./serve.js');
      await runServe({ ...rest, durability: o.durability, ...(pollMs === undefined ? {} : { pollMs }), ...(jetstream === undefined ? {} : { jetstream }) }, io);
    });
  program
    .command('account')
    .description("An account's risk view from a journal, as GET /v1/accounts/{id} answers it (docs/service.md): equity, margins, free collateral, margin ratio, each position's exact liquidation and bankruptcy prices, distance, ADL rank; JSON.")
    .argument('<id>', 'the account')
    .requiredOption('--journal <file>', 'the journal (bailiff ingest, bailiff serve: <data>/journal.db)')
    .option('--seq <n>', 'the state after this sequence number; default: the head', (v) => positiveInt(v, '--seq'))
    .action(async (id: string, o: { journal: string; seq?: number }) => {
      const { runAccount } = await import('./account.js');
      runAccount(id, { journal: o.journal, ...(o.seq === undefined ? {} : { seq: o.seq }) }, io);
    });
  program
    .command('export')
    .description('Export a journal for analysts: the liquidation history (one row per step, fill, takeover, ADL, deficit) or the account states (one row per account and position), as CSV or JSON lines (docs/export.md).')
    .requiredOption('--what <liquidations|accounts>', 'what to export')
    .option('--format <csv|jsonl>', 'CSV (RFC 4180) or one JSON object per line', 'csv')
    .option('--journal <file>', 'the journal to export (bailiff ingest)')
    .option('--scenario <file>', 'or a scenario file (docs/scenarios.md), applied to a fresh engine')
    .option('--seq <n>', 'export up to this sequence number (accounts: the state after it); default: the head', (v) => positiveInt(v, '--seq'))
    .option('--out <file>', 'write to this file instead of stdout')
    .action((o: { what: string; format: string; journal?: string; scenario?: string; seq?: number; out?: string }) => {
      setExit(
        runExport(exportSource(o), { what: o.what, format: o.format, ...(o.out === undefined ? {} : { out: o.out }), ...(o.seq === undefined ? {} : { seq: o.seq }) }, io),
      );
    });
  program
    .command('verify')
    .description('Re-check a journal independently: its hash chain, then a replay from genesis with the exact scan, record by record. Prints one line per finding; exit 1 on any.')
    .argument('<journal>', 'a journal: the SQLite file bailiff ingest writes, or JSON lines (a genesis line, then one record per line)')
    .action((file: string) => {
      setExit(verifyCommand(file, io, journalFileVerifySource));
    });
  const feed = program
    .command('feed')
    .description('Read a price feed (live from a URL you give, or kline files) and print the engine commands its quotes stand for, as JSON lines.');
  const mapOpt = '--map <SYMBOL=MARKET:DECIMALS[:SOURCE]>';
  const mapHelp = 'feed symbol to engine market, its price decimals and the index source name (repeatable)';
  const collect = (v: string, acc: string[]): string[] => [...acc, v];
  const maxOpt = (v: string): number => positiveInt(v, '--max');
  const attemptsOpt = '--max-attempts <n>';
  const attemptsHelp = 'give up after n failed connection attempts in a row (default: unlimited; a host that does not resolve or a refused TLS certificate: 3)';
  const attempts = (v: string): number => positiveInt(v, '--max-attempts');
  const common = (f: typeof import('./feed.js'), o: { map: string[]; max?: number; maxAttempts?: number }) => ({
    maps: f.parseMappings(o.map),
    ...(o.max === undefined ? {} : { max: o.max }),
    ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
  });
  feed
    .command('binance')
    .description('Binance USD-M combined streams over WebSocket (markPrice, bookTicker, aggTrade).')
    .requiredOption('--url <wss-url>', 'stream URL, e.g. wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice/btcusdt@bookTicker')
    .requiredOption(mapOpt, mapHelp, collect, [])
    .option('--max <n>', 'stop after n commands', maxOpt)
    .option(attemptsOpt, attemptsHelp, attempts)
    .action(async (o: { url: string; map: string[]; max?: number; maxAttempts?: number }) => {
      const f = await feeds();
      await f.feedBinance({ url: o.url, ...common(f, o) }, io);
    });
  feed
    .command('pyth')
    .description('Pyth Hermes price updates over Server-Sent Events (re-reads /latest on each reconnect).')
    .option('--base-url <url>', 'Hermes base URL', 'https://hermes.pyth.network')
    .requiredOption(mapOpt, 'Pyth feed id (hex) to engine market, decimals, source (repeatable)', collect, [])
    .option('--max-conf <ratio>', 'flag (feed: issue wide_confidence) an update whose confidence exceeds this share of its price', '0.01')
    .option('--max <n>', 'stop after n commands', maxOpt)
    .option(attemptsOpt, attemptsHelp, attempts)
    .action(async (o: { baseUrl: string; map: string[]; maxConf: string; max?: number; maxAttempts?: number }) => {
      const f = await feeds();
      await f.feedPyth({ baseUrl: o.baseUrl, maxConfPpm: ratioPpmArg(o.maxConf, '--max-conf'), ...common(f, o) }, io);
    });
  feed
    .command('chainlink')
    .description('Chainlink latestRoundData() polled over JSON-RPC eth_call.')
    .requiredOption('--rpc-url <url>', 'an Ethereum JSON-RPC endpoint')
    .requiredOption('--address <0x...>', 'the feed proxy address')
    .requiredOption(mapOpt, 'a label for the feed to engine market, decimals, source', collect, [])
    .option('--interval-ms <n>', 'time between polls', (v) => positiveInt(v, '--interval-ms'), 10_000)
    .option('--max <n>', 'stop after n commands', maxOpt)
    .option(attemptsOpt, attemptsHelp, attempts)
    .action(async (o: { rpcUrl: string; address: string; map: string[]; intervalMs: number; max?: number; maxAttempts?: number }) => {
      const f = await feeds();
      await f.feedChainlink({ rpcUrl: o.rpcUrl, address: o.address, intervalMs: o.intervalMs, ...common(f, o) }, io);
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
      const f = await feeds();
      await f.feedKlines(
        { files, mode: o.mode, maps: f.parseMappings(o.map), ...(o.max === undefined ? {} : { max: o.max }), ...(fromMs === undefined ? {} : { fromMs }), ...(toMs === undefined ? {} : { toMs }) },
        io,
      );
    });
  program
    .command('keygen')
    .description("Create the operator's ed25519 key pair: <prefix>.key (private, PKCS#8 PEM, 0600) and <prefix>.pub (public, 64 hex digits). Never overwrites.")
    .requiredOption('--out <prefix>', 'path prefix of the two files')
    .action((o: { out: string }) => {
      setExit(keygenCommand(o.out, io));
    });
  program
    .command('prove')
    .description("Print an account's Merkle inclusion proof against the state root (docs/proofs.md), as canonical JSON.")
    .argument('<account>', 'the account id')
    .option('--journal <file>', 'the journal to read (bailiff ingest)')
    .option('--scenario <file>', 'or a scenario file, run in memory')
    .option('--seq <n>', 'prove the state after this sequence number (default: the last)', (v) => positiveInt(v, '--seq'))
    .option('--out <file>', 'write the proof to this file instead of stdout')
    .action((account: string, o: { journal?: string; scenario?: string; seq?: number; out?: string }) => {
      setExit(proveCommand(account, entrySource(o), { ...(o.seq === undefined ? {} : { seq: o.seq }), ...(o.out === undefined ? {} : { out: o.out }) }, io));
    });
  program
    .command('verify-proof')
    .description('Check a `bailiff prove` output offline: exit 0 valid, 1 invalid with a one-line reason.')
    .argument('<proof>', 'the proof file')
    .option('--root <hex>', 'the published state root to check against (default: the one in the file)')
    .action((file: string, o: { root?: string }) => {
      setExit(verifyProofCommand(file, o.root === undefined ? {} : { root: o.root }, io));
    });
  program
    .command('receipts')
    .description('Sign a receipt for every liquidation in the journal (docs/proofs.md): one JSON line each, or one file each with --out.')
    .option('--journal <file>', 'the journal to read (bailiff ingest)')
    .option('--scenario <file>', 'or a scenario file, run in memory')
    .requiredOption('--key <file>', "the operator's private key (bailiff keygen)")
    .option('--out <dir>', 'write each receipt to its own file in this directory')
    .action((o: { journal?: string; scenario?: string; key: string; out?: string }) => {
      setExit(receiptsCommand(entrySource(o), { key: o.key, ...(o.out === undefined ? {} : { out: o.out }) }, io));
    });
  program
    .command('verify-receipt')
    .description("Check a liquidation receipt offline with the operator's public key: exit 0 valid, 1 invalid with a one-line reason.")
    .argument('<receipt>', 'the receipt file')
    .requiredOption('--key <pub>', "the operator's public key: 64 hex digits, or a file holding them (or a PEM public key)")
    .action((file: string, o: { key: string }) => {
      setExit(verifyReceiptCommand(file, o, io));
    });
  const ingestCommand = program
    .command('ingest')
    .description('Journal wire commands (JSON lines on stdin) durably, then acknowledge each one on stdout ({"seq":N,...}) after its commit; recovers the journal first (docs/journal.md).')
    .requiredOption('--journal <file>', 'the journal (SQLite); created when it does not exist')
    .option('--scenario <file>', 'a new journal takes its genesis (settlement, rulebook) and first commands from this scenario')
    .option('--durability <full|relaxed>', 'full: WAL + synchronous=FULL, refused if the database cannot; relaxed: WAL + NORMAL (survives a killed process, not a power cut)', 'full')
    .option('--snapshot-every <n>', 'write a snapshot after every n commands', (v) => positiveInt(v, '--snapshot-every'))
    .option('--events', 'after each acknowledgement, print its events as `run` does')
    .option('--recompute-margin-calls', "recovery computes the margin calls again and compares them with the records (default: it takes them from the records, and compares every other event; docs/journal.md)")
    .option('--standby', 'a hot standby of a journal another process writes: recover, follow its head, and take it over (then read stdin) once that writer stops')
    .option('--poll-ms <n>', `with --standby: how often to follow the journal and try its writer lock, in ms (default ${STANDBY_POLL_MS_DEFAULT})`, (v) => positiveInt(v, '--poll-ms'));
  withReplicationOptions(ingestCommand).action(async (o: { journal: string; scenario?: string; durability: string; snapshotEvery?: number; events?: boolean; recomputeMarginCalls?: boolean; standby?: boolean; pollMs?: number } & JetStreamFlags) => {
      if (o.durability !== 'full' && o.durability !== 'relaxed') throw new CliError('bad_argument', `--durability must be full or relaxed, not ${JSON.stringify(o.durability)}`);
      if (o.standby === true && o.scenario !== undefined) throw new CliError('bad_argument', '--standby follows an existing journal: --scenario is for a new one');
      const jetstream = jetStreamOf(o, o.standby === true);
      const pollMs = standbyPollMs(o, o.standby === true);
      await runIngest(
        {
          journal: o.journal,
          durability: o.durability,
          ...(o.scenario === undefined ? {} : { scenario: o.scenario }),
          ...(o.snapshotEvery === undefined ? {} : { snapshotEvery: o.snapshotEvery }),
          ...(o.events === undefined ? {} : { events: o.events }),
          ...(o.recomputeMarginCalls === true ? { recomputeMarginCalls: true } : {}),
          ...(pollMs === undefined ? {} : { standby: { pollMs } }),
          ...(jetstream === undefined ? {} : { jetstream }),
        },
        io,
        io.stdin ?? process.stdin,
      );
    });
  program
    .command('journal')
    .description('Inspect a journal.')
    .command('info')
    .description('What a journal holds: format, mode, genesis, head, snapshots (read-only; a corrupt record is exit 2).')
    .argument('<file>', 'the journal')
    .option('--json', 'as JSON')
    .option('--jetstream <url>', 'also where the journal stands against its JetStream stream (level, behind, ahead, diverged: exit 2); changes neither')
    .option('--stream <name>', `with --jetstream: the stream (default ${DEFAULT_STREAM})`)
    .addOption(tlsCaOption())
    .addOption(tlsCertOption())
    .addOption(tlsKeyOption())
    .addOption(credsOption())
    .action(async (file: string, o: { json?: boolean } & JetStreamFlags) => {
      const jetstream = jetStreamOf(o, false);
      await runJournalInfo(file, { ...(o.json === undefined ? {} : { json: o.json }), ...(jetstream === undefined ? {} : { jetstream }) }, io);
    });
  const keys = program.command('keys').description("The service's API keys (docs/security.md): the store keeps no secret, only each secret's SHA-256.");
  const masterKeyHelp = 'the master key file the secrets derive from (default: <store>.master, created 0600 with the store)';
  keys
    .command('add')
    .description('Make a key: prints its id and its secret, once (the secret cannot be shown again).')
    .requiredOption('--store <file>', 'the key store (JSON); created with its master key when absent')
    .requiredOption('--role <role>', 'read, trade, operator or admin (each includes the ones before it)')
    .option('--accounts <a,b>', 'the accounts the key may see and act for (default: all)')
    .option('--rate <n>', "the key's own sustained rate, requests per second (with --burst)", (v) => positiveNumber(v, '--rate'))
    .option('--burst <n>', "the key's own largest burst (with --rate)", (v) => positiveNumber(v, '--burst'))
    .option('--label <text>', 'a note shown by keys list')
    .option('--master-key <file>', masterKeyHelp)
    .option('--json', 'print {id, secret, role, accounts} as JSON')
    .action((o: { store: string; role: string; accounts?: string; rate?: number; burst?: number; label?: string; masterKey?: string; json?: boolean }) => {
      keysAdd(o, io);
    });
  keys
    .command('list')
    .description('List the keys: id, role, accounts, created, revoked.')
    .requiredOption('--store <file>', 'the key store')
    .option('--master-key <file>', masterKeyHelp)
    .option('--json', 'as JSON')
    .action((o: { store: string; masterKey?: string; json?: boolean }) => {
      keysList(o, io);
    });
  keys
    .command('revoke')
    .description('Revoke a key (kept in the store with the date; a running server stops accepting it within a second).')
    .argument('<id>', 'the key id (bk_...)')
    .requiredOption('--store <file>', 'the key store')
    .option('--master-key <file>', masterKeyHelp)
    .action((id: string, o: { store: string; masterKey?: string }) => {
      keysRevoke(id, o, io);
    });
  // issue 19, the stress simulator (docs/simulate.md)
  program
    .command('simulate')
    .description('A seeded stress simulation (docs/simulate.md): markets with books, a price path, a population and liquidators driven through the engine; prints the summary as JSON.')
    .argument('<sim>', 'path to a sim.json file')
    .option('--out <file>', 'also write the whole result (summary and per-step series) as JSON to this file')
    .option('--seed <n>', `override the file's seed (0 to ${SEED_MAX})`, seedArg)
    .option('--journal <file>', "start from this journal's live accounts (its head; docs/simulate.md)")
    .option('--journal-seq <n>', 'with --journal: its state at this seq', (v) => positiveInt(v, '--journal-seq'))
    .option('--report <file>', 'also write a self-contained HTML report (price with and without liquidations, liquidations over time, the insurance fund; docs/sweeps.md)')
    .action(async (file: string, opts: { out?: string; seed?: number; journal?: string; journalSeq?: number; report?: string }) => {
      if (opts.journalSeq !== undefined && opts.journal === undefined) throw new CliError('bad_argument', "--journal-seq is a seq of the journal's: it goes with --journal <file>");
      checkOutputFile(opts.out);
      checkOutputFile(opts.report);
      const result = (await import('./simulate.js')).runSimulate(file, opts, io);
      if (opts.report !== undefined) (await import('./report.js')).writeSimReport(result, opts.report);
    });
  // ---- issue 19 part B: sweeps, preview, reports (src/cli/sweep.ts, src/cli/preview.ts; docs/sweeps.md) ----
  program
    .command('sweep')
    .description('Run a sweep (docs/sweeps.md): a grid or a coordinate descent over sim.json parameters (maintenance margin, fees, partial slice, ...) across seeds on worker threads; prints the points and the frontier between bad debt and unnecessary liquidations as JSON.')
    .argument('<sweep>', 'path to a sweep JSON file')
    .option('--workers <n>', 'worker threads (default: available cores - 1, at least 1); the results do not depend on it', (v) => positiveInt(v, '--workers'))
    .option('--out <file>', 'write the JSON summary to this file instead of stdout')
    .option('--report <file>', 'also write a self-contained HTML report (frontier, heatmap, points)')
    .action(async (file: string, o: { workers?: number; out?: string; report?: string }) => {
      setExit(await (await import('./sweep.js')).runSweepCommand(file, o, io));
    });
  program
    .command('preview')
    .description('Preview a proposed rulebook or market change (docs/sweeps.md): the live accounts of a journal, with and without the change, down a stress path; prints who would be liquidated (accounts, positions, margin) as JSON.')
    .requiredOption('--journal <file>', 'the journal (bailiff ingest, bailiff serve: <data>/journal.db)')
    .requiredOption('--change <file>', 'the proposed change: {"rulebook": ..., "markets": [...]}')
    .option('--stress <file>', 'the stress path: {"steps": n, "stepMs": ms, "moves": {"MARKET": "-0.2"}}; default: none (the change at the live prices)')
    .option('--seq <n>', 'the accounts after this sequence number; default: the head', (v) => positiveInt(v, '--seq'))
    .option('--out <file>', 'write the JSON to this file instead of stdout')
    .action(async (o: { journal: string; change: string; stress?: string; seq?: number; out?: string }) => {
      setExit((await import('./preview.js')).runPreviewCommand(o, io));
    });
  return program;
}

/** The flags of a journal replicated over JetStream, as commander gives them (ingest, serve, journal info). */
interface JetStreamFlags {
  jetstream?: string;
  stream?: string;
  replicas?: number;
  takeoverMs?: number;
  jetstreamCa?: string;
  jetstreamCert?: string;
  jetstreamKey?: string;
  jetstreamCreds?: string;
}

function credsOption(): Option {
  return new Option('--jetstream-creds <file>', "with --jetstream: a NATS credentials file (the user's JWT and nkey seed, as nsc writes it) instead of credentials in the URL");
}

function tlsCaOption(): Option {
  return new Option('--jetstream-ca <file>', "with --jetstream: TLS required, the servers' certificates verified against this CA (PEM; default: the system's CAs)");
}

function tlsCertOption(): Option {
  return new Option('--jetstream-cert <file>', "with --jetstream: this client's TLS certificate (PEM), for servers that verify clients (mutual TLS); with --jetstream-key");
}

function tlsKeyOption(): Option {
  return new Option('--jetstream-key <file>', "with --jetstream: the key of --jetstream-cert (PEM)");
}

/** The JetStream replication flags (ingest and serve), added at the end of a command's options. */
function withReplicationOptions(command: Command): Command {
  for (const option of [jetStreamOption(), streamOption(), replicasOption(), takeoverOption(), tlsCaOption(), tlsCertOption(), tlsKeyOption(), credsOption()]) command.addOption(option);
  return command;
}

function jetStreamOption(): Option {
  return new Option(
    '--jetstream <url>',
    'replicate the journal to a NATS JetStream stream (nats://host:4222; docs/journal.md "Replication over JetStream"): each batch is published before its local commit, and acknowledged after both; with --standby, copy the stream into this journal and take the stream over when no writer is heard',
  );
}

function streamOption(): Option {
  return new Option('--stream <name>', `with --jetstream: the stream (default ${DEFAULT_STREAM})`);
}

function replicasOption(): Option {
  return new Option('--replicas <n>', 'with --jetstream: replicas of the stream when this process creates it (a JetStream cluster: 3)').argParser((v) => positiveInt(v, '--replicas'));
}

function takeoverOption(): Option {
  return new Option('--takeover-ms <n>', `with --jetstream --standby: how long without a writer's heartbeat (every ${HEARTBEAT_MS} ms) or batch before taking the stream over (default ${DEFAULT_TAKEOVER_MS})`).argParser((v) =>
    positiveInt(v, '--takeover-ms'),
  );
}

/** --poll-ms checked (a standby's interval: it goes with --standby, as --takeover-ms does): a standby's, or undefined. */
function standbyPollMs(o: { pollMs?: number }, standby: boolean): number | undefined {
  if (o.pollMs !== undefined && !standby) throw new CliError('bad_argument', "--poll-ms is a standby's interval: it goes with --standby");
  return standby ? (o.pollMs ?? STANDBY_POLL_MS_DEFAULT) : undefined;
}

/** The JetStream flags checked (each goes with --jetstream; --takeover-ms with --standby, at least three heartbeats). */
function jetStreamOf(o: JetStreamFlags, standby: boolean): ReplicationOptions | undefined {
  const flags = { stream: '--stream', replicas: '--replicas', takeoverMs: '--takeover-ms', jetstreamCa: '--jetstream-ca', jetstreamCert: '--jetstream-cert', jetstreamKey: '--jetstream-key', jetstreamCreds: '--jetstream-creds' } as const;
  if (o.jetstream === undefined) {
    const strays = (Object.keys(flags) as (keyof typeof flags)[]).filter((k) => o[k] !== undefined).map((k) => flags[k]);
    if (strays.length > 0) throw new CliError('bad_argument', `${strays.join(', ')} ${strays.length === 1 ? 'goes' : 'go'} with --jetstream <url>`);
  }
  if ((o.jetstreamCert === undefined) !== (o.jetstreamKey === undefined)) throw new CliError('bad_argument', '--jetstream-cert and --jetstream-key go together (a client certificate and its key)');
  if (o.jetstreamCreds !== undefined && o.jetstream !== undefined && /^([a-z]+:\/\/)?[^@/,]*@/i.test(o.jetstream.trim())) {
    throw new CliError('bad_argument', '--jetstream-creds: the URL holds credentials too (user:password@ or token@); give one or the other');
  }
  for (const k of ['jetstreamCa', 'jetstreamCert', 'jetstreamKey', 'jetstreamCreds'] as const) {
    const file = o[k];
    if (file !== undefined && !existsSync(file)) throw new CliError('bad_argument', `${flags[k]} ${file}: no such file`);
  }
  const tls =
    o.jetstreamCa === undefined && o.jetstreamCert === undefined
      ? undefined
      : { ...(o.jetstreamCa === undefined ? {} : { caFile: o.jetstreamCa }), ...(o.jetstreamCert === undefined ? {} : { certFile: o.jetstreamCert }), ...(o.jetstreamKey === undefined ? {} : { keyFile: o.jetstreamKey }) };
  if (o.takeoverMs !== undefined && !standby) throw new CliError('bad_argument', "--takeover-ms is a standby's wait: it goes with --standby");
  if (o.takeoverMs !== undefined && o.takeoverMs < 3 * HEARTBEAT_MS) {
    throw new CliError('bad_argument', `--takeover-ms ${o.takeoverMs}: at least ${3 * HEARTBEAT_MS} (three heartbeats), or a live writer's late beat looks like silence`);
  }
  if (o.jetstream === undefined) return undefined;
  const js = { url: o.jetstream, stream: o.stream ?? DEFAULT_STREAM, replicas: o.replicas ?? 1, takeoverMs: o.takeoverMs ?? DEFAULT_TAKEOVER_MS };
  return { ...js, ...(tls === undefined ? {} : { tls }), ...(o.jetstreamCreds === undefined ? {} : { credsFile: o.jetstreamCreds }) };
}


function timeArg(v: string, flag: string): number {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isSafeInteger(ms) || ms < 0) throw new CliError('bad_argument', `${flag} must be an ISO-8601 UTC time or ms since the epoch, not ${JSON.stringify(v)}`);
  return ms;
}

/**
 * The one parser of an integer flag: plain decimal digits only (not 1e3, 0x10, 1.5, +1 or -0, which Number() would
 * take), from `min` to `max`.
 */
function integerArg(v: string, flag: string, min: number, max: number): number {
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) {
    const range = min === 1 && max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;
    throw new CliError('bad_argument', `${flag} must be ${range}, not ${JSON.stringify(v)}`);
  }
  return n;
}

function positiveInt(v: string, flag: string): number {
  return integerArg(v, flag, 1, Number.MAX_SAFE_INTEGER);
}

/** A TCP port: 0 (any free port) to 65535. */
function portArg(v: string): number {
  return integerArg(v, '--port', 0, 65_535);
}

/**
 * A seed (demo, lending-demo, serve, simulate): 0 to 2^32 - 1, what the seeded generator takes (sim/random.ts reads
 * it as an unsigned 32-bit integer, so 2^32 would replay seed 0; sim.json's and sweep.json's seeds have the same range).
 */
function seedArg(v: string): number {
  return integerArg(v, '--seed', 0, SEED_MAX);
}
const SEED_MAX = 2 ** 32 - 1;

/**
 * The traders of a synthetic world (demo, lending-demo, serve --replay): at most WORLD_ACCOUNTS_MAX, checked before
 * anything is built. Measured (demo --synthetic, 2026): ~145 MB at 3,000 accounts, ~665 MB at 100,000, so ~5 KB of
 * heap a trader: 1M needs ~5.5 GB, more than node's default heap; beyond it a world fills the machine and dies of a
 * V8 heap-out-of-memory (1e9 did, after 85 s and 4.7 GB) instead of a one-line error.
 */
function worldAccountsArg(v: string): number {
  return integerArg(v, '--accounts', 1, WORLD_ACCOUNTS_MAX);
}
const WORLD_ACCOUNTS_MAX = 1_000_000;
const WORLD_ACCOUNTS_HELP = 'at most 1,000,000; above ~500,000 give node a larger heap: NODE_OPTIONS=--max-old-space-size=8192';

/** A positive decimal number ("2", "0.5"): digits with an optional fraction, no exponent, sign or hex. */
function positiveNumber(v: string, flag: string): number {
  const n = /^[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(Number.isFinite(n) && n > 0)) throw new CliError('bad_argument', `${flag} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}

/**
 * Runs the command line and returns the exit code (EXIT_CODES_HELP). Never throws: a BailiffError (bad input, a feed
 * that failed for good) is one line and exit 2; anything else is a bug, one line and exit 3 (the stack with
 * BAILIFF_DEBUG=1).
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  let code: 0 | 1 = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    return failure(e, io, env['BAILIFF_DEBUG'] === '1');
  }
}

/** The exit code of a failure, after saying it in one line. */
export function failure(e: unknown, io: CliIo, debug: boolean): number {
  // Commander has printed its own one-line message (or the help / version, exit code 0).
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof BailiffError) {
    io.stderr(`error: ${oneLine(e.message)}\n`);
    return 2;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  io.stderr(`error: internal error (a bug in bailiff): ${oneLine(what)}${debug ? '' : '; BAILIFF_DEBUG=1 prints the stack'}\n`);
  if (debug && e instanceof Error && e.stack !== undefined) io.stderr(`${e.stack}\n`);
  return 3;
}
