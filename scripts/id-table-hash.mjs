/* global console, performance, Buffer */
// What a typed-array hash of a restore's account ids would cost against the Map the account table builds (a
// measurement for the next step of the recovery target, not product code): 1M ids like the bench world's inserted
// into a Map, and into an open-addressing Int32Array keyed by FNV-1a of the id's UTF-16 code units; then 200k lookups
// of fresh strings (as commands bring them) each way. usage: node --max-semi-space-size=64 scripts/id-table-hash.mjs
const N = 1_000_000;
const buf = Buffer.from(Array.from({ length: N }, (_, i) => `acct-${String(i * 7919 % 10_000_019).padStart(8, '0')}`).join(''), 'latin1');
function fnv(s) { let h = 0x811c9dc5; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); } return h >>> 0; }
for (let round = 0; round < 3; round++) {
  const ids = new Array(N);
  for (let i = 0; i < N; i++) ids[i] = buf.latin1Slice(i * 13, i * 13 + 13);
  let t = performance.now();
  const m = new Map();
  for (let i = 0; i < N; i++) m.set(ids[i], i);
  const tMap = performance.now() - t;
  const ids2 = new Array(N);
  for (let i = 0; i < N; i++) ids2[i] = buf.latin1Slice(i * 13, i * 13 + 13);
  t = performance.now();
  const bits = 21, mask = (1 << bits) - 1;
  const slots = new Int32Array(1 << bits).fill(-1);
  for (let i = 0; i < N; i++) { let h = fnv(ids2[i]) & mask; while (slots[h] !== -1) h = (h + 1) & mask; slots[h] = i; }
  const tHash = performance.now() - t;
  // lookups of fresh strings (as commands bring them)
  const q = Array.from({ length: 200_000 }, (_, k) => { const i = (k * 7 + 3) % N; return buf.latin1Slice(i * 13, i * 13 + 13); });
  t = performance.now(); let a = 0; for (const s of q) a += m.get(s); const gMap = performance.now() - t;
  t = performance.now(); let b = 0; for (const s of q) { let h = fnv(s) & mask; for (;;) { const v = slots[h]; if (v === -1) break; if (ids2[v] === s) { b += v; break; } h = (h + 1) & mask; } } const gHash = performance.now() - t;
  console.log(`build: Map ${tMap.toFixed(0)} ms, typed hash ${tHash.toFixed(0)} ms; 200k lookups of fresh strings: Map ${gMap.toFixed(0)} ms, typed ${gHash.toFixed(0)} ms`, a === b);
}
