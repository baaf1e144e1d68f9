/* global process, console */
// Self and inclusive time by function of a V8 .cpuprofile (node --cpu-prof, or node:inspector's Profiler.stop).
// usage: node scripts/summarize-cpuprofile.mjs FILE.cpuprofile [TOP=40]
// UNDER=NAME: only the samples with a function of that name on their stack (e.g. UNDER=sweepCallsIfDue: a margin-call
// sweep's time alone, within a profile of the whole walk).
// CALLERS=NAME (s70): that function's inclusive time by the chain of its DEPTH callers (default 2), e.g. CALLERS=evaluate
// UNDER=apply: who evaluates accounts inside the engine's commands, and how much.
// Inclusive time counts a function once per sampled stack (recursion is not double-counted).
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 40);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const sampled = new Map(); // node id -> microseconds
for (let i = 0; i < profile.samples.length; i++) sampled.set(profile.samples[i], (sampled.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/.*\/dist\//, '')}:${n.callFrame.lineNumber + 1}`;

const self = new Map();
const inclusive = new Map();
let total = 0;
const under = process.env.UNDER;
const isUnder = (id) => {
  for (let at = id; at !== undefined; at = parent.get(at)) if (nodes.get(at).callFrame.functionName === under) return true;
  return false;
};
for (const [id, us] of sampled) {
  if (under !== undefined && !isUnder(id)) continue;
  total += us;
  const key = name(nodes.get(id));
  self.set(key, (self.get(key) ?? 0) + us);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const k = name(nodes.get(at));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}
const table = (m) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
const callers = process.env.CALLERS;
if (callers === undefined) {
  console.log(`total ${(total / 1000).toFixed(0)} ms\n--- self\n${table(self)}\n--- inclusive\n${table(inclusive)}`);
} else {
  // Each sample whose stack holds CALLERS counts once, for the chain above its outermost CALLERS frame.
  const depth = Number(process.env.DEPTH ?? 2);
  const byChain = new Map();
  let within = 0;
  for (const [id, us] of sampled) {
    if (under !== undefined && !isUnder(id)) continue;
    let outer;
    for (let at = id; at !== undefined; at = parent.get(at)) if (nodes.get(at).callFrame.functionName === callers) outer = at;
    if (outer === undefined) continue;
    within += us;
    const chain = [];
    for (let at = parent.get(outer); at !== undefined && chain.length < depth; at = parent.get(at)) chain.push(nodes.get(at).callFrame.functionName || '(anonymous)');
    const key = chain.join(' < ');
    byChain.set(key, (byChain.get(key) ?? 0) + us);
  }
  const rows = [...byChain].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`${callers}: ${(within / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms, by its callers`);
  for (const [k, us] of rows) console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${callers} < ${k}`);
}
