// The WebSocket streams. Every message is one JSON object with a `type`:
// - public feed (/v1/stream): `snapshot` (the journal head, the insurance fund, every market's prices and oracle
//   state, the operator counts), then `event` messages (the tape's liquidation-related events, each with seq and
//   ordinal) in journal order. `?from=seq` resumes: the tape's events with seq > from, then live, with no gap and no
//   duplicate (catch-up and subscription happen in one turn of the event loop, between two commits). Filters:
//   kind, market, account (comma-separated lists; an event passes when it names one of them).
// - private account stream (/v1/accounts/{id}/stream): `snapshot` (the account view of GET /v1/accounts/{id}),
//   then `event` for each event naming the account and, after each commit that touched it, `account` (the view again).
// A client that does not keep up (more than STREAM_BUFFER_BYTES_MAX unsent) is closed with 1013: streams never hold
// up the risk path.

import type { WebSocket } from 'ws';
import type { EngineEvent } from '../core/engine/events.js';
import type { EngineHost, TapeItem } from './engine-host.js';
import { operatorView } from './operator.js';
import type { Views } from './views.js';

export const STREAM_BUFFER_BYTES_MAX = 4 * 1024 * 1024;
/** Rows a resume sends at most from the tape before going live (the tape's own bound is larger by default). */
export const RESUME_EVENTS_MAX = 100_000;

export interface StreamFilter {
  readonly kinds: ReadonlySet<string> | null;
  readonly markets: ReadonlySet<string> | null;
  readonly accounts: ReadonlySet<string> | null;
}

const list = (v: string | undefined): ReadonlySet<string> | null => (v === undefined || v === '' ? null : new Set(v.split(',').filter((x) => x !== '')));

export function parseFilter(q: { kind?: string; market?: string; account?: string }): StreamFilter {
  return { kinds: list(q.kind), markets: list(q.market), accounts: list(q.account) };
}

/** The accounts an event names: its account, the liquidated account of a reward or a deleveraging. */
export function accountsOf(e: EngineEvent): string[] {
  const out: string[] = [];
  if ('account' in e && typeof e.account === 'string') out.push(e.account);
  if ('liquidated' in e && typeof e.liquidated === 'string') out.push(e.liquidated);
  return out;
}

export function passes(f: StreamFilter, e: EngineEvent): boolean {
  if (f.kinds !== null && !f.kinds.has(e.kind)) return false;
  if (f.markets !== null && !('market' in e && typeof e.market === 'string' && f.markets.has(e.market))) return false;
  if (f.accounts !== null && !accountsOf(e).some((a) => f.accounts?.has(a))) return false;
  return true;
}

function send(socket: WebSocket, message: unknown): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > STREAM_BUFFER_BYTES_MAX) {
    socket.close(1013, 'slow consumer: too much unsent');
    return false;
  }
  socket.send(JSON.stringify(message));
  return true;
}

export function publicSnapshot(host: EngineHost, views: Views): Record<string, unknown> {
  const op = operatorView(host);
  const s = host.engine.state;
  return {
    type: 'snapshot',
    seq: host.engine.seq,
    timeMs: s.timeMs,
    insuranceFund: views.quote(s.insuranceFund),
    markets: views.markets(),
    liquidationBacklog: op.liquidationBacklog,
    deferredLiquidations: op.deferredLiquidations,
    tapeOldestSeq: host.tapeOldestSeq,
  };
}

/**
 * Serves the public feed on `socket`. `from`: resume after that seq (null: live from the snapshot on). Returns false
 * (and closes the socket with 4410) when the tape no longer holds every event after `from`.
 */
export function servePublicStream(socket: WebSocket, host: EngineHost, views: Views, filter: StreamFilter, from: number | null, onClose: () => void): void {
  if (from !== null && from < host.tapeEvictedUpToSeq) {
    send(socket, { type: 'error', error: { code: 'resume_too_old', message: `events after seq ${from} are no longer all on the tape (it holds seq ${host.tapeOldestSeq ?? 'none'} on)` } });
    socket.close(4410, 'resume_too_old');
    onClose();
    return;
  }
  send(socket, publicSnapshot(host, views));
  if (from !== null) {
    for (const r of host.tapeAfter({ seq: from, ordinal: Number.MAX_SAFE_INTEGER }, RESUME_EVENTS_MAX, (item: TapeItem) => passes(filter, item.event))) {
      send(socket, { type: 'event', seq: r.seq, ordinal: r.ordinal, event: views.tapeItem(r) });
    }
  }
  const listener = ({ entries }: { entries: readonly { events: readonly EngineEvent[] }[] }): void => {
    for (const entry of entries) {
      for (const e of entry.events) {
        if (!host.isTapeKind(e.kind) || !passes(filter, e)) continue;
        if (!send(socket, { type: 'event', seq: e.seq, ordinal: e.ordinal, event: views.event(e) })) return;
      }
    }
  };
  host.bus.on('commit', listener);
  socket.on('close', () => {
    host.bus.off('commit', listener);
    onClose();
  });
}

/** Serves one account's private stream on `socket`. */
export function serveAccountStream(socket: WebSocket, host: EngineHost, views: Views, account: string, onClose: () => void): void {
  send(socket, { type: 'snapshot', seq: host.engine.seq, account: views.account(account) ?? null });
  const listener = ({ entries }: { entries: readonly { events: readonly EngineEvent[] }[] }): void => {
    let touched = false;
    for (const entry of entries) {
      for (const e of entry.events) {
        if (!accountsOf(e).includes(account)) continue;
        touched = true;
        if (!send(socket, { type: 'event', seq: e.seq, ordinal: e.ordinal, event: views.event(e) })) return;
      }
    }
    if (touched) send(socket, { type: 'account', seq: host.engine.seq, account: views.account(account) ?? null });
  };
  host.bus.on('commit', listener);
  socket.on('close', () => {
    host.bus.off('commit', listener);
    onClose();
  });
}
