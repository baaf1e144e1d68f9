// The service end to end over real HTTP and WebSocket (fastify.listen on a free port, fetch, the `ws` client):
// prices and fills in, the liquidation on the stream, on the tape and in its explanation; the risk fields; bad input
// answered with a precise 4xx that leaves the journal where it was; a stream resumed from a seq; a restart that
// recovers everything from the journal.
//
// The world (src/core/engine/testkit.ts): ETH-PERP with 5% initial / 2.5% maintenance, prices in cents, sizes in
// 0.01 ETH; alice deposits 300 USDT and buys 1 ETH at 3000 from bob. Worked out by hand (as in risk-view.test.ts):
// equity 300, initial 150, maintenance 75, free collateral 150, margin ratio 75/300 = 0.25; she breaches at or below
// 2769.23 (300 + P - 3000 <= 0.025 P), is bankrupt below 2700; 3000 - 2769.23 = 230.77 = 7.6923% of the mark.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, start, StreamClient, type Running } from './support.js';

const at = (ms: number): { at: number } => ({ at: ms });

describe('the service over HTTP and WebSocket', () => {
  let s: Running;
  let feed: StreamClient;
  let liquidationSeq = 0;

  beforeAll(async () => {
    s = await start();
    feed = await StreamClient.open(`${s.ws}/v1/stream`);
  });
  afterAll(async () => {
    feed.close();
    await s.app.close();
  });

  const head = (): number => s.app.bailiff.host.durable.journal.head();

  it('journals commands before answering, one seq each, and answers with their events', async () => {
    const before = head();
    const r = await post(s.base, '/v1/commands', [
      { kind: 'insurance_deposit', amount: '10000', ...at(2_000) },
      { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
      { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.seq).toBe(before + 3);
    expect(r.body.results.map((x: { seq: number; command: string }) => [x.seq, x.command])).toEqual([
      [before + 1, 'insurance_deposit'],
      [before + 2, 'deposit'],
      [before + 3, 'deposit'],
    ]);
    expect(r.body.results[1].events[0]).toMatchObject({ kind: 'Deposited', account: 'alice', amount: '300', balance: '300' });
    // Acknowledged means journaled: the head moved before the reply.
    expect(head()).toBe(before + 3);
    const fill = await post(s.base, '/v1/commands', { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' });
    expect(fill.status).toBe(200);
    expect(fill.body.events.map((e: { kind: string }) => e.kind)).toContain('PositionChanged');
  });

  it('answers a refused command with its CommandRejected (journaled: refusals take a seq)', async () => {
    const before = head();
    const r = await post(s.base, '/v1/commands', { kind: 'withdraw', account: 'alice', asset: 'USDC', amount: '1000000' });
    expect(r.status).toBe(200);
    expect(r.body.rejected).toMatchObject({ code: 'insufficient_balance' });
    expect(head()).toBe(before + 1);
  });

  it("gives an account's risk fields, the cross position's exact liquidation price among them", async () => {
    const r = await get(s.base, '/v1/accounts/alice');
    expect(r.status).toBe(200);
    expect(r.body.cross).toEqual({
      ledger: 'cross',
      equity: '300',
      initialMargin: '150',
      maintenanceMargin: '75',
      freeCollateral: '150',
      marginRatio: '0.25',
      distanceToThreshold: '225',
      breached: false,
    });
    expect(r.body.positions).toHaveLength(1);
    expect(r.body.positions[0]).toMatchObject({
      market: 'ETH-PERP',
      marginMode: 'cross',
      size: '1',
      entryPrice: '3000',
      markPrice: '3000',
      liquidationPrice: '2769.23',
      bankruptcyPrice: '2700',
      distanceToLiquidation: '230.77',
      distanceToLiquidationRatio: '0.076923',
      adlRank: 1,
      adlQueue: 1,
    });
  });

  it('says why an account is not liquidated and the price that would do it', async () => {
    const r = await get(s.base, '/v1/accounts/alice/why-not');
    expect(r.status).toBe(200);
    expect(r.body.ledgers).toHaveLength(1);
    expect(r.body.ledgers[0]).toMatchObject({ ledger: 'cross', status: 'not_in_breach', breached: false, distanceToThreshold: '225', guards: [] });
    expect(r.body.ledgers[0].wouldLiquidateAt).toEqual([{ market: 'ETH-PERP', markPrice: '3000', liquidationPrice: '2769.23', distanceToLiquidation: '230.77', distanceToLiquidationRatio: '0.076923' }]);
  });

  it('liquidates at the liquidation price: on the stream, on the tape and explained', async () => {
    const r = await post(s.base, '/v1/commands', { kind: 'price', market: 'ETH-PERP', mark: '2769.23', ...at(3_000) });
    expect(r.status).toBe(200);
    const started = r.body.events.find((e: { kind: string }) => e.kind === 'LiquidationStarted');
    expect(started).toMatchObject({ account: 'alice', ledger: 'cross', market: 'ETH-PERP', mark: '2769.23', equity: '69.23' });
    liquidationSeq = started.seq;
    expect(started.id).toBe(`${started.seq}-${started.ordinal}`);

    // The stream: a snapshot first, then the same event with its seq.
    expect(feed.messages[0]).toMatchObject({ type: 'snapshot' });
    const streamed = await feed.waitFor((m) => m.type === 'event' && m.event.kind === 'LiquidationStarted');
    expect(streamed).toMatchObject({ seq: started.seq, ordinal: started.ordinal, event: { id: started.id, account: 'alice' } });

    // The tape.
    const tape = await get(s.base, `/v1/liquidations?after=${started.seq - 1}&kind=LiquidationStarted`);
    expect(tape.status).toBe(200);
    expect(tape.body.events).toHaveLength(1);
    expect(tape.body.events[0]).toMatchObject({ id: started.id, account: 'alice' });
    expect(tape.body.next).toBe(started.id);

    // The explanation: the rule, the figures that decided it, the prices with their sources, the waterfall.
    const ex = await get(s.base, `/v1/liquidations/${started.id}/explain`);
    expect(ex.status).toBe(200);
    expect(ex.body).toMatchObject({
      id: started.id,
      account: 'alice',
      ledger: 'cross',
      market: 'ETH-PERP',
      rule: { rulebook: 'binance', breachRule: 'at_or_below' },
      // Equity at 2769.23: 300 + (2769.23 - 3000) = 69.23; maintenance 2769.23 x 2.5% = 69.23075 -> 69.230750.
      breach: { equity: '69.23', maintenanceMargin: '69.23075', shortfall: '0.00075', markPrice: '2769.23', size: '1' },
      journal: { seq: started.seq },
    });
    expect(ex.body.prices.map((p: { market: string; markPrice: string }) => [p.market, p.markPrice])).toEqual([['ETH-PERP', '2769.23']]);
    expect(ex.body.waterfall[0].stage).toBe('size');
    expect(ex.body.journal.entryHash).toMatch(/^[0-9a-f]{64}$/);
    expect(ex.body.journal.recordHash).toBeNull(); // captured live (the record hash is on the stored record: see restart)
  });

  it('resumes a stream from a seq: the events after it, then live', async () => {
    const resumed = await StreamClient.open(`${s.ws}/v1/stream?from=${liquidationSeq - 1}&account=alice`);
    try {
      const e = await resumed.waitFor((m) => m.type === 'event' && m.event.kind === 'LiquidationStarted');
      expect(e.seq).toBe(liquidationSeq);
      expect(resumed.messages[0].type).toBe('snapshot');
      // Only alice's events pass the filter; nothing before the seq.
      expect(resumed.messages.filter((m) => m.type === 'event').every((m) => m.seq >= liquidationSeq)).toBe(true);
      // Resumed after the liquidation: nothing of it comes again.
      const later = await StreamClient.open(`${s.ws}/v1/stream?from=${liquidationSeq}`);
      await later.waitFor((m) => m.type === 'snapshot');
      await post(s.base, '/v1/commands', { kind: 'tick', ...at(4_000) });
      await new Promise((r) => setTimeout(r, 50));
      expect(later.messages.filter((m) => m.type === 'event' && m.seq <= liquidationSeq)).toEqual([]);
      later.close();
    } finally {
      resumed.close();
    }
  });

  it("streams an account's own events and its figures after each commit touching it", async () => {
    const mine = await StreamClient.open(`${s.ws}/v1/accounts/bob/stream`);
    try {
      const snap = await mine.waitFor((m) => m.type === 'snapshot');
      expect(snap.account.account).toBe('bob');
      await post(s.base, '/v1/commands', { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '5' });
      const ev = await mine.waitFor((m) => m.type === 'event' && m.event.kind === 'Deposited');
      expect(ev.event).toMatchObject({ account: 'bob', amount: '5' });
      const fig = await mine.waitFor((m) => m.type === 'account');
      expect(fig.seq).toBe(ev.seq);
    } finally {
      mine.close();
    }
  });

  describe('bad input: a precise 4xx, and the journal does not move', () => {
    const cases: [string, () => Promise<{ status: number; body: { error: { code: string; number: number; path?: string } } }>, number, string, number][] = [
      ['an unknown command kind', () => post(s.base, '/v1/commands', { kind: 'teleport' }), 400, 'invalid_input', 7000],
      ['a body without kind', () => post(s.base, '/v1/commands', { account: 'alice' }), 400, 'invalid_request', 10000],
      ['an amount with too many decimals', () => post(s.base, '/v1/commands', { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '1.0000001' }), 400, 'invalid_input', 7000],
      ['an unknown market', () => post(s.base, '/v1/commands', { kind: 'price', market: 'DOGE-PERP', mark: '1' }), 400, 'invalid_input', 7000],
      ['a bad command inside a batch (nothing of the batch is journaled)', () => post(s.base, '/v1/commands', [{ kind: 'tick' }, { kind: 'deposit', account: 'alice', asset: 'USDC', amount: 'x' }]), 400, 'invalid_input', 7000],
      ['not JSON', () => post(s.base, '/v1/commands', '{"kind":'), 400, 'invalid_request', 10000],
      ['a key given twice', () => post(s.base, '/v1/commands', '{"kind":"tick","kind":"tick"}'), 400, 'invalid_request', 10000],
      ['__proto__', () => post(s.base, '/v1/commands', '{"kind":"tick","__proto__":{}}'), 400, 'invalid_request', 10000],
      ['text/plain', () => post(s.base, '/v1/commands', 'tick', 'text/plain'), 415, 'unsupported_media_type', 10004],
      ['an empty array', () => post(s.base, '/v1/commands', []), 400, 'invalid_request', 10000],
      ['a body over the limit', () => post(s.base, '/v1/commands', { kind: 'tick', pad: 'x'.repeat(1_100_000) }), 413, 'body_too_large', 10001],
      ['an unknown account', () => get(s.base, '/v1/accounts/nobody'), 404, 'not_found', 10002],
      ['a malformed account id', () => get(s.base, '/v1/accounts/a%20b'), 400, 'invalid_request', 10000],
      ['why-not of an unknown account', () => get(s.base, '/v1/accounts/nobody/why-not'), 404, 'not_found', 10002],
      ['an unknown market (GET)', () => get(s.base, '/v1/markets/DOGE-PERP'), 404, 'not_found', 10002],
      ['a malformed cursor', () => get(s.base, '/v1/liquidations?after=abc'), 400, 'invalid_request', 10000],
      ['a limit over 1000', () => get(s.base, '/v1/liquidations?limit=5000'), 400, 'invalid_request', 10000],
      ['an unknown query field', () => get(s.base, '/v1/liquidations?colour=red'), 400, 'invalid_request', 10000],
      ['a malformed liquidation id', () => get(s.base, '/v1/liquidations/abc/explain'), 400, 'invalid_request', 10000],
      ['an unknown liquidation', () => get(s.base, '/v1/liquidations/999999-0/explain'), 404, 'not_found', 10002],
      ['an unknown route', () => get(s.base, '/v1/nothing'), 404, 'route_not_found', 10003],
    ];
    for (const [name, send, status, code, number] of cases) {
      it(name, async () => {
        const before = head();
        const engineSeq = s.app.bailiff.host.engine.seq;
        const r = await send();
        expect(r.status).toBe(status);
        expect(r.body.error.code).toBe(code);
        expect(r.body.error.number).toBe(number);
        expect(head()).toBe(before);
        expect(s.app.bailiff.host.engine.seq).toBe(engineSeq);
      });
    }
    it('says what is wrong with a body that is not a command or an array of them: empty, longer than 1,000, a scalar, an array holding a scalar', async () => {
      const empty = await post(s.base, '/v1/commands', []);
      expect(empty.status).toBe(400);
      expect(empty.body.error).toEqual({ code: 'invalid_request', number: 10000, message: 'body: an empty array: give one command (a JSON object) or an array of 1 to 1,000' });
      const tick = { kind: 'tick' };
      const long = await post(s.base, '/v1/commands', Array.from({ length: 1001 }, () => tick));
      expect(long.status).toBe(400);
      expect(long.body.error).toEqual({ code: 'invalid_request', number: 10000, message: 'body: at most 1,000 commands, got 1001' });
      const scalar = await post(s.base, '/v1/commands', 5);
      expect(scalar.body.error.message).toBe('body: a number: give one command (a JSON object) or an array of 1 to 1,000');
      const mixed = await post(s.base, '/v1/commands', [tick, 5]);
      expect(mixed.status).toBe(400);
      expect(mixed.body.error.message).toBe('body/1: a number, not a command (a JSON object)');
    });
    it('names the field at fault', async () => {
      const r = await post(s.base, '/v1/commands', [{ kind: 'tick' }, { kind: 'deposit', account: 'alice', asset: 'USDC', amount: 'x' }]);
      expect(r.body.error.path).toBe('[1].amount');
    });
    it('refuses a stream with a bad filter or an unknown account before the upgrade', async () => {
      await expect(StreamClient.open(`${s.ws}/v1/stream?from=-1`)).rejects.toThrow('HTTP 400');
      await expect(StreamClient.open(`${s.ws}/v1/accounts/nobody/stream`)).rejects.toThrow('HTTP 404');
    });
  });

  it('lists markets with their oracle state, and serves /health, /ready, /metrics and /openapi.json', async () => {
    const m = await get(s.base, '/v1/markets');
    expect(m.body.markets.map((x: { id: string; oracle: string }) => [x.id, x.oracle])).toEqual([
      ['BTC-PERP', 'fresh'],
      ['ETH-PERP', 'fresh'],
    ]);
    expect((await get(s.base, '/health')).body.status).toBe('ok');
    const ready = await get(s.base, '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, missedLiquidations: 0, journal: { head: head(), queueDepth: 0 } });
    expect(ready.body.liquidationsStartedTotal).toBeGreaterThanOrEqual(1);
    const metrics = await get(s.base, '/metrics');
    expect(metrics.status).toBe(200);
    // Three prices: the two of the setup and the liquidating one.
    expect(metrics.body).toContain('bailiff_commands_total{kind="price"} 3');
    expect(metrics.body).toContain('bailiff_rejections_total{code="insufficient_balance"} 1');
    expect(metrics.body).toMatch(/bailiff_command_apply_seconds_count\{kind="price"\} 3/);
    expect(metrics.body).toContain('bailiff_oracle_state{market="ETH-PERP",state="fresh"} 1');
    expect(metrics.body).toContain('bailiff_http_rejections_total{code="not_found"}');
    // The process metrics under the service's prefix once, not twice.
    expect(metrics.body).toMatch(/^bailiff_process_resident_memory_bytes \d+$/m);
    expect(metrics.body).toContain('bailiff_nodejs_eventloop_lag_seconds');
    expect(metrics.body).not.toContain('bailiff_process_process_');
    const doc = await get(s.base, '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const liq = doc.body.paths['/v1/accounts/{id}'].get.responses['200'].content['application/json'].schema.properties.positions.items.properties.liquidationPrice;
    expect(liq.description).toContain("market's price decimals");
  });

  it('declares a role on every route', () => {
    const routes = s.app.printRoutes({ commonPrefix: false, includeHooks: false });
    expect(routes).toContain('v1/commands'); // under the dashboard's / the tree prints it without its leading slash
    for (const r of routesOf(s)) expect(['public', 'read', 'trade', 'operator', 'admin'], `${r.method} ${r.url}`).toContain(r.role);
  });
});

function routesOf(s: Running): { method: string; url: string; role: unknown }[] {
  return s.app.bailiff.routes.map((r) => ({ method: r.method, url: r.url, role: r.role }));
}

describe('restart', () => {
  // Without snapshots the explanation is rebuilt from the genesis; with one every 2 records, from the snapshot just
  // before the liquidation (restored as recovery restores it, accounts decoded one by one).
  it.each([{ snapshots: 'none', o: {} }, { snapshots: 'every 2 records', o: { snapshotEvery: 2 } }])('recovers the engine, the tape and the explanations from the journal (snapshots: $snapshots)', async ({ o }) => {
    const first = await start(undefined, o);
    await post(first.base, '/v1/commands', [
      { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
      { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
      { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' },
    ]);
    const liq = await post(first.base, '/v1/commands', { kind: 'price', market: 'ETH-PERP', mark: '2769.23', at: 3_000 });
    const id = liq.body.events.find((e: { kind: string }) => e.kind === 'LiquidationStarted').id as string;
    const explained = (await get(first.base, `/v1/liquidations/${id}/explain`)).body;
    const alice = (await get(first.base, '/v1/accounts/alice')).body;
    const tape = (await get(first.base, '/v1/liquidations')).body;
    await first.app.close();

    const second = await start(first.dir, o);
    try {
      expect((await get(second.base, '/v1/accounts/alice')).body).toEqual(alice);
      expect((await get(second.base, '/v1/liquidations')).body).toEqual(tape);
      // Rebuilt by replaying the journal: the same facts, now with the stored record's hash chain.
      const again = (await get(second.base, `/v1/liquidations/${id}/explain`)).body;
      expect({ ...again, journal: { ...again.journal, recordHash: null, prevHash: null } }).toEqual(explained);
      expect(again.journal.recordHash).toMatch(/^[0-9a-f]{64}$/);
      // With snapshots the replay starts from one (seq > 0), not from the genesis.
      expect(JSON.stringify(again)).toMatch('snapshotEvery' in o ? /"replayFromSnapshotSeq":[1-9]/ : /"replayFromSnapshotSeq":0[,}]/);
      // Commands go on from the recovered head.
      const next = await post(second.base, '/v1/commands', { kind: 'tick' });
      expect(next.body.seq).toBe(liq.body.seq + 1);
    } finally {
      await second.app.close();
    }
  });
});

describe('snapshots', () => {
  it('are written between batches, after the replies, and counted in /metrics', async () => {
    const s = await start(undefined, { snapshotEvery: 5 });
    try {
      const host = s.app.bailiff.host;
      const written = async (seq: number): Promise<void> => {
        for (let i = 0; i < 200 && host.stats.lastSnapshot?.seq !== seq; i++) await new Promise((r) => setTimeout(r, 10));
      };
      // The setup's commands made one due: captured with their batch, written in the turns after it.
      await written(host.engine.seq);
      const setupSeq = host.engine.seq;
      const answer = await post(s.base, '/v1/commands', [{ kind: 'tick' }, { kind: 'tick' }, { kind: 'tick' }, { kind: 'tick' }, { kind: 'tick' }]);
      expect(answer.status).toBe(200);
      await written(answer.body.seq);
      expect(host.stats.lastSnapshot).toMatchObject({ seq: setupSeq + 5, info: { seq: setupSeq + 5 }, captureMs: expect.any(Number), slices: expect.any(Number) });
      expect(host.durable.journal.snapshots().map((x) => x.seq)).toEqual([setupSeq, setupSeq + 5]);
      const metrics = (await get(s.base, '/metrics')).body as string;
      expect(metrics).toContain('bailiff_snapshots_total{outcome="written"} 2');
      expect(metrics).toMatch(/bailiff_snapshot_write_seconds_count 2/);
    } finally {
      await s.app.close();
    }
  });
});

describe('a bounded tape', () => {
  it('refuses a resume older than what the tape holds (resume_too_old), and pages by cursor', async () => {
    // Four InsuranceFundChanged events (one per deposit) on a tape of three: the first is dropped.
    const s = await start(undefined, { tapeEventsMax: 3 });
    try {
      const r = await post(s.base, '/v1/commands', ['1', '2', '3', '4'].map((amount) => ({ kind: 'insurance_deposit', amount })));
      const seqs = r.body.results.map((x: { seq: number }) => x.seq) as number[];
      const page = await get(s.base, '/v1/liquidations?limit=2');
      expect(page.body.events.map((e: { seq: number }) => e.seq)).toEqual(seqs.slice(1, 3));
      const rest = await get(s.base, `/v1/liquidations?after=${page.body.next}`);
      expect(rest.body.events.map((e: { seq: number }) => e.seq)).toEqual(seqs.slice(3));
      const old = await StreamClient.open(`${s.ws}/v1/stream?from=${(seqs[0] as number) - 1}`);
      const err = await old.waitFor((m) => m.type === 'error');
      expect(err.error.code).toBe('resume_too_old');
      const ok = await StreamClient.open(`${s.ws}/v1/stream?from=${seqs[0] as number}`);
      await ok.waitFor((m) => m.type === 'event' && m.seq === seqs[3]);
      expect(ok.messages.filter((m) => m.type === 'event').map((m) => m.seq)).toEqual(seqs.slice(1));
      ok.close();
    } finally {
      await s.app.close();
    }
  });
});

describe('why-not while a guard holds the ledger', () => {
  it('names the pause switch, then the deferral, and the price that would do it', async () => {
    const s = await start();
    try {
      await post(s.base, '/v1/commands', [
        { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
        { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
        { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' },
        { kind: 'set_liquidation_pause', paused: true },
        // At 2700 alice is in breach (equity 0 <= maintenance 67.5) but the pause holds her.
        { kind: 'price', market: 'ETH-PERP', mark: '2700', at: 3_000 },
      ]);
      const r = await get(s.base, '/v1/accounts/alice/why-not');
      expect(r.body.ledgers[0]).toMatchObject({ ledger: 'cross', status: 'held', breached: true, equity: '0', maintenanceMargin: '67.5', distanceToThreshold: '-67.5' });
      expect(r.body.ledgers[0].guards).toEqual([{ guard: 'paused', market: null }]);
      expect(r.body.ledgers[0].wouldLiquidateAt[0]).toMatchObject({ market: 'ETH-PERP', markPrice: '2700', liquidationPrice: '2769.23', distanceToLiquidation: '-69.23' });
      const ready = await get(s.base, '/ready');
      // Held by the pause: in the backlog, not missed.
      expect(ready.body).toMatchObject({ liquidationsPaused: true, liquidationBacklog: 1, missedLiquidations: 0 });
    } finally {
      await s.app.close();
    }
  });
});
