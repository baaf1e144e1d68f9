// Bounds for every list and buffer in core/pricing (STYLE.md "Limits": every loop and queue has a limit).
// The engine's global limits table (core/limits.ts) may re-export these; they live here so pricing stays
// self-contained.
import { assert } from '../assert.js';

/** Most observations one index aggregation accepts (Binance lists about a dozen constituents). */
export const INDEX_SOURCES_MAX = 64;
/** Longest source name (UTF-8 bytes) in an attestation; ids such as "binance" or "pyth:BTC/USD". */
export const ATTESTATION_TEXT_BYTES_MAX = 256;
/** Largest basis moving-average buffer for the Binance mark (Binance uses 30 samples). */
export const BASIS_SAMPLES_MAX = 1_024;
/** Largest TWAP ring buffer. */
export const TWAP_POINTS_MAX = 4_096;
/** Most premium samples one funding interval may hold (8 h of 5 s samples = 5,760, Binance). */
export const PREMIUM_SAMPLES_MAX = 8_640;
/** Most mark-price inputs any method takes a median of (Hyperliquid: three plus one fallback). */
export const MARK_INPUTS_MAX = 4;

assert(INDEX_SOURCES_MAX >= 3, 'limits: an index needs room for a median of three');
assert(PREMIUM_SAMPLES_MAX >= 8 * 60 * 12, 'limits: 8 h of 5 s premium samples must fit');
assert(BASIS_SAMPLES_MAX >= 30, 'limits: the Binance basis MA needs 30 samples');
