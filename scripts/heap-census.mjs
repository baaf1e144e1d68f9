/* global process, console */
// Where the bench world's bytes go: builds bench/world.ts's world (with the maker and a few warm-up ticks so the
// margin-call index and the ADL mirror hold what a bench run holds), takes a V8 heap snapshot and prints
//   - shallow bytes by node type and constructor (what kind of object holds the bytes),
//   - retained bytes (dominator tree) of the Engine's fields and of EngineState's, two levels down,
//   - bytes per account of each.
// Usage: node --expose-gc --max-old-space-size=8192 scripts/heap-census.mjs [dist=./dist] [accounts=100000] [ticks=2000] [isolated]
// (isolated: walk-isolated's world, every position isolated)
// The snapshot file goes to os.tmpdir() and is deleted after; at 100k accounts it is ~0.5 GB of JSON.
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { censusWorld } from './census-world.mjs';

const { world, accounts, ticks } = await censusWorld(100_000);
const mu = process.memoryUsage();
console.log(`${accounts} accounts, ${ticks} ticks: rss ${(mu.rss / 2 ** 20).toFixed(0)} MiB, heapUsed ${(mu.heapUsed / 2 ** 20).toFixed(0)} MiB, arrayBuffers ${(mu.arrayBuffers / 2 ** 20).toFixed(0)} MiB`);
globalThis.__census_world = world; // a named root, so the Engine is easy to find

const file = writeHeapSnapshot(join(tmpdir(), `census-${process.pid}.heapsnapshot`));
delete globalThis.__census_world;
const snap = JSON.parse(readFileSync(file, 'utf8'));
unlinkSync(file);

const meta = snap.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nSize = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const nodes = snap.nodes;
const edges = snap.edges;
const strings = snap.strings;
const N = nodes.length / NF;
const firstEdge = new Uint32Array(N + 1);
for (let i = 0, e = 0; i < N; i++) {
  firstEdge[i] = e;
  e += nodes[i * NF + nEdges] * EF;
  firstEdge[i + 1] = e;
}
const WEAK = edgeTypes.indexOf('weak');
const typeOf = (i) => nodeTypes[nodes[i * NF + nType]];
const nameOf = (i) => strings[nodes[i * NF + nName]];
const selfOf = (i) => nodes[i * NF + nSize];
const edgeName = (e) => {
  const t = edgeTypes[edges[e + eType]];
  return t === 'element' || t === 'hidden' ? `[${edges[e + eName]}]` : strings[edges[e + eName]];
};

// Shallow bytes by (type, constructor).
const byKind = new Map();
let total = 0;
for (let i = 0; i < N; i++) {
  const t = typeOf(i);
  const key = t === 'object' || t === 'native' || t === 'closure' ? `${t} ${nameOf(i)}` : t === 'array' || t === 'hidden' || t === 'object shape' ? `${t} ${nameOf(i).slice(0, 40)}` : t;
  const v = byKind.get(key) ?? { n: 0, bytes: 0 };
  v.n++;
  v.bytes += selfOf(i);
  total += selfOf(i);
  byKind.set(key, v);
}
const mib = (b) => (b / 2 ** 20).toFixed(1).padStart(8);
const perAcct = (b) => (b / accounts).toFixed(0).padStart(6);
console.log(`\nheap snapshot: ${N} nodes, ${mib(total)} MiB shallow in all (${perAcct(total)} B/account)`);
console.log('\nshallow by type and constructor (top 30):');
console.log('     MiB  B/acct      count  kind');
for (const [k, v] of [...byKind].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 30)) {
  console.log(`${mib(v.bytes)}  ${perAcct(v.bytes)}  ${String(v.n).padStart(9)}  ${k}`);
}

// Dominator tree (Cooper, Harvey, Kennedy: "A Simple, Fast Dominance Algorithm"), weak edges ignored, root = node 0.
const post = new Int32Array(N).fill(-1); // postorder number
const order = new Int32Array(N); // postorder -> node
let reached = 0;
{
  const stack = new Int32Array(N);
  const cursor = new Uint32Array(N);
  const seen = new Uint8Array(N);
  let sp = 0;
  stack[sp++] = 0;
  seen[0] = 1;
  cursor[0] = firstEdge[0];
  while (sp > 0) {
    const v = stack[sp - 1];
    let pushed = false;
    while (cursor[v] < firstEdge[v + 1]) {
      const e = cursor[v];
      cursor[v] += EF;
      if (edges[e + eType] === WEAK) continue;
      const w = edges[e + eTo] / NF;
      if (seen[w]) continue;
      seen[w] = 1;
      cursor[w] = firstEdge[w];
      stack[sp++] = w;
      pushed = true;
      break;
    }
    if (!pushed) {
      sp--;
      post[v] = reached;
      order[reached++] = v;
    }
  }
}
// Predecessors (of reached nodes, by strong edges).
const predCount = new Uint32Array(N + 1);
for (let v = 0; v < N; v++) {
  if (post[v] < 0) continue;
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
    if (edges[e + eType] === WEAK) continue;
    predCount[edges[e + eTo] / NF + 1]++;
  }
}
for (let i = 0; i < N; i++) predCount[i + 1] += predCount[i];
const preds = new Int32Array(predCount[N]);
{
  const fill = predCount.slice();
  for (let v = 0; v < N; v++) {
    if (post[v] < 0) continue;
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
      if (edges[e + eType] === WEAK) continue;
      const w = edges[e + eTo] / NF;
      preds[fill[w]++] = v;
    }
  }
}
const idom = new Int32Array(N).fill(-1); // in postorder numbers
const rootPo = post[0];
idom[rootPo] = rootPo;
for (let changed = true; changed; ) {
  changed = false;
  for (let po = reached - 1; po >= 0; po--) {
    if (po === rootPo) continue;
    const v = order[po];
    let nd = -1;
    for (let p = predCount[v]; p < predCount[v + 1]; p++) {
      let a = post[preds[p]];
      if (a < 0 || idom[a] < 0) continue;
      if (nd < 0) {
        nd = a;
        continue;
      }
      let b = nd;
      while (a !== b) {
        while (a < b) a = idom[a];
        while (b < a) b = idom[b];
      }
      nd = a;
    }
    if (nd >= 0 && idom[po] !== nd) {
      idom[po] = nd;
      changed = true;
    }
  }
}
const retained = new Float64Array(N);
for (let po = 0; po < reached; po++) retained[order[po]] += selfOf(order[po]);
for (let po = 0; po < reached; po++) {
  if (po === rootPo) continue;
  retained[order[idom[po]]] += retained[order[po]];
}
const dominates = (v, w) => {
  // v dominates w?
  let a = post[w];
  const target = post[v];
  while (a !== target && a !== rootPo && a >= 0) a = idom[a];
  return a === target;
};

// Find the Engine: the global's __census_world property.
let engine = -1;
for (let v = 0; v < N && engine < 0; v++) {
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
    if (edgeTypes[edges[e + eType]] === 'property' && strings[edges[e + eName]] === '__census_world') {
      engine = edges[e + eTo] / NF;
      break;
    }
  }
}
if (engine < 0) throw new Error('Engine not found in the snapshot');

function children(v) {
  const out = [];
  for (let e = firstEdge[v]; e < firstEdge[v + 1]; e += EF) {
    const t = edgeTypes[edges[e + eType]];
    if (t === 'weak' || t === 'shortcut') continue;
    const w = edges[e + eTo] / NF;
    out.push({ name: edgeName(e), w, dominated: dominates(v, w) });
  }
  return out;
}
function show(v, label, depth, maxDepth, minBytes) {
  const pad = '  '.repeat(depth);
  console.log(`${mib(retained[v])}  ${perAcct(retained[v])}  ${pad}${label} (${typeOf(v)} ${nameOf(v).slice(0, 30)}, self ${selfOf(v)})`);
  if (depth >= maxDepth) return;
  const kids = children(v).filter((c) => c.dominated && retained[c.w] >= minBytes);
  kids.sort((a, b) => retained[b.w] - retained[a.w]);
  for (const c of kids.slice(0, 14)) show(c.w, c.name, depth + 1, maxDepth, minBytes);
}
console.log(`\nretained (dominator tree) from the Engine, entries >= 0.5 MiB:`);
console.log('     MiB  B/acct  path');
show(engine, 'Engine', 0, 3, 2 ** 19);

// One account, as an example of the per-account shape.
const s = children(engine).find((c) => c.name === 's')?.w;
const accountsMap = s === undefined ? undefined : children(s).find((c) => c.name === 'accounts')?.w;
if (accountsMap !== undefined) {
  // An account object: the first 'object' node dominated by the accounts map's table with a 'positions' property.
  const table = children(accountsMap).find((c) => c.name === 'table')?.w;
  const slots = table === undefined ? [] : children(table).filter((c) => typeOf(c.w) === 'object');
  const isAccount = (v) => children(v).some((k) => k.name === 'positions');
  const idOf = (v) => children(v).find((k) => k.name === 'id')?.w;
  // A trader's account holding two positions (the insurance fund is the first entry).
  const account = slots.find((c) => isAccount(c.w) && nameOf(idOf(c.w) ?? 0).startsWith('acct-') && retained[c.w] > 900)?.w;
  if (account !== undefined) {
    console.log('\none account (bytes, not MiB): retained, then each edge (d: dominated by its parent)');
    const walk = (v, label, depth) => {
      console.log(`${String(retained[v]).padStart(8)}  ${'  '.repeat(depth)}${label} (${typeOf(v)} ${nameOf(v).slice(0, 30)}, self ${selfOf(v)})`);
      if (depth >= 4) return;
      for (const c of children(v)) {
        if (c.name === 'map' || c.name === '__proto__') continue;
        if (c.dominated) walk(c.w, c.name, depth + 1);
        else console.log(`${''.padStart(8)}  ${'  '.repeat(depth + 1)}${c.name} -> shared ${typeOf(c.w)} ${nameOf(c.w).slice(0, 30)}, self ${selfOf(c.w)}`);
      }
    };
    walk(account, 'account', 0);
  }
}
