// The admin routes on a real fastify server with the security plugin, over a real engine journaled in SQLite (the
// journal's DurableEngine as the host's engine and queue). The world is changes.test.ts's: ETH-PERP at 3,000, 34
// accounts long 1 ETH with 150 USDC, 6 with 1,000; the proposed schedule (IM 6%, MM 5.5%) asks 165 of each, so the
// preview finds the 34 (150 <= 165): 34 ledgers, 34 x 3,000 = 102,000 USDC of notional, held pending.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckedJournal } from '../cli/journal-file.js';
import type { Command } from '../core/engine/commands.js';
import { ETH_PERP, standardSetup, TEST_CONFIG, USDC } from '../core/engine/testkit.js';
import { DEFAULT_RULEBOOK } from '../core/rulebooks/presets.js';
import { dec, ppm, price, quote, size } from '../core/units/index.js';
import { DurableEngine } from '../journal/durable.js';
import { JOURNAL_FORMAT_VERSION } from '../journal/types.js';
import type { UnitLookup } from '../wire/decode.js';
import { adminRoutes, type AdminHost } from './admin.js';
import { signedFetch, type Credentials } from './security/client.js';
import { KeyStore } from './security/key-store.js';
import { securityPlugin } from './security/plugin.js';

const T = 1_773_100_800_000; // 2026-03-10 00:00 UTC
const usdc = (whole: string): bigint => dec(whole, 6);
const TIGHTER = { ...ETH_PERP, margin: { tiers: [{ notionalFloor: quote(0n), initialPpm: ppm(60_000n), maintenancePpm: ppm(55_000n), maintenanceAmount: quote(0n) }] } };

const file = join(mkdtempSync(join(tmpdir(), 'bailiff-admin-')), 'journal.db');
let de: DurableEngine;
let app: FastifyInstance;
let base: string;
let now = T;
const keys = KeyStore.inMemory();
const admin = keys.add({ role: 'admin', accounts: '*', nowMs: T });
const operator = keys.add({ role: 'operator', accounts: '*', nowMs: T });
const adminCreds: Credentials = { keyId: admin.key.id, secret: admin.secret };
const operatorCreds: Credentials = { keyId: operator.key.id, secret: operator.secret };

function apply(cmds: readonly Command[]): void {
  de.submit(cmds);
}
const at = <C extends Omit<Command, 'tsMs'>>(c: C): Command => ({ ...c, tsMs: ++now }) as unknown as Command;

beforeAll(async () => {
  de = DurableEngine.openFile(file, { genesis: { formatVersion: JOURNAL_FORMAT_VERSION, config: TEST_CONFIG, rulebook: DEFAULT_RULEBOOK }, durability: 'relaxed' });
  apply(standardSetup(T));
  apply([at({ kind: 'deposit', account: 'mm', asset: USDC, amount: usdc('1000000') })]);
  const ids = [...Array.from({ length: 34 }, (_, i) => [`thin-${String(i).padStart(2, '0')}`, '150'] as const), ...Array.from({ length: 6 }, (_, i) => [`safe-${i}`, '1000'] as const)];
  for (const [id, amount] of ids) {
    apply([at({ kind: 'deposit', account: id, asset: USDC, amount: usdc(amount) })]);
    apply([at({ kind: 'fill', market: 'ETH-PERP', price: price(dec('3000', 2)), size: size(100n), buyer: { account: id, fee: quote(0n) }, seller: { account: 'mm', fee: quote(0n) } })]);
  }
  const engine = de.engine;
  const units: UnitLookup = {
    quoteDecimals: engine.state.quoteDecimals,
    settlementAsset: USDC,
    market: (id) => engine.market(id)?.spec,
    assetDecimals: (id) => (id === USDC ? 6 : undefined),
  };
  const host: AdminHost = { engine, units, submit: async (commands) => de.submit(commands) };
  app = Fastify();
  await app.register(securityPlugin, { keys });
  await app.register(adminRoutes, { host });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app.close();
  de.close();
});

const call = async (who: Credentials, method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await signedFetch(base, who, method, path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('admin routes for parameter changes', () => {
  it('list pending changes with their previews, to admins only', async () => {
    apply([at({ kind: 'set_market', market: TIGHTER })]);
    apply([at({ kind: 'set_market', market: TIGHTER })]);
    const listed = await call(adminCreds, 'GET', '/v1/admin/changes');
    expect(listed.status).toBe(200);
    expect(listed.body.changes).toEqual([
      { id: 1, command: 'set_market', target: 'ETH-PERP', proposedMs: now - 1, ledgers: 34, notional: '102000' },
      { id: 2, command: 'set_market', target: 'ETH-PERP', proposedMs: now, ledgers: 34, notional: '102000' },
    ]);
    expect(await call(operatorCreds, 'GET', '/v1/admin/changes')).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
  });

  it("cancel and confirm journal the admin's key id as the actor; the 34 are liquidated on confirmation only", async () => {
    const head = de.engine.seq;
    expect(await call(operatorCreds, 'POST', '/v1/admin/changes/1/confirm')).toMatchObject({ status: 403, body: { error: { code: 'role_insufficient' } } });
    expect(de.engine.seq).toBe(head); // refused by the plugin: nothing journaled

    const cancelled = await call(adminCreds, 'POST', '/v1/admin/changes/1/cancel');
    expect(cancelled).toMatchObject({ status: 200, body: { seq: head + 1, change: 1 } });
    expect(cancelled.body.events).toEqual([{ seq: head + 1, ordinal: 0, tsMs: now, kind: 'ParameterChangeCancelled', change: 1, command: 'set_market', target: 'ETH-PERP', actor: admin.key.id }]);
    expect(de.engine.isBreached('thin-00')).toBe(false);

    const confirmed = await call(adminCreds, 'POST', '/v1/admin/changes/2/confirm');
    expect(confirmed).toMatchObject({ status: 200, body: { seq: head + 2, change: 2 } });
    const events = confirmed.body.events as { kind: string; actor?: string }[];
    expect(events[0]).toEqual({ seq: head + 2, ordinal: 0, tsMs: now, kind: 'ParameterChangeConfirmed', change: 2, command: 'set_market', target: 'ETH-PERP', actor: admin.key.id });
    expect(events.filter((e) => e.kind === 'LiquidationStarted')).toHaveLength(34);
    expect((await call(adminCreds, 'GET', '/v1/admin/changes')).body.changes).toEqual([]);

    // A decided change is unknown: 404 with the engine's code, and nothing is journaled.
    expect(await call(adminCreds, 'POST', '/v1/admin/changes/2/confirm')).toMatchObject({ status: 404, body: { error: { code: 'change_unknown', number: 1040 } } });
    expect(de.engine.seq).toBe(head + 2);
    expect((await call(adminCreds, 'POST', '/v1/admin/changes/x/cancel')).status).toBe(400);

    // The journal holds the commands with their actor (an independent read of the file).
    const journal = openCheckedJournal(file);
    const decisions = [...journal.records].filter((r) => r.command.kind === 'confirm_change' || r.command.kind === 'cancel_change');
    expect(decisions.map((r) => r.command)).toEqual([
      { kind: 'cancel_change', tsMs: now, change: 1, actor: admin.key.id },
      { kind: 'confirm_change', tsMs: now, change: 2, actor: admin.key.id },
    ]);
  });
});
