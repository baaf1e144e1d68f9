// Progress for long work, on stderr, drawn by cli-progress: only when stderr is a terminal (never in a pipe, a file
// or a test), and only once the work has run for a couple of seconds, so quick runs print nothing extra.

import cliProgress from 'cli-progress';
import type { RecoveryProgress } from '../journal/durable.js';

/** Work shorter than this shows no bar at all. */
export const PROGRESS_DELAY_MS = 2_000;

export interface Progress {
  /** `done` of the total are finished. Cheap enough to call on every step. */
  update(done: number): void;
  /** The total changed (work found to be larger or smaller as it went). */
  setTotal(total: number): void;
  /** Removes the bar (if one was drawn). */
  stop(): void;
}

export interface ProgressOptions {
  /** What is being counted, e.g. "applying commands". */
  readonly label: string;
  readonly total: number;
  /** Where the bar is drawn: a terminal stream, or undefined for no bar. */
  readonly stream: NodeJS.WritableStream | undefined;
  readonly delayMs?: number;
  /** Clock (ms); tests pass their own. */
  readonly now?: () => number;
  /** When the work began, on that clock (default: now); the delay counts from here. */
  readonly startedAtMs?: number;
  /** false: one step with nothing to count (the label alone is drawn, no bar, no count, no ETA). Default true. */
  readonly counted?: boolean;
}

const NO_PROGRESS: Progress = { update: () => {}, setTotal: () => {}, stop: () => {} };

export function startProgress(o: ProgressOptions): Progress {
  const stream = o.stream;
  if (stream === undefined) return NO_PROGRESS;
  const now = o.now ?? Date.now;
  const startedMs = o.startedAtMs ?? now();
  const delayMs = o.delayMs ?? PROGRESS_DELAY_MS;
  let total = o.total;
  let bar: cliProgress.SingleBar | undefined;
  let calls = 0;
  return {
    setTotal(t) {
      total = t;
      bar?.setTotal(t);
    },
    update(done) {
      if (bar !== undefined) {
        bar.update(done);
        return;
      }
      // Read the clock on every 256th call only: a replay calls this once per command.
      if ((calls++ & 255) !== 0 || total <= 0 || now() - startedMs < delayMs) return;
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: o.counted === false ? `${o.label}...` : `${o.label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 100,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

const RECOVERY_LABELS: Record<RecoveryProgress['phase'], string> = {
  snapshot: 'recovery: reading and checking the snapshot',
  accounts: 'recovery: restoring accounts',
  indexes: 'recovery: building the breach and margin-call indexes',
  replay: 'recovery: replaying the journal after the snapshot',
};

/**
 * A bar per phase of a journal's recovery (DurableOptions.onProgress) on a terminal, once recovery has run for the
 * delay (counted from this call, so a quick recovery draws nothing). Without a terminal, `log` (when given) gets one
 * line per phase that starts after the delay (a service's log, a pipe). `tell` is the onProgress callback.
 */
export function startRecoveryProgress(
  stream: NodeJS.WritableStream | undefined,
  o: { readonly now?: () => number; readonly delayMs?: number; readonly log?: (line: string) => void } = {},
): {
  tell(progress: RecoveryProgress): void;
  stop(): void;
} {
  const now = o.now ?? Date.now;
  const startedAtMs = now();
  const delayMs = o.delayMs ?? PROGRESS_DELAY_MS;
  let phase: RecoveryProgress['phase'] | null = null;
  let bar: Progress = NO_PROGRESS;
  return {
    tell(p) {
      if (p.phase !== phase) {
        bar.stop();
        phase = p.phase;
        const counted = p.phase === 'accounts' || p.phase === 'replay';
        if (stream === undefined && o.log !== undefined && now() - startedAtMs >= delayMs) {
          const count = counted ? `${p.total.toLocaleString('en')} ${p.phase === 'accounts' ? 'accounts' : 'records'}, ` : '';
          o.log(`${RECOVERY_LABELS[p.phase]} (${count}${((now() - startedAtMs) / 1000).toFixed(1)} s in)`);
        }
        bar = startProgress({ label: RECOVERY_LABELS[p.phase], total: p.total, stream, now, startedAtMs, counted, ...(o.delayMs === undefined ? {} : { delayMs: o.delayMs }) });
      }
      bar.update(p.done);
    },
    stop() {
      bar.stop();
      bar = NO_PROGRESS;
    },
  };
}
