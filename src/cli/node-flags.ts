// Node (V8) flags the engine's processes run with: `npm run bench` passes them to each benchmark's process and
// `npm start` to the service. They are deployment tuning, not correctness: without them everything runs the same,
// only with more garbage collection. Give them to node yourself when running `bailiff` directly on a large world, e.g.
//   node --max-semi-space-size=32 --no-allocation-site-pretenuring dist/src/cli/main.js serve ...
// (NODE_OPTIONS takes the first, not the second).
//
// Why a larger young generation: every tick allocates short-lived bigints and event objects. With V8's default
// semi-space (16 MB on 64-bit) a 1M-account walk scavenged 179 times in 20,000 ticks (1.2 s of GC); with 32 MB,
// 88 times (0.64 s) and the same RSS high-water; 128 MB grew RSS by ~1 GiB (docs/performance.md, 2026-12-03 night).
// A V8 flag: it must be given when the process starts (v8.setFlagsFromString later does not resize the heap).
//
// Why no allocation-site pretenuring: a world built or restored keeps nearly everything it allocates, so V8 marks some
// literal allocation sites "tenure" and from then on allocates their objects straight in the old generation. The
// same sites allocate short-lived objects on every tick after, which then pile up in the old generation until a full
// mark-compact of the whole heap (~0.3-0.5 s at 1M accounts): a 1M-record replay promoted ~2 MB per scavenge with it
// and ~0.3 MB without; scavenges took ~8 against ~2.5 ms. V8 never reverses a "tenure" decision for such sites (their
// objects carry no allocation mementos any more). Measured at 1M accounts, alternating runs (docs/performance.md,
// 2026-12-04 night): the walk 7,706 / 7,434 -> 8,447 / 8,567 ticks/s, its GC 333 / 188 -> 172 / 169 ms, RSS
// high-water 1.84 / 1.43 -> 1.42 / 1.41 GiB; the crash ticks unchanged or faster; recovery's replay without its
// mark-compacts.

/** The young generation's semi-space size, in MB. */
export const SEMI_SPACE_MB = 32;

/** The flags, as node's command line takes them. */
export const ENGINE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`, '--no-allocation-site-pretenuring'];
