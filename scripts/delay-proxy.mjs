/* global process, console, setTimeout */
// A TCP proxy that delays every chunk by DELAY_MS in each direction, in order: a NATS server "across a network" for
// measurements on one machine (the round trip to the stream is what a replicated service's batches wait for;
// docs/service.md "Across machines"). Node's timers round the delay up to whole milliseconds.
// usage: node scripts/delay-proxy.mjs LISTEN_PORT TARGET_PORT DELAY_MS   (both on 127.0.0.1; Ctrl-C stops it)
import net from 'node:net';

const [listen, target, delayMs] = process.argv.slice(2, 5).map(Number);
if (![listen, target, delayMs].every((n) => Number.isSafeInteger(n) && n >= 0) || listen === 0 || target === 0) {
  console.error('usage: delay-proxy.mjs LISTEN_PORT TARGET_PORT DELAY_MS');
  process.exit(2);
}

/** Everything `from` sends reaches `to` DELAY_MS later, in the order sent; a close follows the data before it. */
function delayed(from, to) {
  from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
  from.on('close', () => setTimeout(() => to.destroy(), delayMs));
  from.on('error', () => undefined);
}

net
  .createServer((client) => {
    const server = net.connect(target, '127.0.0.1');
    delayed(client, server);
    delayed(server, client);
  })
  .listen(listen, '127.0.0.1', () => console.log(`127.0.0.1:${listen} -> 127.0.0.1:${target}, ${delayMs} ms each way`));
