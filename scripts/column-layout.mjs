/* global process, console, performance */
// What reading one row of many columns costs, by layout: K columns each a typed array of its own (the breach index's
// ledger and entry tables today) against one interleaved row of 128 bytes per ledger (the columns side by side), at
// random rows of a 1M-account-sized table. Two access patterns: independent reads of every column of the row (the
// CPU overlaps the misses), and dependent ones (each read decides the next address, as the index's code branches on
// a state before it reads a boundary). A measurement script, not the engine's code.
// usage: node scripts/column-layout.mjs [ROWS=2000000] [COLUMNS=12]
// docs/performance.md "2026-12-07, s62": what it found.
const ROWS = Number(process.argv[2] ?? 2_000_000);
const K = Number(process.argv[3] ?? 12);
const STRIDE = 32; // int32 slots a row: 128 bytes
const READS = 1 << 20;
const columns = Array.from({ length: K }, () => new Int32Array(ROWS));
const rows = new Int32Array(ROWS * STRIDE);
for (let i = 0; i < ROWS; i++) {
  for (let k = 0; k < K; k++) {
    const v = (i * 7 + k) % 3 === 0 ? -1 : 1;
    columns[k][i] = v;
    rows[i * STRIDE + k] = v;
  }
}
let x = 12345;
const order = new Int32Array(READS).map(() => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % ROWS);

// Four functions, not one loop given a reader: a reader passed in would make the loop polymorphic and time the calls,
// not the layouts.
function separate() {
  let s = 0;
  for (let i = 0; i < READS; i++) {
    const l = order[i];
    for (let k = 0; k < K; k++) s += columns[k][l];
  }
  return s;
}
function interleaved() {
  let s = 0;
  for (let i = 0; i < READS; i++) {
    const b = order[i] * STRIDE;
    for (let k = 0; k < K; k++) s += rows[b + k];
  }
  return s;
}
// Each value read moves the row (by one) when negative: the next read's address waits for it.
function separateDependent() {
  let s = 0;
  for (let i = 0; i < READS; i++) {
    let l = order[i];
    for (let k = 0; k < K; k++) {
      const v = columns[k][l];
      s += v;
      if (v < 0) l = (l + 1) % ROWS;
    }
  }
  return s;
}
function interleavedDependent() {
  let s = 0;
  for (let i = 0; i < READS; i++) {
    let l = order[i];
    for (let k = 0; k < K; k++) {
      const v = rows[l * STRIDE + k];
      s += v;
      if (v < 0) l = (l + 1) % ROWS;
    }
  }
  return s;
}
console.log(`${ROWS.toLocaleString('en')} rows, ${K} int32 columns; ns a row read at a random row`);
for (let round = 0; round < 3; round++) {
  const line = [];
  for (const f of [separate, interleaved, separateDependent, interleavedDependent]) {
    const t = performance.now();
    f();
    line.push(`${f.name} ${(((performance.now() - t) * 1e6) / READS).toFixed(0)}`);
  }
  console.log(`  round ${round}: ${line.join(', ')}`);
}
