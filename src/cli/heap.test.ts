import { describe, expect, it } from 'vitest';
import { collectAndSettle, describeSettled, fullCollection, SETTLE_AFTER_RECOVERY_MS } from './heap.js';
import { settleAfterRecovery } from './ingest.js';

/** A WeakRef to an object nothing else holds, made in a job of its own (a target is kept until its job ends). */
async function droppedTarget(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: new Array(1_000).fill(1) });
  await new Promise((resolve) => setTimeout(resolve, 0));
  return ref;
}

describe('heap (the full collection after recovery)', () => {
  it('has a full collection without --expose-gc, and it collects what nothing holds', async () => {
    const gc = fullCollection();
    expect(gc).not.toBeNull();
    const ref = await droppedTarget();
    gc?.();
    expect(ref.deref()).toBeUndefined();
  });

  it('collects, then waits for the sweeping within its limit', async () => {
    const ref = await droppedTarget();
    const h = await collectAndSettle(2_000);
    expect(h.collected).toBe(true);
    expect(ref.deref()).toBeUndefined();
    expect(h.collectMs).toBeGreaterThanOrEqual(0);
    // The wait ends at two quiet windows, or at the limit (a busy test machine), never far past it.
    expect(h.waitedMs).toBeLessThan(2_000 + 500);
    expect(describeSettled(h)).toMatch(/^its garbage collected in \d+\.\d s \(\+\d+\.\d s for the sweeping(, not finished)?\) before the first command$/);
  });

  it('collects without waiting when given no time to wait', async () => {
    const ref = await droppedTarget();
    const h = await collectAndSettle(0);
    expect(ref.deref()).toBeUndefined();
    expect(h).toMatchObject({ collected: true, waited: false, quiet: false });
    expect(describeSettled(h)).toMatch(/^its garbage collected in \d+\.\d s before the first command$/);
    expect(await settleAfterRecovery({ created: false, timings: { restoreMs: 5_000, replayMs: 0 } }, 0)).toMatch(/^; its garbage collected in \d+\.\d s before the first command$/);
  });

  it('runs after a recovery of a second or more only', async () => {
    const timings = (ms: number) => ({ restoreMs: ms / 2, replayMs: ms / 2 });
    expect(await settleAfterRecovery({ created: true, timings: timings(60_000) })).toBe('');
    expect(await settleAfterRecovery({ created: false, timings: timings(SETTLE_AFTER_RECOVERY_MS - 1) })).toBe('');
    expect(await settleAfterRecovery({ created: false, timings: timings(SETTLE_AFTER_RECOVERY_MS) })).toMatch(/^; its garbage collected in /);
  });

  it('says so when no collection was available', () => {
    expect(describeSettled({ collected: false, collectMs: 0, waitedMs: 0, quiet: false, waited: false })).toBe('its garbage left to V8 (no full collection available)');
  });
});
