// The dashboard (issue 17), served by the service: one static page (public/: index.html, app.js, style.css; plain
// ES modules, no build step) and the chart library uPlot served from node_modules (never copied into the repository),
// plus GET /v1/risk/nearest, the one read the page needs that the API does not have (the accounts nearest their
// thresholds). The page reads everything else from the API as any client would: /v1/markets, the tape over the
// WebSocket /v1/stream, /v1/liquidations/{id}/explain, /health, /ready. docs/dashboard.md describes it.
//
// Every route declares its role for the security plugin: the page and its assets are public; the list of nearest
// accounts names every account's figures, so it is an operator read.

import type { FastifyPluginAsync } from 'fastify';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDecimal } from '../../core/units/index.js';
import '../route-config.js';
import { NEAREST_LIMIT_MAX, nearestLedgers } from './nearest.js';

const require = createRequire(import.meta.url);

/**
 * The page's own files live in src/service/dashboard/public. From dist/src/service/dashboard (the built service) that
 * is four levels up and back down into src; from src (tests, vitest) it is beside this module.
 */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromDist = join(here, '..', '..', '..', '..', 'src', 'service', 'dashboard', 'public');
  return here.split(/[\\/]/).includes('dist') ? fromDist : join(here, 'public');
}

interface Asset {
  readonly path: string;
  readonly type: string;
}

/** Every file the dashboard serves, by URL name: an allow-list, so no request path ever reaches the file system. */
function assets(): ReadonlyMap<string, Asset> {
  const dir = publicDir();
  const uplotDist = dirname(require.resolve('uplot'));
  return new Map<string, Asset>([
    ['index.html', { path: join(dir, 'index.html'), type: 'text/html; charset=utf-8' }],
    ['app.js', { path: join(dir, 'app.js'), type: 'text/javascript; charset=utf-8' }],
    ['format.js', { path: join(dir, 'format.js'), type: 'text/javascript; charset=utf-8' }],
    ['style.css', { path: join(dir, 'style.css'), type: 'text/css; charset=utf-8' }],
    ['uPlot.iife.min.js', { path: join(uplotDist, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' }],
    ['uPlot.min.css', { path: join(uplotDist, 'uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
}

const nearestSchema = {
  summary: 'The accounts nearest their maintenance threshold (the dashboard): each with its riskiest ledger and its account view',
  querystring: {
    type: 'object',
    properties: { limit: { type: 'integer', minimum: 1, maximum: NEAREST_LIMIT_MAX, default: 20 } },
    additionalProperties: false,
  },
  response: {
    200: {
      type: 'object',
      properties: {
        seq: { type: 'integer', description: 'the journal seq the figures are at' },
        accounts: {
          type: 'array',
          description: 'nearest first: equity <= 0 first, then by margin ratio (maintenance / equity), largest first',
          items: {
            type: 'object',
            properties: {
              account: { type: 'string' },
              ledger: { type: 'string', description: "'cross', or the market of an isolated position" },
              marginRatio: { type: ['string', 'null'], description: 'maintenance / equity, decimal string, 6 decimals (1 = at the threshold); null: equity <= 0' },
              view: { type: 'object', description: 'GET /v1/accounts/{id} of the account', additionalProperties: true },
            },
          },
        },
      },
    },
  },
} as const;

export const dashboardPlugin: FastifyPluginAsync = async (app) => {
  const files = assets();
  const cache = new Map<string, Buffer>();
  const send = async (name: string): Promise<{ body: Buffer; type: string } | undefined> => {
    const asset = files.get(name);
    if (asset === undefined) return undefined;
    let body = cache.get(name);
    if (body === undefined) {
      body = await readFile(asset.path);
      cache.set(name, body);
    }
    return { body, type: asset.type };
  };

  app.get('/', { schema: { hide: true }, config: { role: 'public' } }, async (_request, reply) => {
    const file = (await send('index.html')) as { body: Buffer; type: string };
    return reply.type(file.type).send(file.body);
  });
  app.get('/dashboard/:file', { schema: { hide: true }, config: { role: 'public' } }, async (request, reply) => {
    const { file } = request.params as { file: string };
    const found = await send(file);
    if (found === undefined) return reply.callNotFound();
    return reply.type(found.type).header('cache-control', 'no-cache').send(found.body);
  });

  app.get('/v1/risk/nearest', { schema: nearestSchema, config: { role: 'operator' } }, async (request) => {
    const { limit } = request.query as { limit: number };
    const { host, views } = app.bailiff;
    return {
      seq: host.engine.seq,
      accounts: nearestLedgers(host.engine.state, limit).map((n) => ({
        account: n.account,
        ledger: n.ledger,
        marginRatio: n.marginRatioPpm === null ? null : formatDecimal(n.marginRatioPpm, 6),
        view: views.account(n.account) ?? null,
      })),
    };
  });
};
