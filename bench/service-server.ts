// The server process of the service load test (bench/service-load.ts): `bailiff serve`'s server (buildServer) with
// the security plugin, over a fresh journal (SQLite, full durability) in a temporary directory, and a world for the
// load: BTC-PERP at 100,000 with ACCOUNTS traders long 0.01 BTC each against one market maker, their collateral
// spread so that their liquidation prices fall every 50 USD from 99,400 down (10 + 0.5 i USDC of collateral for
// 1,000 USDC of notional, maintenance 0.4% = 4 USDC: liquidated below 100,000 - (10 + 0.5 i - 4) x 100).
// Prints one JSON line {base, keyId, secret, accounts} when it listens; exits when its stdin closes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../src/core/engine/commands.js';
import { standardSetup, TEST_CONFIG, USDC } from '../src/core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../src/core/rulebooks/presets.js';
import { dec, price, quote, size } from '../src/core/units/index.js';
import { JOURNAL_FORMAT_VERSION } from '../src/journal/types.js';
import { securityPlugin } from '../src/service/security/plugin.js';
import { KeyStore } from '../src/service/security/key-store.js';
import { buildServer } from '../src/service/server.js';

export const T0 = 1_767_225_600_000; // 2026-01-01 00:00 UTC
export const traderId = (i: number): string => `t${String(i).padStart(5, '0')}`;

async function main(): Promise<void> {
  const accounts = Number(process.argv[2] ?? 2_000);
  const dir = mkdtempSync(join(tmpdir(), 'bailiff-load-'));
  const keys = KeyStore.inMemory();
  // One operator key, its bucket wide open: the load test measures the service, not the limiter.
  const { key, secret } = keys.add({ role: 'operator', accounts: '*', nowMs: Date.now(), rateLimit: { perSecond: 1e9, burst: 1e9 } });
  const app = await buildServer({
    dataDir: dir,
    genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK },
    logger: false,
    security: { plugin: securityPlugin, options: { keys, replayCacheMax: 10_000_000 } },
  });
  const host = app.bailiff.host;
  const usdc = (v: string): bigint => dec(v, 6);
  const setup: Command[] = [
    ...standardSetup(T0),
    { kind: 'insurance_deposit', tsMs: T0, amount: quote(usdc('10000000')) },
    { kind: 'deposit', tsMs: T0, account: 'mm', asset: USDC, amount: usdc('100000000') },
  ];
  for (let i = 0; i < accounts; i++) {
    const id = traderId(i);
    setup.push({ kind: 'deposit', tsMs: T0, account: id, asset: USDC, amount: usdc(String(10 + i / 2)) });
    setup.push({ kind: 'fill', tsMs: T0, market: 'BTC-PERP', price: price(dec('100000', 2)), size: size(10n), buyer: { account: id, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } });
  }
  for (let i = 0; i < setup.length; i += 1_000) await host.submit(setup.slice(i, i + 1_000));
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ base, keyId: key.id, secret, accounts, seq: host.engine.seq })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void app.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  });
}

// Only as a process of its own (service-load.ts imports the constants above).
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
