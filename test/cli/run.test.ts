// End-to-end through the CLI: `bailiff run` on example and malformed scenario files.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

function scenarioFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-'));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

const base = {
  settlement: { asset: 'USDT', decimals: 6 },
  markets: [
    {
      id: 'BTCUSDT',
      baseDecimals: 3,
      priceDecimals: 2,
      tickSize: '0.1',
      stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
    },
  ],
  accounts: [
    { id: 'alice', deposits: { USDT: '1000' } },
    { id: 'bob', deposits: { USDT: '1000' } },
  ],
};

describe('bailiff run', () => {
  it('prints one JSON event per line for the bundled example, with decimals in the declared units', async () => {
    const r = await cli(['run', 'examples/btc-isolated-long.json', '--summary']);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const opened = events.find((e) => e.kind === 'PositionChanged' && e.account === 'alice');
    expect(opened).toMatchObject({ market: 'BTCUSDT', marginMode: 'isolated', price: '100000', size: '0.2', isolatedMargin: '1000' });
    expect(events.find((e) => e.kind === 'CommandRejected')).toMatchObject({ command: 'withdraw', reason: 'insufficient_balance' });
    expect(r.err).toContain('conservation USDT');
    expect(r.err).toContain(' ok');
  });

  it('runs every bundled example with funds conserved', async () => {
    for (const file of readdirSync('examples').filter((f) => f.endsWith('.json'))) {
      const r = await cli(['run', `examples/${file}`, '--summary']);
      expect(r.code, file).toBe(0);
      expect(r.err, file).toMatch(/conservation USDT: held (\d+) expected \1 ok/);
    }
    const crash = await cli(['run', 'examples/crash-liquidations.json']);
    const events = crash.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.kind === 'LiquidationStarted')).toMatchObject({ account: 'trader', mark: '25.95', equity: '605.835', maintenance: '648.75', bankruptcyPrice: '25.345' });
    expect(events.find((e) => e.kind === 'InsuranceFundChanged' && e.reason === 'liquidation_fee')).toMatchObject({ delta: '129.75' });
  });

  const malformed: [string, unknown, string][] = [
    ['invalid JSON', '{"settlement": ', 'not valid JSON'],
    ['a missing settlement', { markets: [] }, 'settlement'],
    ['a misspelt field', { ...base, accounts: [{ id: 'a', deposits: {}, depostis: {} }] }, 'accounts[0]: unknown field(s): depostis'],
    ['a JSON number for money', { ...base, commands: [{ kind: 'deposit', account: 'alice', asset: 'USDT', amount: 5 }] }, 'commands[0].amount: must be a decimal string'],
    ['too many decimals for the unit', { ...base, commands: [{ kind: 'price', market: 'BTCUSDT', mark: '1.001' }] }, 'commands[0].mark: 1.001 has more than 2 decimal places'],
    ['an unknown market', { ...base, commands: [{ kind: 'price', market: 'ETHUSDT', mark: '1' }] }, 'commands[0].market: unknown market "ETHUSDT"'],
    ['an unknown command kind', { ...base, commands: [{ kind: 'liquidate' }] }, 'commands[0].kind'],
    ['an inconsistent tier table', { ...base, markets: [{ ...base.markets[0], margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.03' }] } }] }, 'maintenanceRatio'],
    ['an unknown rulebook preset', { ...base, rulebook: 'kraken' }, 'unknown rulebook preset "kraken"'],
    ['a bad time', { ...base, commands: [{ at: 'yesterday', kind: 'tick' }] }, 'commands[0].at'],
    // Scenario hygiene: what JSON.parse and a plain object would let through silently.
    ['a duplicate account id', { ...base, accounts: [...base.accounts, { id: 'alice', deposits: { USDT: '5' } }] }, 'accounts[2].id: duplicate account id "alice" (first at accounts[0])'],
    ['a duplicate market id', { ...base, markets: [base.markets[0], base.markets[0]] }, 'markets[1].id: duplicate market id "BTCUSDT" (first at markets[0])'],
    [
      'a key given twice in one object',
      JSON.stringify(base).replace('"deposits":{"USDT":"1000"}}', '"deposits":{"USDT":"1000","USDT":"9000"}}'),
      'accounts[0].deposits.USDT: key given twice in one object (line 1, column',
    ],
    ['a __proto__ key', JSON.stringify(base).replace('"deposits":{"USDT":"1000"}', '"deposits":{"USDT":"1000","__proto__":{"x":"1"}}'), 'accounts[0].deposits.__proto__: "__proto__" is a reserved key, not a field'],
    ['a constructor key', { ...base, accounts: [{ id: 'a', deposits: { constructor: '1' } }] }, 'accounts[0].deposits.constructor: "constructor" is a reserved key, not a field'],
  ];
  for (const [what, content, message] of malformed) {
    it(`refuses ${what} with exit code 2, the field's path and no stack trace`, async () => {
      const file = scenarioFile(content);
      const r = await cli(['run', file]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(message);
      expect(r.err).toMatch(/^error: /);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('a command refused for its past `at` does not pull the next one without `at` back with it', async () => {
    const deposit = (at?: string) => ({ kind: 'deposit', account: 'a', asset: 'USDT', amount: '5', ...(at === undefined ? {} : { at }) });
    const file = scenarioFile({ ...base, commands: [deposit('2025-02-03T00:00:00Z'), deposit('2025-02-01T00:00:00Z'), deposit()] });
    const r = await cli(['run', file]);
    expect(r.code).toBe(0);
    const events = r.out.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; tsMs: number; account?: string; reason?: string });
    const deposits = events.filter((e) => (e.kind === 'Deposited' && e.account === 'a') || e.kind === 'CommandRejected');
    expect(deposits.map((e) => [e.kind, e.tsMs, e.reason])).toEqual([
      ['Deposited', Date.parse('2025-02-03T00:00:00Z'), undefined],
      ['CommandRejected', Date.parse('2025-02-01T00:00:00Z'), 'time_went_backwards'],
      ['Deposited', Date.parse('2025-02-03T00:00:00Z'), undefined],
    ]);
  });

  it('reports a missing file as bad input', async () => {
    const r = await cli(['run', '/nonexistent/scenario.json']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toContain('cannot read /nonexistent/scenario.json: no such file (ENOENT)');
  });

  it('runs as a real process from dist/ (the bin entry point)', () => {
    const out = execFileSync(process.execPath, ['dist/src/cli/main.js', 'run', 'examples/btc-isolated-long.json'], { encoding: 'utf8' });
    expect(out.split('\n')[0]).toBe('{"seq":1,"ordinal":0,"tsMs":1738533600000,"kind":"RulebookSet","rulebook":"binance"}');
    const bad = spawnSync(process.execPath, ['dist/src/cli/main.js', 'run', scenarioFile('[]')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.startsWith('error: ')).toBe(true);
  });
});
