// The dashboard's routes over HTTP (no browser): the page and its allow-listed assets, nothing else from the disk,
// and GET /v1/risk/nearest with its bounds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, start, type Running } from '../service/support.js';

describe('dashboard routes', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => {
    await s.app.close();
  });

  it('serves the page and its assets, uPlot from node_modules', async () => {
    const page = await fetch(`${s.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="/dashboard/app.js"></script>');
    const uplot = await fetch(`${s.base}/dashboard/uPlot.iife.min.js`);
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await uplot.text()).toContain('uPlot');
    expect((await fetch(`${s.base}/dashboard/app.js`)).status).toBe(200);
  });

  it('answers 404 for any file not on its list, paths included', async () => {
    for (const path of ['/dashboard/package.json', '/dashboard/..%2F..%2Fpackage.json', '/dashboard/plugin.ts', '/dashboard/']) {
      const r = await get(s.base, path);
      expect(r.status, path).toBe(404);
    }
  });

  it('lists the accounts nearest their thresholds with their account views, and refuses a bad limit', async () => {
    const cmds = [
      { kind: 'deposit', account: 'alice', asset: 'USDC', amount: '300' },
      { kind: 'deposit', account: 'bob', asset: 'USDC', amount: '100000' },
      { kind: 'fill', market: 'ETH-PERP', price: '3000', size: '1', buyer: 'alice', seller: 'bob' },
    ];
    const posted = await post(s.base, '/v1/commands', cmds);
    expect(posted.status).toBe(200);
    const r = await get(s.base, '/v1/risk/nearest?limit=1');
    expect(r.status).toBe(200);
    // alice: maintenance 3000 x 2.5% = 75 over equity 300 = 0.25 (bob: 75 / 100,000).
    expect(r.body.accounts).toHaveLength(1);
    expect(r.body.accounts[0]).toMatchObject({ account: 'alice', ledger: 'cross', marginRatio: '0.25' });
    expect(r.body.accounts[0].view.cross).toMatchObject({ equity: '300', maintenanceMargin: '75', distanceToThreshold: '225' });
    for (const bad of ['0', '101', 'x']) expect((await get(s.base, `/v1/risk/nearest?limit=${bad}`)).status, bad).toBe(400);
  });
});
