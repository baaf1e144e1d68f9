// Price-feed adapters: wire parsers (pure), guards (pure), live clients (I/O at the edge) and CSV replay.
// See README.md in this folder for options, issue codes and units.

export * from './types.js';
export * from './errors.js';
export * from './scaled.js';
export * from './shared-data.js';
export * from './binance.js';
export * from './binance-brackets.js';
export * from './binance-ws.js';
export * from './pyth.js';
export * from './pyth-sse.js';
export * from './chainlink.js';
export * from './chainlink-rpc.js';
export * from './kline.js';
export * from './replay.js';
export * from './guards.js';
export * from './live.js';
export { JsonNumber, isJsonNumber, parseJson, type JsonValue, type JsonObject, type JsonParse } from './json.js';
