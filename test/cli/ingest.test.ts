// `bailiff ingest` and `bailiff journal info` in process: acknowledgements after commit, recovery lines, exit codes.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES_HELP, runCli } from '../../src/cli/program.js';
import { STREAM_SCENARIO, streamCommands } from '../../src/sim/command-stream.js';
import { Journal } from '../../src/journal/journal.js';
import { SqliteJournalStore } from '../../src/journal/sqlite.js';
import { editStoredRecord } from '../journal/stored-record.js';
import { startIngest, type IngestProcess } from '../support/ingest-process.js';

async function cli(args: string[], stdinLines: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdin = Readable.from(stdinLines.length === 0 ? [] : [`${stdinLines.join('\n')}\n`]);
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin });
  return { code, out, err };
}

function files(): { dir: string; scenario: string; journal: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-ingest-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(STREAM_SCENARIO));
  return { dir, scenario, journal: join(dir, 'journal.db') };
}

// The scenario's commands: set_rulebook, 2 set_market, 11 deposits (maker + t0..t9), 2 prices = 16.
const SETUP = 16;

describe('bailiff ingest', () => {
  it('creates a journal from a scenario, acknowledges each command after its commit, and resumes at the head', async () => {
    const f = files();
    const lines = streamCommands(5, 30).map((c) => JSON.stringify(c));
    const first = await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], lines.slice(0, 20));
    expect(first.code).toBe(0);
    expect(first.err).toContain('ingest: durability full: SQLite journal_mode=WAL, synchronous=FULL; new journal; 16 scenario commands journaled; head 16\n');
    const acks = first.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; command: string; events: number; rejected?: string });
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 20 }, (_, i) => SETUP + 1 + i));
    expect(acks.map((a) => a.command)).toEqual(streamCommands(5, 20).map((c) => c.kind));
    const second = await cli(['ingest', '--journal', f.journal, '--events'], lines.slice(20));
    expect(second.code).toBe(0);
    // How long recovery took, and its two steps (restoring the snapshot; the pass that replays the records after it).
    expect(second.err).toContain('recovered from the genesis + 36 replayed; head 36\n');
    expect(second.err).toMatch(/\ningest: recovery took \d+\.\d s \(snapshot and restore \d+\.\d s, replay \d+\.\d s\)\n/);
    const out = second.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Acknowledgements (no `kind`) each followed by their events (with `kind`), as `run` prints them.
    const ackLines = out.filter((o) => !('kind' in o));
    expect(ackLines.map((a) => a.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 37 + i));
    expect(out.filter((o) => 'kind' in o).length).toBe(ackLines.reduce((s, a) => s + (a.events as number), 0));
    const info = await cli(['journal', 'info', f.journal]);
    expect(info.code).toBe(0);
    expect(info.out).toContain('head: 46 (hash ');
    expect(info.out).toContain('genesis: settlement USDT (6 decimals), rulebook binance');
    expect(info.out).toContain('mode: read-only: SQLite journal_mode=WAL');
  });

  it('a command refused for a past `at` does not pull the next ones without `at` back with it, nor after a restart', async () => {
    const f = files();
    const deposit = (at?: string) => JSON.stringify({ kind: 'deposit', account: 'late', asset: 'USDT', amount: '5', ...(at === undefined ? {} : { at }) });
    const first = await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], [deposit('1999-01-01T00:00:00Z'), deposit(), deposit()]);
    expect(first.code).toBe(0);
    const acks = first.out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; rejected?: string });
    expect(acks.map((a) => a.rejected ?? 'taken')).toEqual(['time_went_backwards', 'taken', 'taken']);
    // The journal's head is the refused command's neighbour now; restarted on a head that is the refused one, too.
    const second = await cli(['ingest', '--journal', f.journal], [deposit('1999-01-01T00:00:00Z')]);
    expect(JSON.parse(second.out.trim()) as { rejected?: string }).toMatchObject({ rejected: 'time_went_backwards' });
    const third = await cli(['ingest', '--journal', f.journal], [deposit()]);
    expect(third.code).toBe(0);
    expect(JSON.parse(third.out.trim()) as { rejected?: string }).not.toHaveProperty('rejected');
  });

  it('after a restart, decodes wire amounts in the assets that journaled lending reserves declared', async () => {
    // The units are learned again from the journaled commands that declare them: lending reserves (and Comet markets)
    // as well as listings (src/cli/ingest.ts mayTeachUnits); a reserve's asset unknown, the amount cannot be decoded.
    const f = files();
    const aave = new URL('../../examples/aave-lending.json', import.meta.url).pathname;
    const created = await cli(['ingest', '--journal', f.journal, '--scenario', aave]);
    expect(created.code).toBe(0);
    const supply = JSON.stringify({ kind: 'lending_supply', market: 'aave', user: 'dave', asset: 'WETH', amount: '1.5' });
    const restarted = await cli(['ingest', '--journal', f.journal], [supply]);
    expect(restarted.err).not.toContain('unknown asset');
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.out.trim()) as { command: string; rejected?: string }).toMatchObject({ command: 'lending_supply' });
    expect(JSON.parse(restarted.out.trim()) as { rejected?: string }).not.toHaveProperty('rejected');
  });

  it('on SIGTERM stops reading, journals the whole lines read, closes the journal and exits 0; a cut line is not taken', async () => {
    const f = files();
    const lines = streamCommands(6, 6).map((c) => JSON.stringify(c));
    const p = startIngest(['--journal', f.journal, '--scenario', f.scenario]);
    p.child.stdin?.write(`${lines.slice(0, 5).join('\n')}\n`);
    await p.until(p.out, `"seq":${SETUP + 5}`);
    // Half a line, then the signal: never acknowledged, never journaled.
    p.child.stdin?.write((lines[5] as string).slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    p.child.kill('SIGTERM');
    expect(await p.closed).toBe(0);
    expect(p.err()).toContain(`ingest: SIGTERM: stopped reading stdin; 5 commands journaled; head ${SETUP + 5}\n`);
    // Closed: SQLite's WAL checkpointed and removed with the last connection.
    expect(readdirSync(f.dir).filter((n) => n.endsWith('-wal'))).toEqual([]);
    const journal = Journal.open(SqliteJournalStore.open(f.journal, { durability: 'relaxed', readOnly: true }));
    expect(journal.head()).toBe(SETUP + 5);
    journal.close();
  });

  it('journals and acknowledges the lines before a bad one, then stops with exit 2 naming the line', async () => {
    const f = files();
    const good = streamCommands(5, 3).map((c) => JSON.stringify(c));
    const r = await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], [...good, '{"kind":"deposit","account":"t1","asset":"DOGE","amount":"1"}', good[0] as string]);
    expect(r.code).toBe(2);
    expect(r.out.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([17, 18, 19]);
    expect(r.err).toMatch(/error: stdin line 4: asset: .*DOGE/);
    const info = await cli(['journal', 'info', f.journal, '--json']);
    expect((JSON.parse(info.out) as { head: number }).head).toBe(19);
  });

  it('reads a command whose UTF-8 bytes are split across two chunks of stdin', async () => {
    const f = files();
    const line = Buffer.from(`${JSON.stringify({ kind: 'halt', reason: 'zoë asked' })}\n`, 'utf8');
    const split = line.indexOf(Buffer.from('ë')) + 1; // between the two bytes of ë
    let out = '';
    const code = await runCli(['ingest', '--journal', f.journal, '--scenario', f.scenario], {
      stdout: (t) => (out += t),
      stderr: () => {},
      stdin: Readable.from([line.subarray(0, split), line.subarray(split)]),
    });
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ seq: 17, command: 'halt' });
    const journal = Journal.open(SqliteJournalStore.open(f.journal, { durability: 'full', readOnly: true }));
    expect([...journal.records(17)][0]?.command).toMatchObject({ kind: 'halt', reason: 'zoë asked' });
    journal.close();
  });

  it('refuses a new journal without --scenario and a bad --durability: exit 2, one line', async () => {
    const f = files();
    const r = await cli(['ingest', '--journal', f.journal]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${f.journal} does not exist: a new journal needs --scenario <file> (its settlement, rulebook and setup commands)\n`);
    const d = await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario, '--durability', 'fast']);
    expect(d.code).toBe(2);
    expect(d.err).toBe('error: --durability must be full or relaxed, not "fast"\n');
    const help = await cli(['ingest', '--help']);
    expect(help.out).toContain(EXIT_CODES_HELP.trim());
    // A directory is not a journal: refused before its writer lock, whose file would be left beside it.
    const dir = join(f.dir, 'a-directory');
    mkdirSync(dir);
    const onDir = await cli(['ingest', '--journal', dir, '--scenario', f.scenario]);
    expect({ code: onDir.code, err: onDir.err }).toEqual({ code: 2, err: `error: ${dir}: a directory, not a journal file\n` });
    expect(readdirSync(f.dir).sort()).toEqual(['a-directory', 'scenario.json']);
  });

  it('refuses --poll-ms without --standby (it would do nothing), as --takeover-ms is refused', async () => {
    const f = files();
    const r = await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario, '--poll-ms', '50']);
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: --poll-ms is a standby's interval: it goes with --standby\n");
    expect(r.out).toBe('');
  });

  it('halts on a corrupt record in the middle with exit 2 naming its seq; reports a torn tail and truncates it', async () => {
    const f = files();
    await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], streamCommands(5, 10).map((c) => JSON.stringify(c)));
    const edit = (seq: number, change: (bytes: Buffer) => Buffer): void => editStoredRecord(f.journal, seq, change);
    // 16 scenario commands + 10 lines: head 26. The last record cut in half: a torn tail.
    edit(26, (b) => b.subarray(0, b.length >> 1));
    const info = await cli(['journal', 'info', f.journal]);
    expect(info.out).toContain('torn tail: record 26 (length field says');
    const torn = await cli(['ingest', '--journal', f.journal]);
    expect(torn.code).toBe(0);
    expect(torn.err).toMatch(/recovered from the genesis \+ 25 replayed; torn tail truncated at seq 26 \(length field says .*\); head 25\ningest: recovery took /);
    // One flipped bit in the body of record 20 of 25.
    edit(20, (b) => {
      b[70] = (b[70] as number) ^ 0x10;
      return b;
    });
    const bad = await cli(['ingest', '--journal', f.journal]);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`error: ${f.journal}: record 20 is corrupt (checksum mismatch); the journal was left as it is\n`);
    const badInfo = await cli(['journal', 'info', f.journal]);
    expect(badInfo.code).toBe(2);
  });

  it('refuses a second writer while one runs (exit 2, one line, nothing written); a killed writer leaves no lock behind', async () => {
    const f = files();
    const lines = streamCommands(5, 12).map((c) => JSON.stringify(c));
    await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], lines.slice(0, 4));
    // The first writer: the real `bailiff ingest` in a process of its own, its stdin left open.
    const first = spawn(process.execPath, ['dist/src/cli/main.js', 'ingest', '--journal', f.journal], { stdio: ['pipe', 'pipe', 'pipe'] });
    let firstOut = '';
    const acked = new Promise<void>((resolve) => {
      first.stdout.on('data', (d: Buffer) => {
        firstOut += d.toString('utf8');
        if (firstOut.includes('\n')) resolve();
      });
    });
    const ended = new Promise<NodeJS.Signals | null>((resolve) => first.on('close', (_code, signal) => resolve(signal)));
    first.stdin.write(`${lines[4] as string}\n`);
    await acked;
    expect(JSON.parse(firstOut.split('\n')[0] as string)).toMatchObject({ seq: SETUP + 5 });
    const second = await cli(['ingest', '--journal', f.journal], lines.slice(5, 6));
    expect(second.code).toBe(2);
    expect(second.out).toBe('');
    expect(second.err).toBe(`error: ${f.journal}: another process is writing this journal (it holds ${f.journal}-writer); stop it first. The journal can be read meanwhile (bailiff journal info, verify, export)\n`);
    // Read while it is written.
    const info = await cli(['journal', 'info', f.journal, '--json']);
    expect((JSON.parse(info.out) as { head: number }).head).toBe(SETUP + 5);
    // SIGKILL: the operating system releases the lock with the process; the next writer recovers and goes on.
    first.kill('SIGKILL');
    expect(await ended).toBe('SIGKILL');
    const next = await cli(['ingest', '--journal', f.journal], lines.slice(5));
    expect(next.code).toBe(0);
    expect(next.out.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: 7 }, (_, i) => SETUP + 6 + i));
  });

  it('a standby follows the writer, takes the journal over when the writer is killed, and goes on with nothing lost or repeated', async () => {
    const f = files();
    const lines = streamCommands(9, 10).map((c) => JSON.stringify(c));
    await cli(['ingest', '--journal', f.journal, '--scenario', f.scenario], lines.slice(0, 4));
    const start = (args: string[]): IngestProcess => startIngest(['--journal', f.journal, ...args]);
    const writer = start([]);
    writer.child.stdin?.write(`${lines[4] as string}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 5}`);
    const standby = start(['--standby', '--poll-ms', '20']);
    await standby.until(standby.err, 'following until the journal\'s writer stops');
    expect(standby.err()).toContain(`ingest: standby: durability read-only: SQLite journal_mode=WAL; recovered from the genesis + ${SETUP + 5} replayed; head ${SETUP + 5}; following`);
    writer.child.stdin?.write(`${lines.slice(5, 8).join('\n')}\n`);
    await writer.until(writer.out, `"seq":${SETUP + 8}`);
    // Lines for the standby wait in its stdin until it is the writer.
    standby.child.stdin?.end(`${lines.slice(8).join('\n')}\n`);
    writer.child.kill('SIGKILL');
    await writer.closed;
    expect(await standby.closed).toBe(0);
    expect(standby.err()).toMatch(new RegExp(`ingest: promoted: the journal's writer stopped; durability full: SQLite journal_mode=WAL, synchronous=FULL; \\d+ records followed as standby \\([0-9.]+ s\\), taken over in \\d+ ms; head ${SETUP + 8}; taking commands\n`));
    expect(standby.out().trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual([SETUP + 9, SETUP + 10]);
    // One history, the same as one writer's given the same lines: the same head hash (every record's bytes chained).
    const reference = files();
    await cli(['ingest', '--journal', reference.journal, '--scenario', reference.scenario], lines);
    const info = async (journal: string): Promise<{ head: number; headHash: string }> => {
      const { head, headHash } = JSON.parse((await cli(['journal', 'info', journal, '--json'])).out) as { head: number; headHash: string };
      return { head, headHash };
    };
    expect(await info(f.journal)).toEqual(await info(reference.journal));
    expect((await info(f.journal)).head).toBe(SETUP + 10);
    // A bad pairing of flags is refused with one line.
    const both = await cli(['ingest', '--journal', f.journal, '--standby', '--scenario', f.scenario]);
    expect(both.code).toBe(2);
    expect(both.err).toBe('error: --standby follows an existing journal: --scenario is for a new one\n');
    const none = await cli(['ingest', '--journal', join(f.dir, 'none.db'), '--standby']);
    expect(none.code).toBe(2);
    expect(none.err).toBe(`error: ${join(f.dir, 'none.db')} does not exist: a standby follows a journal another process writes\n`);
  });
});
