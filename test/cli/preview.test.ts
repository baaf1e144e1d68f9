// `bailiff preview`: a journal written by the service (three thin ETH longs, a safe one), a tighter ETH-PERP schedule
// and a stress path, through the real command line; bad inputs exit 2 naming the field.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { post, start } from '../service/support.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  // No commands on stdin (ingest of a scenario alone).
  const stdin = (async function* (): AsyncGenerator<string> {})();
  const code = await runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), stdin });
  return { code, out, err };
}

const ETH = { id: 'ETH-PERP', baseDecimals: 2, priceDecimals: 2, tickSize: '0.01', stepSize: '0.01' };

describe('bailiff preview', () => {
  it('lists who the change would liquidate, with the positions and margin, and who the stress path would anyway', async () => {
    const s = await start();
    const thin = ['t1', 't2', 't3'];
    await post(s.base, '/v1/commands', [
      { kind: 'deposit', account: 'mm', asset: 'USDC', amount: '1000000' },
      ...thin.flatMap((id) => [
        { kind: 'deposit', account: id, asset: 'USDC', amount: '150' },
        { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: id, seller: 'mm' },
      ]),
      { kind: 'deposit', account: 'safe', asset: 'USDC', amount: '2000' },
      { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'safe', seller: 'mm' },
    ]);
    await s.app.close();
    const journal = join(s.dir, 'journal.db');
    const change = join(s.dir, 'change.json');
    const stress = join(s.dir, 'stress.json');
    // MM 5.5% asks 165 of the thin longs' 150: in breach at once with the change.
    writeFileSync(change, JSON.stringify({ markets: [{ ...ETH, margin: { tiers: [{ notionalFloor: '0', initialRatio: '0.06', maintenanceRatio: '0.055' }] } }] }));
    // Down 10% over 5 steps (2940, 2880, ...): a thin long breaches at 2926.83 without it (step 2); safe never does.
    writeFileSync(stress, JSON.stringify({ steps: 5, stepMs: 1000, moves: { 'ETH-PERP': '-0.1' } }));
    const r = await cli(['preview', '--journal', journal, '--change', change, '--stress', stress]);
    expect(r.err).toContain('3 ledgers liquidated with the change, 3 without');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { with: { account: string; step: number; equity: string; maintenance: string; positions: unknown[] }[]; without: { account: string; step: number; mark: string }[]; earlierWithChange: string[]; enginePreview: unknown[] };
    expect(out.with.map((l) => [l.account, l.step, l.equity, l.maintenance])).toEqual(thin.map((id) => [id, 0, '150', '165']));
    expect(out.with[0]?.positions).toEqual([{ market: 'ETH-PERP', size: '1' }]);
    expect(out.without.map((l) => [l.account, l.step, l.mark])).toEqual(thin.map((id) => [id, 2, '2880']));
    expect(out.earlierWithChange).toHaveLength(3);
    expect(out.enginePreview).toEqual([expect.objectContaining({ command: 'set_market', target: 'ETH-PERP', ledgers: 3, notional: '9000' })]);

    writeFileSync(change, JSON.stringify({ markets: [{ ...ETH, margin: { tiers: [{ notionalFloor: '0', initialRatio: '0.06', maintenanceRatio: 'x' }] } }] }));
    const bad = await cli(['preview', '--journal', journal, '--change', change]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^error: change\.markets\[0\]\.margin\.tiers\[0\]\.maintenanceRatio: must be a decimal string/);
    writeFileSync(stress, JSON.stringify({ steps: 5, moves: { 'SOL-PERP': '-0.1' } }));
    writeFileSync(change, JSON.stringify({ rulebook: 'bybit' }));
    const unknown = await cli(['preview', '--journal', journal, '--change', change, '--stress', stress]);
    expect([unknown.code, unknown.err]).toEqual([2, 'error: stress.moves.SOL-PERP: the journal lists no market SOL-PERP\n']);
  });

  it('answers the documented example (docs/sweeps.md "Example", figures worked out there)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-preview-'));
    try {
      const journal = join(dir, 'eth.db');
      expect((await cli(['ingest', '--journal', journal, '--scenario', 'examples/sweeps/eth-book.json'])).code).toBe(0);
      const r = await cli(['preview', '--journal', journal, '--change', 'examples/sweeps/change-tighter-eth.json', '--stress', 'examples/sweeps/stress-eth-10.json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out) as { with: { account: string; step: number }[]; without: { account: string; step: number }[]; onlyWithChange: string[]; earlierWithChange: string[]; enginePreview: unknown[] };
      const longs = (n: number): string[] => Array.from({ length: n }, (_, i) => `long-${i + 1}`);
      expect(out.without.map((l) => l.account)).toEqual(longs(6));
      expect([out.without[0]?.step, out.without[5]?.step]).toEqual([16, 47]);
      expect(out.with.map((l) => l.account)).toEqual(longs(7));
      expect(out.with.filter((l) => l.step === 0).map((l) => l.account)).toEqual(['long-1', 'long-2']);
      expect(out.with[6]?.step).toBe(50);
      expect(out.onlyWithChange).toEqual(['long-7/cross']);
      expect(out.earlierWithChange).toEqual(longs(6).map((a) => `${a}/cross`));
      expect(out.enginePreview).toEqual([{ command: 'set_market', target: 'ETH-PERP', ledgers: 2, notional: '6000', pending: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
