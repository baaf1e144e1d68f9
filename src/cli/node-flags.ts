// Node (V8) flags the engine's processes run with: `npm run bench` passes them to each benchmark's process and
// `npm start` to the service. They are deployment tuning, not correctness: without them everything runs the same,
// only with more garbage collection. The `bailiff` command sets the second itself (setRuntimeFlags); give the first to
// node yourself when running `bailiff` directly on a large world: NODE_OPTIONS=--max-semi-space-size=128 bailiff ...
// (NODE_OPTIONS does not take the second).
//
// Why a larger young generation: every tick allocates short-lived bigints and event objects. With V8's default
// semi-space (16 MB on 64-bit) a 1M-account walk scavenged 179 times in 20,000 ticks (1.2 s of GC); with 32 MB,
// 88 times (0.64 s) and the same RSS high-water; 128 MB grew RSS by ~1 GiB (docs/performance.md, 2026-12-03 night).
// 64 MB since 2026-12-05 (docs/performance.md, "2026-12-05, afternoon"): each scavenge copies what is still live, much
// the same however long since the last, so fewer of them cost less. The 1M walk: 68 -> 34 scavenges, GC 490-531 ->
// 349-408 ms, 0-20% more ticks/s in three pairs, RSS high-water 1.39 -> 1.44 GiB; the crash tick's scavenges halve
// (its GC 5-20% less); recovery a wash (~100 MB more RSS).
// 128 MB since 2026-12-07 (docs/performance.md, "2026-12-07, s66"): a 1M 5% crash tick allocates ~170 MB (~34 KB a
// liquidation), two to three scavenges at 64 MB, one or two at 128. Four alternating pairs of processes: the tick's
// median 472-552 against 515-632 ms; the walk's GC 160-200 against 205-250 ms and its ticks/s the same; recovery the
// same; RSS high-water +0.1 GiB (the swept walk 1.56-1.57 against 1.44 GiB). 256 MB was no faster than 128.
// A V8 flag: it must be given when the process starts (v8.setFlagsFromString later does not resize the heap).
//
// Why no allocation-site pretenuring: a world built or restored keeps nearly everything it allocates, so V8 marks some
// literal allocation sites "tenure" and from then on allocates their objects straight in the old generation. The
// same sites allocate short-lived objects on every tick after, which then pile up in the old generation until a full
// mark-compact of the whole heap (~0.3-0.5 s at 1M accounts): a 1M-record replay promoted ~2 MB per scavenge with it
// and ~0.3 MB without; scavenges took ~8 against ~2.5 ms. V8 kept such decisions in the tail (its
// --trace-pretenuring-statistics: "tenure => tenure" at a survival ratio of 0.50). Measured at 1M accounts, alternating runs (docs/performance.md,
// 2026-12-04 night): the walk 7,706 / 7,434 -> 8,447 / 8,567 ticks/s, its GC 333 / 188 -> 172 / 169 ms, RSS
// high-water 1.84 / 1.43 -> 1.42 / 1.41 GiB; the crash ticks unchanged or faster; recovery's replay without its
// mark-compacts.

import { setFlagsFromString } from 'node:v8';

/** The young generation's semi-space size, in MB. */
export const SEMI_SPACE_MB = 128;

/** V8 flags that also take effect when set once the process runs (v8.setFlagsFromString), before the work starts. */
const RUNTIME_FLAGS: readonly string[] = ['--no-allocation-site-pretenuring'];

/** The flags, as node's command line takes them. */
export const ENGINE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`, ...RUNTIME_FLAGS];

/**
 * Sets the flags that can still be set in a running process (the `bailiff` command does, first thing, so that
 * `bailiff ...` run without ENGINE_NODE_FLAGS gets them). Measured to take effect: the +-5 bp tail at 200k accounts grew
 * the old generation 43 B a tick with it set this way, 43 B on node's command line, 134 B without.
 */
export function setRuntimeFlags(): void {
  for (const flag of RUNTIME_FLAGS) setFlagsFromString(flag);
}
