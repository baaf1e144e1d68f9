/* global process, console */
// Finds Maps and Sets of more than MIN_SIZE entries where a key is deleted and then added again. V8 leaves a deleted
// entry in its key's hash chain until the table is rebuilt (a Map or Set is rebuilt only once it is full), and adding
// the key again walks every entry it left there: in a Set of 40,000 entries the next re-add cost 0.37 µs after none,
// 20 µs after 10,000 and 43 µs after 20,000 (docs/performance.md, "2026-12-05, s48"). Prints each such Map or Set
// with more than 100 re-adds, its size and where the first re-add came from. Slow (every delete and add is wrapped).
// usage: npm run build, then
//   node --max-old-space-size=12000 scripts/map-readd-census.mjs walk|tail|crash [ACCOUNTS=200000] [TICKS=20000]
// (CALLS=1000: margin calls swept every second, as the walk bench's swept run; BAILIFF_DIST: another build)
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MIN_SIZE = 2000;
const tracked = new WeakMap(); // Map or Set -> { deleted, readds, size, where }
const reports = [];
const setAdd = Set.prototype.add;
const setDelete = Set.prototype.delete;
const setHas = Set.prototype.has;

function wrap(proto, addName) {
  const del = proto.delete;
  const add = proto[addName];
  proto.delete = function (key) {
    const deleted = del.call(this, key);
    if (deleted && this.size >= MIN_SIZE) {
      let t = tracked.get(this);
      if (t === undefined) {
        t = { deleted: new Set(), readds: 0, size: 0, where: null };
        tracked.set(this, t);
        reports.push(t);
      }
      setAdd.call(t.deleted, key);
    }
    return deleted;
  };
  proto[addName] = function (key, value) {
    const t = tracked.get(this);
    if (t !== undefined && setHas.call(t.deleted, key)) {
      setDelete.call(t.deleted, key);
      t.readds++;
      t.size = Math.max(t.size, this.size);
      t.where ??= new Error().stack.split('\n').slice(2, 6).map((l) => l.trim()).join(' < ');
    }
    return add.call(this, key, value);
  };
}
wrap(Map.prototype, 'set');
wrap(Set.prototype, 'add');

const [mode, accounts, ticks] = [process.argv[2] ?? 'walk', Number(process.argv[3] ?? 200_000), Number(process.argv[4] ?? 20_000)];
const dist = process.env.BAILIFF_DIST ?? pathToFileURL(resolve(process.cwd(), 'dist')).href;
if (mode === 'walk') {
  const { walkWorld } = await import('./walk-world.mjs');
  const { tick } = await walkWorld(dist, accounts, process.env.CALLS ? { callIntervalMs: Number(process.env.CALLS) } : {});
  for (let i = 0; i < ticks; i++) tick();
} else if (mode === 'tail') {
  const { buildWorld, rng, tailTicks } = await import(`${dist}/bench/world.js`);
  const { Engine } = await import(`${dist}/src/core/engine/engine.js`);
  const world = buildWorld({ accounts, markets: 10, seed: 42 });
  const engine = Engine.restore(world.snapshot());
  const next = tailTicks(10, rng(7));
  for (let i = 0; i < ticks; i++) engine.apply(next(i, world.timeMs + 1));
} else if (mode === 'crash') {
  const { crashWorld } = await import('./crash-world.mjs');
  const { Engine, snap, cmd } = await crashWorld(dist, accounts, 5);
  Engine.restore(snap).apply(cmd);
} else {
  console.error('usage: node scripts/map-readd-census.mjs walk|tail|crash [ACCOUNTS] [TICKS]');
  process.exit(2);
}
const found = reports.filter((t) => t.readds > 100);
console.log(`${mode}, ${accounts.toLocaleString('en')} accounts: ${found.length} Map(s) or Set(s) of ${MIN_SIZE}+ entries with more than 100 keys added again after a delete`);
for (const t of found) console.log(`  ${t.readds} re-adds, up to ${t.size} entries: ${t.where}`);
