// Node (V8) flags the engine's processes run with: `npm run bench` passes them to each benchmark's process and
// `npm start` to the service. They are deployment tuning, not correctness: without them everything runs the same,
// only with more garbage collection. Set them yourself when running `bailiff` directly on a large world, e.g.
//   NODE_OPTIONS=--max-semi-space-size=32 bailiff serve ...
//
// Why a larger young generation: every tick allocates short-lived bigints and event objects. With V8's default
// semi-space (16 MB on 64-bit) a 1M-account walk scavenged 179 times in 20,000 ticks (1.2 s of GC); with 32 MB,
// 88 times (0.64 s) and the same RSS high-water; 128 MB grew RSS by ~1 GiB (docs/performance.md, 2026-12-03 night).
// A V8 flag: it must be given when the process starts (v8.setFlagsFromString later does not resize the heap).

/** The young generation's semi-space size, in MB. */
export const SEMI_SPACE_MB = 32;

/** The flags, as node's command line takes them. */
export const ENGINE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SEMI_SPACE_MB}`];
