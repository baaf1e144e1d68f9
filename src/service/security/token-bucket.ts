// Per-key token buckets: each key holds up to `burst` tokens, refilled continuously at `perSecond`; a request takes
// one. An empty bucket answers how long until the next token. A token bucket (not @fastify/rate-limit's fixed window,
// which lets twice the limit through across a window's edge) bounds every interval: at most burst + perSecond x t
// requests in any t seconds. State is one entry per key that has called, so it is bounded by the key store.

export interface RateLimit {
  /** Tokens added per second (the sustained rate). */
  readonly perSecond: number;
  /** The bucket's capacity (the largest burst). */
  readonly burst: number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

interface Bucket {
  tokens: number;
  atMs: number;
}

export function checkRateLimit(limit: RateLimit): void {
  if (!(limit.perSecond > 0) || !Number.isFinite(limit.perSecond)) throw new RangeError(`rate limit: perSecond must be positive, got ${limit.perSecond}`);
  if (!(limit.burst >= 1) || !Number.isFinite(limit.burst)) throw new RangeError(`rate limit: burst must be at least 1, got ${limit.burst}`);
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token from `key`'s bucket at `nowMs` (a new key starts full). */
  take(key: string, limit: RateLimit, nowMs: number): TakeResult {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, atMs: nowMs };
      this.buckets.set(key, bucket);
    }
    // A clock that steps back refills nothing (never a negative refill).
    const elapsedMs = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.perSecond) / 1000);
    bucket.atMs = Math.max(bucket.atMs, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / limit.perSecond) };
  }

  /** Forgets a key (revoked keys). */
  forget(key: string): void {
    this.buckets.delete(key);
  }
}
