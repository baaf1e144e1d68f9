/* global process, performance, console */
// CPU profile of the +-10 bp walk (bench/walk.ts's ticks: a random market each tick, the maker set up and re-quoted
// every 20 ticks of a market, as scripts/walk-ab.mjs 'walk' runs them), in memory, re-quotes included. Prints the wall
// time and the events.
// usage: npm run build, then
//   node --max-old-space-size=14000 --max-semi-space-size=32 scripts/profile-walk.mjs ACCOUNTS TICKS OUT.cpuprofile
//   node scripts/summarize-cpuprofile.mjs OUT.cpuprofile 40
// CALL_INTERVAL_MS=1000: margin calls swept every second (the bench's BAILIFF_BENCH_CALL_INTERVAL_MS); INTERVAL_US:
// the sampling interval (default 200).
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { walkWorld } from './walk-world.mjs';

const [accounts, ticks, out] = [Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 20_000), process.argv[4] ?? 'walk.cpuprofile'];
const dist = pathToFileURL(resolve(process.cwd(), 'dist')).href;
const callIntervalMs = process.env.CALL_INTERVAL_MS === undefined ? undefined : Number(process.env.CALL_INTERVAL_MS);
const { tick } = await walkWorld(dist, accounts, callIntervalMs === undefined ? {} : { callIntervalMs });

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: Number(process.env.INTERVAL_US ?? 200) });
await session.post('Profiler.start');
const start = performance.now();
let events = 0;
for (let k = 0; k < ticks; k++) events += tick().length;
const ms = performance.now() - start;
const { profile } = await session.post('Profiler.stop');
writeFileSync(out, JSON.stringify(profile));
console.log(`${ticks} ticks in ${ms.toFixed(0)} ms (maker's re-quotes included), ${events} events; profile ${out}`);
