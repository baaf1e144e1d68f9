// The service (issue 17): fastify 5 over one EngineHost. Routes validate their input with JSON schemas (wire commands
// with the wire decoder, src/wire/decode.ts), answer every refusal with a stable code and one HTTP status
// (errors.ts), and declare what they need in `config: { role, account? }` for the security plugin
// (src/service/security/, registered when `options.security` is given). Logs are pino's (fastify's logger).
// docs/service.md describes the routes, their fields and units, the streams and how to run it.

import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync, type FastifyPluginCallback, type FastifyServerOptions } from 'fastify';
import { performance } from 'node:perf_hooks';
import { codeNumber } from '../core/codes.js';
import type { RecoveryProgress } from '../journal/durable.js';
import type { Durability, JournalStore } from '../journal/store.js';
import type { JournalEntry, JournalGenesis } from '../journal/types.js';
import { isJsonObject, jsonKind } from '../verify/json.js';
import { decimalAtoms, WireError } from '../wire/decode.js';
import { parseStrictJson } from '../wire/strict-json.js';
import { dashboardPlugin } from './dashboard/plugin.js';
import { EngineHost, type EngineHostOptions, type StandbyOutcome } from './engine-host.js';
import { HTTP_STATUS, ServiceError, serviceErrorBody, type ServiceCode } from './errors.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { operatorView } from './operator.js';
import './route-config.js';
import {
  accountSchema,
  explainSchema,
  healthSchema,
  idParams,
  liquidationsSchema,
  marketSchema,
  marketsSchema,
  postCommandsSchema,
  POST_COMMANDS_MAX,
  readySchema,
  streamQuerySchema,
  whyNotSchema,
} from './schemas.js';
import { parseFilter, passes, serveAccountStream, servePublicStream } from './streams.js';
import { Views } from './views.js';
// lending markets (issue 18)
import { cometKeeperSchema, lendingKeeperSchema, morphoKeeperSchema } from './schemas.js';
import { cometKeeperAnswer, lendingKeeperAnswer, morphoKeeperAnswer } from './lending-view.js';
import { LENDING_BASE_DECIMALS } from '../core/engine/lending.js';

/** The security plugin and its options (src/service/security: `securityPlugin`, `{ keys, ... }`). */
export interface SecurityRegistration {
  // The plugin's own option type is the security module's business; the server only hands it over.
  readonly plugin: FastifyPluginAsync<never> | FastifyPluginCallback<never>;
  readonly options: Record<string, unknown>;
}

export interface ServiceOptions {
  /** The journal's directory (journal.db inside); default ./data. */
  readonly dataDir?: string;
  /** Record 0 of a new journal (settlement, rulebook); ignored when the journal exists. */
  readonly genesis?: JournalGenesis;
  readonly durability?: Durability;
  readonly snapshotEvery?: number;
  /** The largest request body accepted, bytes (default 1 MiB); larger: 413 body_too_large. */
  readonly bodyLimitBytes?: number;
  /** pino options, or false for no logs (tests). Default: info level to stdout. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly security?: SecurityRegistration;
  readonly tapeEventsMax?: number;
  readonly queueCommandsMax?: number;
  /** Told where the journal's recovery is while the service opens it (DurableOptions.onProgress). */
  readonly onRecoveryProgress?: (progress: RecoveryProgress) => void;
  /** A hot standby of a journal another process writes (EngineHostOptions.standby): reads served, commands refused (503) until it takes over. */
  readonly standby?: EngineHostOptions['standby'];
  /** Told how the standby ended (EngineHostOptions.onStandby). */
  readonly onStandby?: (outcome: StandbyOutcome) => void;
  /** The journal's store, already open (EngineHostOptions.store: a writer reconciled with its JetStream stream). */
  readonly store?: JournalStore;
  /** Commands only once a committer is given (EngineHostOptions.replicated; EngineHost.replicate). */
  readonly replicated?: boolean;
  /** Told when a commit fails (EngineHostOptions.onCommitFailed). */
  readonly onCommitFailed?: (error: unknown) => void;
  /** Replicated batches in flight at once (EngineHostOptions.batchesInFlightMax). */
  readonly batchesInFlightMax?: number;
}

export const BODY_LIMIT_BYTES_DEFAULT = 1024 * 1024;
/** Open WebSocket streams at most (each is a listener on the host's bus); more: 503 unavailable before the upgrade. */
export const STREAM_CLIENTS_MAX = 1_000;

/** What the server shares with the CLI and tests: the host (engine, journal, queue) and the metrics. */
export interface ServiceContext {
  readonly host: EngineHost;
  readonly views: Views;
  readonly metrics: ServiceMetrics;
  /** Every route with what it declared for the security plugin (tests check that none lacks a role). */
  readonly routes: readonly { readonly method: string; readonly url: string; readonly role: unknown; readonly account: unknown }[];
}

declare module 'fastify' {
  interface FastifyInstance {
    bailiff: ServiceContext;
  }
}

function errorReply(code: ServiceCode, message: string): { status: number; body: ReturnType<typeof serviceErrorBody> } {
  return { status: HTTP_STATUS[code], body: serviceErrorBody(code, message) };
}

/**
 * A body of POST /v1/commands that is neither a command nor an array of 1 to POST_COMMANDS_MAX commands, said as such:
 * the schema's oneOf (an object, or an array of 1 to 1,000) would report its first branch's "must be object" for an
 * empty or long array, a number, or an array holding something other than a command.
 */
function refuseBodyShape(body: unknown): void {
  const either = `give one command (a JSON object) or an array of 1 to ${POST_COMMANDS_MAX.toLocaleString('en-US')}`;
  if (!Array.isArray(body)) {
    if (!isJsonObject(body)) throw new ServiceError('invalid_request', `body: ${jsonKind(body)}: ${either}`);
    return;
  }
  if (body.length === 0) throw new ServiceError('invalid_request', `body: an empty array: ${either}`);
  if (body.length > POST_COMMANDS_MAX) throw new ServiceError('invalid_request', `body: at most ${POST_COMMANDS_MAX.toLocaleString('en-US')} commands, got ${body.length}`);
  const i = body.findIndex((c) => !isJsonObject(c));
  if (i >= 0) throw new ServiceError('invalid_request', `body/${i}: ${jsonKind(body[i])}, not a command (a JSON object)`);
}

/** A fastify error (validation, body parsing, limits) as our code and status. */
function fromFastifyError(e: FastifyError): { status: number; body: unknown } | null {
  if (e.validation !== undefined) {
    const first = e.validation[0];
    const where = `${e.validationContext ?? 'request'}${first?.instancePath ?? ''}`;
    const extra = first?.params !== undefined && 'additionalProperty' in first.params ? ` (${String(first.params['additionalProperty'])})` : '';
    return errorReply('invalid_request', `${where}: ${first?.message ?? 'invalid'}${extra}`);
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return errorReply('body_too_large', e.message);
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return errorReply('unsupported_media_type', 'the body must be application/json');
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return errorReply('invalid_request', e.message);
  return null;
}

export async function buildServer(options: ServiceOptions = {}): Promise<FastifyInstance> {
  const startedMs = performance.now();
  const bodyLimit = options.bodyLimitBytes ?? BODY_LIMIT_BYTES_DEFAULT;
  const host = EngineHost.open({
    dataDir: options.dataDir ?? './data',
    ...(options.genesis === undefined ? {} : { genesis: options.genesis }),
    ...(options.durability === undefined ? {} : { durability: options.durability }),
    ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
    ...(options.tapeEventsMax === undefined ? {} : { tapeEventsMax: options.tapeEventsMax }),
    ...(options.queueCommandsMax === undefined ? {} : { queueCommandsMax: options.queueCommandsMax }),
    ...(options.onRecoveryProgress === undefined ? {} : { onRecoveryProgress: options.onRecoveryProgress }),
    ...(options.standby === undefined ? {} : { standby: options.standby }),
    ...(options.onStandby === undefined ? {} : { onStandby: options.onStandby }),
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.replicated === undefined ? {} : { replicated: options.replicated }),
    ...(options.onCommitFailed === undefined ? {} : { onCommitFailed: options.onCommitFailed }),
    ...(options.batchesInFlightMax === undefined ? {} : { batchesInFlightMax: options.batchesInFlightMax }),
  });
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit,
    return503OnClosing: true,
    // Unknown fields are refused, not silently dropped (ajv's removeAdditional would strip them).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  const views = new Views(host.engine, host.units);
  const metrics = createMetrics(host);
  const counted = host.observer.onSnapshot;
  host.observer.onSnapshot = (r) => {
    counted?.(r);
    const figures = { seq: r.seq, captureMs: Math.round(r.captureMs), workMs: Math.round(r.workMs), slices: r.slices, elapsedMs: Math.round(r.elapsedMs) };
    if (r.error === undefined) app.log.info({ snapshot: { ...figures, stateRoot: r.info?.stateRoot } }, 'snapshot written');
    else app.log.error({ snapshot: { ...figures, failedIn: r.failedIn }, err: r.error }, 'snapshot not written (the journal holds every record: nothing is lost)');
  };
  const routes: { method: string; url: string; role: unknown; account: unknown }[] = [];
  app.addHook('onRoute', (r) => {
    const config = r.config as { role?: unknown; account?: unknown } | undefined;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, role: config?.role, account: config?.account });
  });
  app.decorate('bailiff', { host, views, metrics, routes });
  app.addHook('onClose', async () => {
    await host.close();
  });
  // A read waits for the replicated batches in flight (EngineHost.settled): the engine has applied them, and its stream
  // may never hold them if this writer was fenced. After a failed commit reads are refused (503), /metrics excepted,
  // also a read that was waiting for the batch that failed.
  app.addHook('preHandler', async (request) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url === '/metrics') return;
    const settled = host.settled();
    if (settled !== null) await settled;
  });

  // Responses are plain JSON.stringify: the response schemas document (OpenAPI), they do not filter fields.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  // JSON bodies as the wire reads them everywhere: a key given twice, or __proto__ / constructor, is refused.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseStrictJson(body as string));
    } catch (e) {
      const message = e instanceof WireError ? e.message : e instanceof Error ? `not JSON: ${e.message}` : 'not JSON';
      done(new ServiceError('invalid_request', `body: ${message}`), undefined);
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let answer: { status: number; body: unknown };
    if (error instanceof ServiceError) answer = errorReply(error.code, error.message);
    else if (error instanceof WireError) {
      answer = { status: 400, body: { error: { code: error.code, number: codeNumber('wire_error', error.code), message: error.message, path: error.path } } };
    } else {
      const known = fromFastifyError(error);
      if (known === null) {
        request.log.error({ err: error }, 'internal error');
        answer = { status: 500, body: { error: { code: 'internal', number: 0, message: 'internal error (logged)' } } };
      } else answer = known;
    }
    const code = (answer.body as { error: { code: string } }).error.code;
    metrics.httpRejections.inc({ code });
    void reply.status(answer.status).send(answer.body);
  });
  app.setNotFoundHandler((request, reply) => {
    metrics.httpRejections.inc({ code: 'route_not_found' });
    const r = errorReply('route_not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    void reply.status(r.status).send(r.body);
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Bailiff',
        version: '1',
        description:
          'Liquidation threshold enforcement engine. Amounts are decimal strings in the unit each field names: quote (the settlement asset), ' +
          "price (quote per base unit, the market's price decimals), size (base units); ratios are fractions. Errors: { error: { code, number, message } }, codes in docs/codes.md.",
      },
    },
  });
  if (options.security !== undefined) await app.register(options.security.plugin as FastifyPluginAsync, options.security.options);
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await app.register(dashboardPlugin); // the page at /, its assets, /v1/risk/nearest (src/service/dashboard)

  const notFound = (what: string): ServiceError => new ServiceError('not_found', what);
  host.bus.setMaxListeners(STREAM_CLIENTS_MAX + 10);
  let streams = 0;
  const streamSlot = async (): Promise<void> => {
    if (streams >= STREAM_CLIENTS_MAX) throw new ServiceError('unavailable', `${streams} streams are open (max ${STREAM_CLIENTS_MAX})`);
  };

  app.post('/v1/commands', { schema: postCommandsSchema, config: { role: 'trade', account: 'body.account' }, preValidation: async (request) => refuseBodyShape(request.body) }, async (request) => {
    const body = request.body as unknown;
    const many = Array.isArray(body);
    const raws: readonly unknown[] = many ? body : [body];
    const commands = host.decode(raws, (i) => (many ? `[${i}]` : ''));
    const entries = await host.submit(commands);
    const result = (e: JournalEntry): Record<string, unknown> => {
      const first = e.events[0];
      const rejected = e.events.length === 1 && first?.kind === 'CommandRejected' ? { rejected: { code: first.reason, field: first.field, message: first.message } } : {};
      return { seq: e.seq, command: e.command.kind, events: e.events.map((ev) => views.event(ev)), ...rejected };
    };
    const last = entries[entries.length - 1] as JournalEntry;
    return many ? { seq: last.seq, results: entries.map(result) } : result(last);
  });

  app.get('/v1/markets', { schema: marketsSchema, config: { role: 'public' } }, async () => ({ seq: host.engine.seq, markets: views.markets() }));
  app.get('/v1/markets/:id', { schema: marketSchema, config: { role: 'public' } }, async (request) => {
    const { id } = request.params as { id: string };
    const m = host.engine.market(id);
    if (m === undefined) throw notFound(`no market ${id}`);
    return views.market(m);
  });

  app.get('/v1/accounts/:id', { schema: accountSchema, config: { role: 'read', account: 'params.id' } }, async (request) => {
    const { id } = request.params as { id: string };
    const view = views.account(id);
    if (view === undefined) throw notFound(`no account ${id}`);
    return view;
  });

  app.get('/v1/accounts/:id/why-not', { schema: whyNotSchema, config: { role: 'read', account: 'params.id' } }, async (request) => {
    const { id } = request.params as { id: string };
    const view = views.whyNot(id);
    if (view === undefined) throw notFound(`no account ${id}`);
    return view;
  });

  app.get('/v1/liquidations', { schema: liquidationsSchema, config: { role: 'public' } }, async (request) => {
    const q = request.query as { after?: string; limit: number; kind?: string; market?: string; account?: string };
    const [seq, ordinal] = (q.after ?? '0').split('-');
    const after = { seq: Number(seq), ordinal: ordinal === undefined ? Number.MAX_SAFE_INTEGER : Number(ordinal) };
    const filter = parseFilter(q);
    const rows = host.tapeAfter(after, q.limit, (r) => passes(filter, r.event));
    const last = rows[rows.length - 1];
    return {
      events: rows.map((r) => views.tapeItem(r)),
      next: last === undefined ? (q.after ?? null) : `${last.seq}-${last.ordinal}`,
      oldestSeq: host.tapeOldestSeq,
    };
  });

  app.get('/v1/liquidations/:id/explain', { schema: explainSchema, config: { role: 'read' } }, async (request) => {
    const { id } = request.params as { id: string };
    const found = await host.liquidationFacts(id);
    if (found === undefined) throw notFound(`no liquidation ${id} on the tape (ids are seq-ordinal of a LiquidationStarted)`);
    return views.explanation(id, found.facts, found.replayFromSeq);
  });

  // lending markets (issue 18): the keeper view
  app.get('/v1/lending/:market/keeper', { schema: lendingKeeperSchema, config: { role: 'read' } }, async (request) => {
    const { market } = request.params as { market: string };
    const { gasCost } = request.query as { gasCost: string };
    const view = lendingKeeperAnswer(host.engine, market, decimalAtoms(gasCost, LENDING_BASE_DECIMALS, 'gasCost'));
    if (view === undefined) throw notFound(`no lending market ${market}`);
    return view;
  });
  // Morpho Blue's keeper view (issue 18)
  app.get('/v1/morpho/:market/keeper', { schema: morphoKeeperSchema, config: { role: 'read' } }, async (request) => {
    const { market } = request.params as { market: string };
    const { gasCost } = request.query as { gasCost: string };
    const view = morphoKeeperAnswer(host.engine, market, BigInt(gasCost));
    if (view === undefined) throw notFound(`no Morpho market ${market}`);
    return view;
  });
  // Compound v3's keeper view (issue 18): gas in USD like the store front's profit
  app.get('/v1/comet/:market/keeper', { schema: cometKeeperSchema, config: { role: 'read' } }, async (request) => {
    const { market } = request.params as { market: string };
    const { gasCost } = request.query as { gasCost: string };
    const view = cometKeeperAnswer(host.engine, market, decimalAtoms(gasCost, LENDING_BASE_DECIMALS, 'gasCost'));
    if (view === undefined) throw notFound(`no Compound v3 market ${market}`);
    return view;
  });

  app.get('/health', { schema: healthSchema, config: { role: 'public' } }, async () => ({ status: 'ok', seq: host.engine.seq, uptimeS: (performance.now() - startedMs) / 1000 }));
  app.get('/ready', { schema: readySchema, config: { role: 'public' } }, async (_request, reply) => {
    const view = operatorView(host);
    return reply.status(view.ready ? 200 : 503).send(view);
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', hide: false }, config: { role: 'operator' } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).serializer((x: unknown) => String(x)).send(text);
  });
  app.get('/openapi.json', { schema: { hide: true }, config: { role: 'public' } }, async () => app.swagger());

  app.get('/v1/stream', { websocket: true, schema: { querystring: streamQuerySchema }, config: { role: 'public' }, preHandler: streamSlot }, (socket, request) => {
    const q = request.query as { from?: string; kind?: string; market?: string; account?: string };
    streams++;
    metrics.streamClients.inc({ stream: 'public' });
    servePublicStream(socket, host, views, parseFilter(q), q.from === undefined ? null : Number(q.from), () => {
      streams--;
      metrics.streamClients.dec({ stream: 'public' });
    });
  });
  app.get(
    '/v1/accounts/:id/stream',
    {
      websocket: true,
      schema: { params: idParams },
      config: { role: 'read', account: 'params.id' },
      // Before the upgrade: an unknown account answers 404 like GET /v1/accounts/{id}.
      preHandler: async (request) => {
        await streamSlot();
        const { id } = request.params as { id: string };
        if (host.engine.account(id) === undefined) throw notFound(`no account ${id}`);
      },
    },
    (socket, request) => {
      const { id } = request.params as { id: string };
      streams++;
      metrics.streamClients.inc({ stream: 'account' });
      serveAccountStream(socket, host, views, id, () => {
        streams--;
        metrics.streamClients.dec({ stream: 'account' });
      });
    },
  );

  await app.register((await import('./admin.js')).adminRoutes, { host }); // svc-sec: GET /v1/admin/changes, POST .../confirm, .../cancel
  await app.ready();
  return app;
}
