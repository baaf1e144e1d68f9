// CSV replay: kline files for several symbols turned into one time-ordered stream of FeedQuotes, merged by
// publish time (ties broken by the order the sources were given, so a replay is deterministic).

import { basename } from 'node:path';
import { readKlineFile, symbolFromKlineFileName, type KlineMode } from './kline.js';
import { quoteWhere } from './guards.js';
import type { FeedIssue, FeedQuote, KlineQuote } from './types.js';

/** Sources merged at once; each holds one pending quote. */
export const MERGE_SOURCES_MAX = 1_000;

/**
 * Merges time-ordered async sources into one stream ordered by publishTimeMs; on equal times the earlier source
 * goes first. A quote older than the previous one from the same source would break the order: it is dropped with
 * an out_of_order issue.
 */
export async function* mergeByTime<Q extends FeedQuote>(
  sources: readonly AsyncIterable<Q>[],
  onIssue: (issue: FeedIssue) => void,
): AsyncGenerator<Q, void, undefined> {
  if (sources.length > MERGE_SOURCES_MAX) throw new RangeError(`mergeByTime: ${sources.length} sources exceed ${MERGE_SOURCES_MAX}`);
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: (Q | undefined)[] = [];
  const lastMs: number[] = [];
  const pull = async (k: number): Promise<void> => {
    const it = its[k];
    if (it === undefined) return;
    while (true) {
      const r = await it.next();
      if (r.done === true) {
        heads[k] = undefined;
        return;
      }
      const q = r.value;
      const prev = lastMs[k] ?? Number.NEGATIVE_INFINITY;
      if (q.publishTimeMs < prev) {
        onIssue({
          code: 'out_of_order',
          message: `replay: ${q.source} ${q.symbol} at ${q.publishTimeMs} is older than ${prev}`,
          symbol: q.symbol,
          atMs: q.publishTimeMs,
          ...quoteWhere(q),
        });
        continue;
      }
      lastMs[k] = q.publishTimeMs;
      heads[k] = q;
      return;
    }
  };
  try {
    await Promise.all(its.map((_, k) => pull(k)));
    while (true) {
      let best = -1;
      let bestMs = Number.POSITIVE_INFINITY;
      for (let k = 0; k < heads.length; k++) {
        const h = heads[k];
        if (h !== undefined && h.publishTimeMs < bestMs) {
          best = k;
          bestMs = h.publishTimeMs;
        }
      }
      const q = heads[best];
      if (q === undefined) return;
      yield q;
      await pull(best);
    }
  } finally {
    // Close every source still open (their file handles) when the consumer stops early.
    await Promise.all(its.map((it) => it.return?.()));
  }
}

export interface KlineReplayFile {
  readonly path: string;
  /** Defaults to the symbol in the dump file name ("ALGOUSDT-1m-2025-02.csv" -> "ALGOUSDT"). */
  readonly symbol?: string;
}

export interface KlineReplayOptions {
  readonly mode: KlineMode;
  /** Keep quotes with fromMs <= publishTimeMs < toMs. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Receives bad rows, bad headers and order violations. */
  readonly onIssue: (issue: FeedIssue) => void;
  readonly signal?: AbortSignal;
}

/**
 * Replays kline files as one stream of KlineQuotes ordered by time, e.g. the 2025-02-02 crash across ALGO, AVAX,
 * FIL and NEAR. Files are read line by line, so a month of four symbols never sits in memory.
 */
export function replayKlines(files: readonly KlineReplayFile[], opts: KlineReplayOptions): AsyncGenerator<KlineQuote, void, undefined> {
  const sources = files.map((f) => {
    const symbol = f.symbol ?? symbolFromKlineFileName(f.path) ?? basename(f.path);
    return readKlineFile(f.path, {
      symbol,
      source: basename(f.path),
      mode: opts.mode,
      onIssue: opts.onIssue,
      ...(opts.fromMs !== undefined ? { fromMs: opts.fromMs } : {}),
      ...(opts.toMs !== undefined ? { toMs: opts.toMs } : {}),
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
  });
  return mergeByTime(sources, opts.onIssue);
}

/** In-memory form of mergeByTime for arrays already parsed (same ordering rules, same issues). */
export function mergeArraysByTime<Q extends FeedQuote>(arrays: readonly (readonly Q[])[], onIssue: (issue: FeedIssue) => void): Q[] {
  const out: Q[] = [];
  const idx = arrays.map(() => 0);
  const lastMs = arrays.map(() => Number.NEGATIVE_INFINITY);
  while (true) {
    let best = -1;
    let bestMs = Number.POSITIVE_INFINITY;
    for (let k = 0; k < arrays.length; k++) {
      const list = arrays[k] ?? [];
      let i = idx[k] ?? 0;
      // Skip (and report) quotes that go back in time within their own source.
      while (i < list.length && (list[i]?.publishTimeMs ?? 0) < (lastMs[k] ?? 0)) {
        const q = list[i];
        if (q !== undefined) {
          onIssue({ code: 'out_of_order', message: `replay: ${q.source} ${q.symbol} at ${q.publishTimeMs} is older than ${lastMs[k]}`, symbol: q.symbol, atMs: q.publishTimeMs, ...quoteWhere(q) });
        }
        i++;
      }
      idx[k] = i;
      const h = list[i];
      if (h !== undefined && h.publishTimeMs < bestMs) {
        best = k;
        bestMs = h.publishTimeMs;
      }
    }
    if (best < 0) return out;
    const q = arrays[best]?.[idx[best] ?? 0];
    if (q === undefined) return out;
    out.push(q);
    lastMs[best] = q.publishTimeMs;
    idx[best] = (idx[best] ?? 0) + 1;
  }
}
