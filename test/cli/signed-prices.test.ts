// End-to-end: signed source prices in a scenario file go through the edge verifier (scenario loading) before the
// engine; `bailiff run` refuses a forged one with signature_invalid and takes the genuine ones.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { price } from '../../src/core/units/index.js';
import { attestationPublicKeyHex, signAttestation } from '../../src/feeds/attestation.js';
import { parseScenario } from '../../src/scenario/load.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const OTHER = Uint8Array.from({ length: 32 }, (_, i) => 100 - i);
const T0 = 1_738_526_400_000;
// BTCUSDT has 2 price decimals: "100000.50" is 10000050 atoms; the message carries atoms and decimals.
const sign = (p: bigint, t: number, secret = SECRET): string =>
  signAttestation({ source: 'a', market: 'BTCUSDT', price: price(p), priceDecimals: 2, publishTimeMs: t }, secret);

const scenario = {
  settlement: { asset: 'USDT', decimals: 6 },
  startAt: T0,
  markets: [
    {
      id: 'BTCUSDT',
      baseDecimals: 3,
      priceDecimals: 2,
      tickSize: '0.1',
      stepSize: '0.001',
      margin: { tiers: [{ notionalFloor: '0', maxLeverage: 50, maintenanceRatio: '0.01' }] },
      pricing: {
        index: { method: 'weighted_median', sources: { a: 1 }, maxAgeMs: 60_000, minSources: 1, deviationCap: '0.03' },
        markMethod: 'oracle',
        attestation: { required: true, keys: { a: attestationPublicKeyHex(SECRET) } },
      },
    },
  ],
  accounts: [],
  commands: [
    { at: T0 + 1, kind: 'source_price', market: 'BTCUSDT', source: 'a', price: '100000.50', signature: sign(10_000_050n, T0 + 1) },
    // Signed over 100000.50 but claims 90000: forged.
    { at: T0 + 2, kind: 'source_price', market: 'BTCUSDT', source: 'a', price: '90000', signature: sign(10_000_050n, T0 + 2) },
    // Signed by a key the market does not hold for a.
    { at: T0 + 3, kind: 'source_price', market: 'BTCUSDT', source: 'a', price: '100001', signature: sign(10_000_100n, T0 + 3, OTHER) },
    { at: T0 + 4, kind: 'source_price', market: 'BTCUSDT', source: 'a', price: '100001', signature: sign(10_000_100n, T0 + 4).toUpperCase() },
    { at: T0 + 5, kind: 'source_price', market: 'BTCUSDT', source: 'a', price: '100002' },
  ],
};

describe('signed prices through the edge', () => {
  it('scenario loading records each verdict on its command', () => {
    const commands = parseScenario(scenario).commands.filter((c) => c.kind === 'source_price');
    expect(commands.map((c) => c.signatureCheck?.result)).toEqual(['valid', 'signature_invalid', 'signature_invalid', 'valid', 'signature_missing']);
  });

  it('a scenario file that claims a verdict itself is refused (only the edge vouches)', () => {
    const claimed = structuredClone(scenario) as { commands: Record<string, unknown>[] };
    (claimed.commands[1] as Record<string, unknown>).signatureCheck = { source: 'a', key: null, result: 'valid' };
    expect(() => parseScenario(claimed)).toThrow(/commands\[1\]/);
  });

  it('bailiff run takes the genuine prices and refuses the forged ones with their codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bailiff-signed-'));
    const file = join(dir, 'signed.json');
    writeFileSync(file, JSON.stringify(scenario));
    const r = spawnSync(process.execPath, ['dist/src/cli/main.js', 'run', file, '--summary'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusals = events.filter((e) => e.kind === 'CommandRejected').map((e) => e.reason);
    expect(refusals).toEqual(['signature_invalid', 'signature_invalid', 'signature_missing']);
    // Setup takes seq 1 (rulebook) and 2 (market); the prices are 3..7. The genuine ones (3, 6) pass silently (a first
    // price forms the index without an event); 4, 5 and 7 are refused.
    expect(events.filter((e) => e.kind === 'CommandRejected').map((e) => e.seq)).toEqual([4, 5, 7]);
    expect(events.find((e) => e.seq === 4)?.message).toContain('the edge refused the signature of a');
    expect(r.stderr).toContain('refused: 3 (signature_invalid 2, signature_missing 1)');
  });
});
