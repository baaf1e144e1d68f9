// Every way the `bailiff` command can fail or find something: one line on stderr naming the problem, no stack
// trace, and the exit code its --help promises (0 nothing to report, 1 a finding, 2 bad input, 3 a bug).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES_HELP, failure } from '../../src/cli/program.js';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { runScenario, summarise } from '../../src/cli/run.js';
import { parseScenario } from '../../src/scenario/load.js';
import { FeedError } from '../../src/feeds/errors.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args, { env: {} });

/** The rule for every failure: exactly one line on stderr, starting "error: ", no stack frame. */
function expectOneLine(err: string, says: string | RegExp): void {
  const lines = err.trimEnd().split('\n');
  expect(lines, err).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  if (typeof says === 'string') expect(lines[0]).toContain(says);
  else expect(lines[0]).toMatch(says);
  expect(err).not.toMatch(/\n\s+at /);
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'bailiff-cli-'));
}

/** A kline file named as Binance dumps are (the symbol comes from the name). */
function klineFile(dir: string, symbol: string, content: string | Buffer): string {
  const path = join(dir, `${symbol}-1m-2025-02.csv`);
  writeFileSync(path, content);
  return path;
}

const HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
const AVAX_ROWS = [
  '1738534440000,28.2630,28.2670,28.1670,28.1740,8953,1738534499999,0,0,0,0,0',
  '1738534500000,28.1740,28.2000,28.1000,28.1500,1000,1738534559999,0,0,0,0,0',
];

describe('bailiff: version, help and exit codes', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, out: `${pkg.version}\n`, err: '' });
  });

  it('every --help lists the exit codes', async () => {
    for (const args of [['--help'], ['run', '--help'], ['demo', '--help'], ['feed', 'klines', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.out, args.join(' ')).toContain(EXIT_CODES_HELP.trim());
    }
    expect(EXIT_CODES_HELP).toMatch(/0 {2}done.*\n {2}1 {2}a finding.*\n {2}2 {2}the command could not run/s);
  });

  it('an unknown command or option is bad input: exit 2, one line', async () => {
    const cmd = await cli(['liquidate']);
    expect(cmd.code).toBe(2);
    expectOneLine(cmd.err, "unknown command 'liquidate'");
    const opt = await cli(['run', 'examples/btc-isolated-long.json', '--summery']);
    expect(opt.code).toBe(2);
    expectOneLine(opt.err, "unknown option '--summery'");
    const flag = await cli(['demo', '--accounts', 'many']);
    expect(flag.code).toBe(2);
    expectOneLine(flag.err, '--accounts must be an integer from 1 to 1,000,000, not "many"');
  });

  it('a bug is one line and exit 3; BAILIFF_DEBUG=1 adds the stack', () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (t: string) => (err += t) };
    expect(failure(new TypeError('x is not a function'), io, false)).toBe(3);
    expectOneLine(err, 'error: internal error (a bug in bailiff): TypeError: x is not a function; BAILIFF_DEBUG=1 prints the stack');
    err = '';
    expect(failure(new TypeError('x is not a function'), io, true)).toBe(3);
    expect(err).toMatch(/^error: internal error \(a bug in bailiff\): TypeError: x is not a function\nTypeError: x is not a function\n\s+at /);
  });

  it('a user error with a multi-line message still prints one line', () => {
    let err = '';
    expect(failure(new FeedError('bad_response', 'pyth: garbled\n<html>\n</html>', { retryable: false }), { stdout: () => {}, stderr: (t) => (err += t) }, false)).toBe(2);
    expect(err).toBe('error: pyth: garbled\n');
  });
});

describe('bailiff run: findings', () => {
  it('refused commands are not a finding by default (exit 0), and are with --strict (exit 1, one line naming the first)', async () => {
    const plain = await cli(['run', 'examples/btc-isolated-long.json']);
    expect(plain.code).toBe(0);
    expect(plain.err).toBe('');
    const strict = await cli(['run', 'examples/btc-isolated-long.json', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.out).toBe(plain.out); // the events are printed all the same
    expect(strict.err.trimEnd().split('\n')).toHaveLength(1);
    expect(strict.err).toMatch(/^finding: 1 command\(s\) refused \(--strict\); the first: commands\[\d+\] withdraw: insufficient_balance \(/);
  });

  it('a conservation mismatch is a finding: the summary says MISMATCH and the exit code is 1', () => {
    const scenario = parseScenario(JSON.parse(readFileSync('examples/btc-isolated-long.json', 'utf8')));
    const { engine, stats } = runScenario(scenario, () => {});
    expect(summarise(engine, scenario, stats, false)).toMatchObject({ exitCode: 0, findings: [] });
    // One atom appears in the fee pool from nowhere (as a bug in the engine would make it).
    (engine.state.venue as { feePool: bigint }).feePool += 1n;
    const s = summarise(engine, scenario, stats, false);
    expect(s.exitCode).toBe(1);
    expect(s.conservation.find((c) => c.asset === 'USDT')).toMatchObject({ ok: false });
    expect(s.findings).toEqual([expect.stringMatching(/^conservation USDT: held (\d+) atoms, expected (\d+)$/)]);
    const [held, expected] = (s.findings[0]?.match(/\d+/g) ?? []).map(BigInt);
    expect((held ?? 0n) - (expected ?? 0n)).toBe(1n);
  });

  it('--json writes the summary machine-readable (decimal strings), --out to a file', async () => {
    const r = await cli(['run', 'examples/btc-isolated-long.json', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.err) as Record<string, unknown>;
    expect(summary).toMatchObject({ rulebook: 'binance', refused: { count: 1, byReason: { insufficient_balance: 1 } }, findings: [], exitCode: 0 });
    const usdt = (summary.conservation as { asset: string; heldAtoms: string; expectedAtoms: string; ok: boolean }[]).find((c) => c.asset === 'USDT');
    expect(usdt?.ok).toBe(true);
    expect(usdt?.heldAtoms).toMatch(/^\d+$/);
    expect(usdt?.heldAtoms).toBe(usdt?.expectedAtoms);
    const alice = (summary.accounts as { id: string; equity?: string }[]).find((a) => a.id === 'alice');
    expect(alice?.equity).toMatch(/^-?\d+(\.\d+)?$/);
    const file = join(tempDir(), 'summary.json');
    const toFile = await cli(['run', 'examples/btc-isolated-long.json', '--json', '--out', file]);
    expect(toFile.code).toBe(0);
    expect(toFile.err).toBe('');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(summary);
    const unwritable = await cli(['run', 'examples/btc-isolated-long.json', '--out', join(tempDir(), 'no', 'such', 'dir', 'x.txt')]);
    expect(unwritable.code).toBe(2);
    expectOneLine(unwritable.err, /^error: cannot write .*x\.txt: no such directory \(ENOENT\)$/);
  });
});

describe('bailiff feed klines: inputs it cannot use', () => {
  const map = ['--map', 'AVAXUSDT=AVAX-PERP:4'];

  it('a missing file: exit 2, one line, no Node error object', async () => {
    const r = await cli(['feed', 'klines', '/nonexistent/AVAXUSDT-1m-2025-02.csv', ...map]);
    expect(r.code).toBe(2);
    expectOneLine(r.err, 'error: cannot read /nonexistent/AVAXUSDT-1m-2025-02.csv: no such file (ENOENT)');
    expect(r.out).toBe('');
  });

  it('an empty file, a binary file, a directory: exit 2, one line each', async () => {
    const dir = tempDir();
    const empty = await cli(['feed', 'klines', klineFile(dir, 'AVAXUSDT', ''), ...map]);
    expect(empty.code).toBe(2);
    expectOneLine(empty.err, /AVAXUSDT-1m-2025-02\.csv is empty: no kline rows to replay$/);
    const binary = await cli(['feed', 'klines', klineFile(dir, 'AVAXUSDT', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x14])), ...map]);
    expect(binary.code).toBe(2);
    expectOneLine(binary.err, /AVAXUSDT-1m-2025-02\.csv is not text \(binary content at byte 4\); expected a Binance kline CSV$/);
    const latin1 = await cli(['feed', 'klines', klineFile(dir, 'AVAXUSDT', Buffer.from([0x31, 0x2c, 0xe9, 0x2c, 0x32])), ...map]);
    expect(latin1.code).toBe(2);
    expectOneLine(latin1.err, 'is not text (binary content)');
    const folder = join(dir, 'NEARUSDT-1m-2025-02.csv');
    mkdirSync(folder);
    const d = await cli(['feed', 'klines', folder, '--map', 'NEARUSDT=NEAR-PERP:4']);
    expect(d.code).toBe(2);
    expectOneLine(d.err, 'NEARUSDT-1m-2025-02.csv is a directory, not a kline CSV file');
  });

  it('a --map that matches no file: exit 2 naming both sides', async () => {
    const file = klineFile(tempDir(), 'AVAXUSDT', `${HEADER}\n${AVAX_ROWS.join('\n')}\n`);
    const r = await cli(['feed', 'klines', file, '--map', 'NEARUSDT=NEAR-PERP:4']);
    expect(r.code).toBe(2);
    expectOneLine(r.err, 'error: --map names NEARUSDT but the files hold AVAXUSDT (from their names): nothing to replay');
  });

  it('a text file that is not a kline CSV: its issue with the line, then exit 2', async () => {
    const file = klineFile(tempDir(), 'AVAXUSDT', 'time,price\n1,2\n');
    const r = await cli(['feed', 'klines', file, ...map]);
    expect(r.code).toBe(2);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toBe('feed: issue bad_header (AVAXUSDT-1m-2025-02.csv line 1): kline: header "time,price" is not the Binance layout');
    expect(lines[lines.length - 1]).toMatch(/^error: no kline row could be read from .*AVAXUSDT-1m-2025-02\.csv \(first issue, line 1: bad_header\)$/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a window with no rows: exit 2', async () => {
    const file = klineFile(tempDir(), 'AVAXUSDT', `${HEADER}\n${AVAX_ROWS.join('\n')}\n`);
    const r = await cli(['feed', 'klines', file, ...map, '--from', '2026-01-01T00:00:00Z']);
    expect(r.code).toBe(2);
    expectOneLine(r.err, /^error: no kline row between --from and --to in .*: no command written$/);
  });

  it('a zero close is reported as such with its file and line; the good rows go through (exit 0)', async () => {
    const dir = tempDir();
    const file = klineFile(dir, 'AVAXUSDT', `${HEADER}\n${AVAX_ROWS[0]}\n1738534500000,28.1740,28.2000,28.1000,0,1000,1738534559999,0,0,0,0,0\n`);
    const other = klineFile(dir, 'NEARUSDT', `${HEADER}\n1738534440000,3.80,3.81,3.79,3.80,1,1738534499999,0,0,0,0,0\n`);
    const r = await cli(['feed', 'klines', file, other, ...map]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').map((l) => JSON.parse(l) as { market: string; price: string })).toEqual([
      expect.objectContaining({ market: 'AVAX-PERP', price: '28.174' }),
    ]);
    expect(r.err.split('\n').filter((l) => l !== '')).toEqual([
      expect.stringMatching(/^feed: warning: .*NEARUSDT-1m-2025-02\.csv \(NEARUSDT\) has no --map; skipped$/),
      'feed: issue non_positive_price (AVAXUSDT-1m-2025-02.csv line 3): kline: close 0 is not positive',
      'feed: 1 issue(s) in the kline files',
    ]);
  });
});

describe('bailiff feed (live): URLs and sources that cannot work', () => {
  it('binance --url notaurl: exit 2, one line, no retry', async () => {
    const r = await cli(['feed', 'binance', '--url', 'notaurl', '--map', 'BTCUSDT=BTC-PERP:2']);
    expect(r.code).toBe(2);
    expectOneLine(r.err, 'error: binance: "notaurl" is not a URL (expected ws://host/... or wss://host/...)');
  });

  it('pyth and chainlink with a URL of the wrong kind: exit 2, one line', async () => {
    const pyth = await cli(['feed', 'pyth', '--base-url', 'ftp://hermes', '--map', `${'e6'.repeat(32)}=BTC-PERP:2`]);
    expect(pyth.code).toBe(2);
    expectOneLine(pyth.err, 'has scheme ftp: (expected http: or https:)');
    const link = await cli(['feed', 'chainlink', '--rpc-url', 'localhost:8545', '--address', '0x5f4e', '--map', 'ETH/USD=ETH-PERP:2']);
    expect(link.code).toBe(2);
    expectOneLine(link.err, /^error: chainlink: "localhost:8545" has scheme localhost: \(expected http: or https:\)$/);
    const conf = await cli(['feed', 'pyth', '--max-conf', 'wide', '--map', `${'e6'.repeat(32)}=BTC-PERP:2`]);
    expect(conf.code).toBe(2);
    expectOneLine(conf.err, '--max-conf must be a positive ratio');
  });
});

describe('a journal path that is a directory: exit 2, one line, for every command that reads a journal', () => {
  const dir = tempDir();
  const journal = join(dir, 'journal-dir');
  mkdirSync(journal);
  for (const args of [
    ['verify', journal],
    ['export', '--what', 'accounts', '--journal', journal],
    ['account', 'x', '--journal', journal],
    ['prove', 'x', '--journal', journal],
    ['preview', '--journal', journal, '--change', 'examples/sweeps/change-fee.json'],
    ['simulate', 'examples/sim/quick.json', '--journal', journal],
  ]) {
    it(args[0] as string, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expectOneLine(r.err, `error: cannot read ${journal}: a directory, not a file (EISDIR)`);
    });
  }
  it('journal info (already exit 2)', async () => {
    const r = await cli(['journal', 'info', journal]);
    expect(r.code).toBe(2);
    expectOneLine(r.err, journal);
  });
});

describe('an output path that cannot be written: exit 2, one line `cannot write <path>: <why>`', () => {
  const dir = tempDir();
  const nodir = join(dir, 'nodir');
  const adir = join(dir, 'adir');
  mkdirSync(adir);
  const journal = join(dir, 'journal.db');
  const key = join(dir, 'op');
  beforeAll(async () => {
    expect((await runCliCaptured(['ingest', '--journal', journal, '--scenario', 'examples/crash-liquidations.json'], { env: {}, stdin: Readable.from([]) })).code).toBe(0);
    expect((await cli(['keygen', '--out', key])).code).toBe(0);
  });
  for (const [what, args, says] of [
    ['prove --out in a missing directory', () => ['prove', 'trader', '--journal', journal, '--out', join(nodir, 'x.json')], `cannot write ${join(nodir, 'x.json')}: no such directory (ENOENT)`],
    ['prove --out a directory', () => ['prove', 'trader', '--journal', journal, '--out', adir], `cannot write ${adir}: a directory, not a file (EISDIR)`],
    ['preview --out in a missing directory', () => ['preview', '--journal', journal, '--change', 'examples/sweeps/change-fee.json', '--out', join(nodir, 'x.json')], `cannot write ${join(nodir, 'x.json')}: no such directory (ENOENT)`],
    ['keygen --out in a missing directory', () => ['keygen', '--out', join(nodir, 'op')], `cannot write ${join(nodir, 'op.key')}: no such directory (ENOENT)`],
    ['keys add --store in a missing directory', () => ['keys', 'add', '--store', join(nodir, 'ks.json'), '--role', 'read'], `cannot write ${join(nodir, 'ks.json.master')}: no such directory (ENOENT)`],
    ['receipts --out an existing file', () => ['receipts', '--journal', journal, '--key', `${key}.key`, '--out', `${key}.key`], `cannot write ${key}.key: a file, not a directory`],
    // The long commands check their outputs before their work, not after it: nothing runs, nothing is printed.
    ['simulate --out in a missing directory', () => ['simulate', 'examples/sim/quick.json', '--out', join(nodir, 'x.json')], `cannot write ${join(nodir, 'x.json')}: no such directory (ENOENT)`],
    ['simulate --report a directory', () => ['simulate', 'examples/sim/quick.json', '--report', adir], `cannot write ${adir}: a directory, not a file (EISDIR)`],
    ['sweep --out in a missing directory', () => ['sweep', 'examples/sweeps/descent.json', '--out', join(nodir, 'x.json')], `cannot write ${join(nodir, 'x.json')}: no such directory (ENOENT)`],
    ['sweep --report a directory', () => ['sweep', 'examples/sweeps/descent.json', '--report', adir], `cannot write ${adir}: a directory, not a file (EISDIR)`],
    ['demo --out a directory', () => ['demo', '--out', adir], `cannot write ${adir}: a directory, not a file (EISDIR)`],
    ['lending-demo --out in a missing directory', () => ['lending-demo', '--out', join(nodir, 'r.txt')], `cannot write ${join(nodir, 'r.txt')}: no such directory (ENOENT)`],
    ['run --out in a missing directory', () => ['run', 'examples/btc-isolated-long.json', '--out', join(nodir, 'o.txt')], `cannot write ${join(nodir, 'o.txt')}: no such directory (ENOENT)`],
    ['ingest of a new journal in a missing directory', () => ['ingest', '--journal', join(nodir, 'j.db'), '--scenario', 'examples/btc-isolated-long.json'], `cannot write ${join(nodir, 'j.db')}: no such directory (ENOENT)`],
    ['preview --out below a file', () => ['preview', '--journal', journal, '--change', 'examples/sweeps/change-fee.json', '--out', join(`${key}.key`, 'x.json')], `cannot write ${join(`${key}.key`, 'x.json')}: a part of the path is not a directory (ENOTDIR)`],
  ] as const) {
    it(what, async () => {
      const r = await cli([...args()]);
      expect(r.code).toBe(2);
      expectOneLine(r.err, `error: ${says}`);
      expect(r.out).toBe('');
    });
  }
});

describe('an input file that is not JSON: exit 2, one line naming the file and the parser\'s reason', () => {
  const dir = tempDir();
  const bad = join(dir, 'garbage.json');
  writeFileSync(bad, 'not json\nline2\n');
  for (const args of [
    ['run', bad],
    ['auctions', bad],
    ['sweep', bad],
    ['simulate', bad],
    ['preview', '--journal', 'unused.db', '--change', bad],
    ['preview', '--journal', 'unused.db', '--change', 'examples/sweeps/change-fee.json', '--stress', bad],
  ]) {
    it(`${args[0] as string}${args.includes('--stress') ? ' --stress' : args.includes('--change') ? ' --change' : ''}`, async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      // The parser quotes the text at the fault, its newline escaped: the line is the whole message.
      expectOneLine(r.err, `error: ${bad}: not valid JSON: Unexpected token 'o', "not json\\nline2\\n" is not valid JSON`);
    });
  }
});

describe('the real process (dist/src/cli/main.js, package.json bin)', () => {
  const bin = (JSON.parse(readFileSync('package.json', 'utf8')) as { bin: { bailiff: string } }).bin.bailiff;

  it('is the entry point the tests run', () => {
    expect(bin).toBe('dist/src/cli/main.js');
  });

  for (const [what, args, code, says] of [
    ['a missing kline file', ['feed', 'klines', '/nonexistent/AVAXUSDT-1m-2025-02.csv', '--map', 'AVAXUSDT=AVAX:3'], 2, 'no such file (ENOENT)'],
    ['an unparsable feed URL', ['feed', 'binance', '--url', 'notaurl', '--map', 'BTCUSDT=BTC:2'], 2, 'is not a URL'],
    ['refused commands with --strict', ['run', 'examples/btc-isolated-long.json', '--strict'], 1, 'command(s) refused (--strict)'],
  ] as const) {
    it(`${what}: exit ${code}, one line on stderr, no stack`, () => {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      expect(r.status).toBe(code);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('--version', () => {
    const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect([r.status, r.stdout.trim()]).toEqual([0, (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version]);
  });
});
