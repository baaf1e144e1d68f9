// The replay cache: signatures accepted within the time window. A request is accepted only if its timestamp is
// within the window of the server's clock, so a signature needs remembering only until its timestamp leaves the
// window (timestamp + window); after that the window check refuses it on its own. Bounded: when full of signatures
// that have not expired, new requests are refused (fail closed) rather than forgetting one that could be replayed.

export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

export class ReplayCache {
  /** Signature -> the time (ms) after which the window refuses it anyway. Insertion order ~ arrival order. */
  private readonly expiresAtMs = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    readonly entriesMax: number,
  ) {
    if (!(windowMs > 0) || !(entriesMax > 0)) throw new RangeError('replay cache: window and size must be positive');
  }

  get size(): number {
    return this.expiresAtMs.size;
  }

  /** Remembers `signature` (timestamped `timestampMs`) unless it was seen within the window or the cache is full. */
  check(signature: string, timestampMs: number, nowMs: number): ReplayVerdict {
    this.sweepFront(nowMs);
    const seen = this.expiresAtMs.get(signature);
    if (seen !== undefined && seen > nowMs) return 'replayed';
    if (this.expiresAtMs.size >= this.entriesMax) {
      this.sweepAll(nowMs);
      if (this.expiresAtMs.size >= this.entriesMax) return 'full';
    }
    this.expiresAtMs.set(signature, timestampMs + this.windowMs);
    return 'fresh';
  }

  /** Drops expired entries from the front (the oldest arrivals) until one has not expired: O(1) amortised. */
  private sweepFront(nowMs: number): void {
    for (const [signature, expires] of this.expiresAtMs) {
      if (expires > nowMs) return;
      this.expiresAtMs.delete(signature);
    }
  }

  /** Drops every expired entry (timestamps arrive out of order within the window, so some may sit behind the front). */
  private sweepAll(nowMs: number): void {
    for (const [signature, expires] of this.expiresAtMs) if (expires <= nowMs) this.expiresAtMs.delete(signature);
  }
}
