import { Engine } from '../src/core/engine/engine.js';
import { decodedStream } from '../src/sim/command-stream.js';
import { encodeEntryBatch, entryBody, ZERO_HASH } from '../src/journal/record.js';
import { hash } from 'node:crypto';
const { scenario, setup, stream } = decodedStream(3, 200000);
const engine = Engine.create(scenario.config, scenario.rulebook);
const entries = [...setup, ...stream].map((command) => ({ command, events: engine.apply(command), seq: engine.seq }));
for (let r = 0; r < 3; r++) {
  let t = performance.now(); const strs: string[] = [];
  for (const e of entries) strs.push(entryBody(e.command, e.events));
  console.log('encode', (entries.length / (performance.now() - t) * 1000) | 0);
  t = performance.now(); const bufs: Buffer[] = [];
  for (const s of strs) bufs.push(Buffer.from(s, 'utf8'));
  console.log('utf8 (ropes)', (entries.length / (performance.now() - t) * 1000) | 0);
  t = performance.now();
  for (const s of strs) Buffer.from(s, 'utf8');
  console.log('utf8 again (flat)', (entries.length / (performance.now() - t) * 1000) | 0);
  t = performance.now();
  for (const b of bufs) hash('sha256', b, 'buffer');
  console.log('sha', (entries.length / (performance.now() - t) * 1000) | 0);
  t = performance.now(); let prev: Buffer = ZERO_HASH;
  for (let i = 0; i < entries.length; i += 1000) prev = encodeEntryBatch(entries.slice(i, i + 1000), prev).hash;
  console.log('batch', (entries.length / (performance.now() - t) * 1000) | 0);
}
