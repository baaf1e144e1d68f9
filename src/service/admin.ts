// Admin routes for parameter changes (issue 17, operator view). The engine previews every change of something listed
// (how many ledgers it would put into breach, their notional) and holds those above the rulebook's threshold pending
// (src/core/engine/changes.ts); here an admin lists them and confirms or cancels one. The confirmation goes through
// the host's one command queue like any command, so it is journaled before the answer, with the signing key's id as
// its actor (ParameterChangeConfirmed / Cancelled carry it). Every route needs the role admin.
//
//   GET  /v1/admin/changes               pending changes with their previews
//   POST /v1/admin/changes/{id}/confirm  confirm_change: 200 {seq, change, events}; 404 change_unknown; 409 another refusal
//   POST /v1/admin/changes/{id}/cancel   cancel_change: the same answers

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { codeNumber } from '../core/codes.js';
import type { CancelChange, Command, ConfirmChange } from '../core/engine/commands.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { PendingChange } from '../core/engine/guard-state.js';
import { formatDecimal } from '../core/units/index.js';
import type { JournalEntry } from '../journal/types.js';
import type { UnitLookup } from '../wire/decode.js';
import { encodeEvent } from '../wire/encode.js';

/** What the admin routes need of the engine host (src/service/engine-host.ts: EngineHost has all of it). */
export interface AdminHost {
  readonly engine: {
    readonly seq: number;
    readonly state: { readonly timeMs: number; readonly quoteDecimals: number; readonly guards: { readonly pending: ReadonlyMap<number, PendingChange> } };
  };
  readonly units: UnitLookup;
  /** Through the one command queue: resolves after the commands are journaled. */
  submit(commands: readonly Command[]): Promise<readonly JournalEntry[]>;
}

export interface AdminOptions {
  readonly host: AdminHost;
}

const QUOTE = 'decimal string, quote units (the settlement asset)';
const changeSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer', description: 'the change number (ParameterChangePreviewed.change)' },
    command: { type: 'string', enum: ['set_market', 'set_asset', 'set_rulebook'] },
    target: { type: 'string', description: 'the market, asset or rulebook it changes' },
    proposedMs: { type: 'integer', description: 'engine time of the proposal, ms since the epoch' },
    ledgers: { type: 'integer', description: 'ledgers the change would put into breach (the preview)' },
    notional: { type: 'string', description: `their notional, ${QUOTE}` },
  },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } as const;
const decisionSchema = (what: string) =>
  ({
    summary: `${what} a pending parameter change (role admin; journaled with the key id as actor)`,
    tags: ['admin'],
    params: idParams,
    response: {
      200: { type: 'object', properties: { seq: { type: 'integer' }, change: { type: 'integer' }, events: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
    },
  }) as const;

/** A pending change as the API shows it. */
export function changeView(c: PendingChange, quoteDecimals: number): Record<string, unknown> {
  return { id: c.id, command: c.command.kind, target: targetOf(c), proposedMs: c.proposedMs, ledgers: c.ledgers, notional: formatDecimal(c.notional, quoteDecimals) };
}

function targetOf(c: PendingChange): string {
  const cmd = c.command;
  return cmd.kind === 'set_market' ? cmd.market.id : cmd.kind === 'set_asset' ? cmd.asset.id : cmd.rulebook.name;
}

const rejectionBody = (code: 'change_unknown' | string, message: string): { error: { code: string; number: number; message: string } } => ({
  error: { code, number: codeNumber('rejection', code as 'change_unknown'), message },
});

export const adminRoutes: FastifyPluginAsync<AdminOptions> = async (app, { host }) => {
  app.get(
    '/v1/admin/changes',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Parameter changes held pending, with their previews (role admin)',
        tags: ['admin'],
        response: { 200: { type: 'object', properties: { seq: { type: 'integer' }, changes: { type: 'array', items: changeSchema } } } },
      },
    },
    async () => ({
      seq: host.engine.seq,
      changes: [...host.engine.state.guards.pending.values()].map((c) => changeView(c, host.engine.state.quoteDecimals)),
    }),
  );

  const decide = (kind: 'confirm_change' | 'cancel_change') => async (request: FastifyRequest, reply: FastifyReply) => {
    const change = (request.params as { id: number }).id;
    // Known to be pending now: an unknown number is answered without journaling a refusal.
    if (!host.engine.state.guards.pending.has(change)) return reply.code(404).send(rejectionBody('change_unknown', `no parameter change ${change} waits for confirmation`));
    const actor = request.apiKey?.id;
    // At the engine's time: the service does not move the engine's clock (its commands carry the venue's time).
    const command: ConfirmChange | CancelChange = { kind, tsMs: host.engine.state.timeMs, change, ...(actor === undefined || actor === null ? {} : { actor }) };
    const [entry] = await host.submit([command]);
    if (entry === undefined) throw new Error('admin: the host journaled nothing for one command');
    const first: EngineEvent | undefined = entry.events[0];
    if (first?.kind === 'CommandRejected') {
      // Decided by someone else in between (change_unknown), or refused on its re-check (the world moved).
      return reply.code(first.reason === 'change_unknown' ? 404 : 409).send({ ...rejectionBody(first.reason, first.message), seq: entry.seq });
    }
    return { seq: entry.seq, change, events: entry.events.map((e) => encodeEvent(e, host.units)) };
  };
  app.post('/v1/admin/changes/:id/confirm', { config: { role: 'admin' }, schema: decisionSchema('Confirm') }, decide('confirm_change'));
  app.post('/v1/admin/changes/:id/cancel', { config: { role: 'admin' }, schema: decisionSchema('Cancel') }, decide('cancel_change'));
};
