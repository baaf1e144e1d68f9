// `bailiff account`: the risk view from a journal, the same body as GET /v1/accounts/{id} (one function behind both).

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured, type CliRun } from '../support/cli.js';
import { get, post, start } from '../service/support.js';

const cli = (args: string[]): Promise<CliRun> => runCliCaptured(args);

describe('bailiff account', () => {
  it('prints the figures the service answers, from the journal alone', async () => {
    const s = await start();
    await post(s.base, '/v1/commands', [
      { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
      { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
      { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' },
    ]);
    const served = (await get(s.base, '/v1/accounts/alice')).body;
    await s.app.close();
    const journal = join(s.dir, 'journal.db');
    const r = await cli(['account', 'alice', '--journal', journal]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(served);
    // The hand-worked figures of test/service/service.test.ts: liquidation 2769.23, bankruptcy 2700.
    expect(served.positions[0]).toMatchObject({ liquidationPrice: '2769.23', bankruptcyPrice: '2700' });
    const none = await cli(['account', 'nobody', '--journal', journal]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no account "nobody"');
  });
});
