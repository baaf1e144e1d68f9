// Deterministic fixed-point exp(-x) for the time-decaying EMAs (Hyperliquid mark price,
// hyperliquid.gitbook.io/hyperliquid-docs/trading/robust-price-indices). No Math.exp: floats differ
// between platforms in the last bit, and a replayed journal must give the same bytes.
//
// Method, for x = n / d >= 0 given as a ratio of integers (so the input itself is never rounded):
// 1. Range reduction: x = q + r with q = floor(n / d) an integer and r = (n mod d) / d in [0, 1).
// 2. exp(-q) = (exp(-1))^q by square-and-multiply, where exp(-1) is summed once from its Taylor series at
//    1e50 and kept at the working precision P = 1e40.
// 3. exp(-r) = Σ_k (-r)^k / k!, summed at P until a term is zero (r < 1, so at most ~40 terms).
// 4. The product is rounded once to WAD (1e18), half_even.
// Error bound: every step above truncates at 1e-40 and there are fewer than 200 of them, so the value
// before the final rounding is within 1e-37 of exp(-x). The result is therefore the correctly rounded
// WAD value except when exp(-x)·1e18 lies within 1e-19 of a rounding tie; in every case
// |expNegWad(n, d) - exp(-n/d)·1e18| <= 0.5 + 1e-19 (at most one unit in the last place).
// For x >= 44, exp(-x)·1e18 < 0.08 and the result is 0.
import { assert } from '../assert.js';
import { divRound, WAD_ONE, type Wad } from '../units/index.js';

const P = 10n ** 40n;
const TAYLOR_TERMS_MAX = 80;
/** Above this integer part the result rounds to 0 at WAD: exp(-44)·1e18 ≈ 0.078. */
const Q_ZERO_FROM = 44n;

function expNegOneAt(scale: bigint): bigint {
  // Σ (-1)^k / k! at `scale`, terms truncated toward zero.
  let term = scale;
  let sum = 0n;
  for (let k = 1; term !== 0n; k++) {
    assert(k <= TAYLOR_TERMS_MAX, 'expNegOne: series did not converge');
    sum += k % 2 === 1 ? term : -term;
    term /= BigInt(k);
  }
  return sum;
}

/** exp(-1) at P, from a 1e50 sum rounded once. */
const EXP_NEG_ONE_P = divRound(expNegOneAt(10n ** 50n), 10n ** 10n, 'half_even');

/** exp(-q) at P for an integer q >= 0. */
function expNegIntAtP(q: bigint): bigint {
  let result = P;
  let base = EXP_NEG_ONE_P;
  let e = q;
  while (e > 0n) {
    if (e & 1n) result = (result * base) / P;
    base = (base * base) / P;
    e >>= 1n;
  }
  return result;
}

/** exp(-num/den) at P for 0 <= num < den. */
function expNegFractionAtP(num: bigint, den: bigint): bigint {
  let sum = P;
  let term = P;
  for (let k = 1; ; k++) {
    assert(k <= TAYLOR_TERMS_MAX, 'expNegFraction: series did not converge');
    term = (term * num) / (den * BigInt(k));
    if (term === 0n) return sum;
    sum += k % 2 === 1 ? -term : term;
  }
}

/**
 * exp(-n/d) as a WAD (1e18 = 1.0), half_even, within one unit in the last place (see the bound above).
 * n >= 0 and d > 0 are integers; a negative exponent (growth) is not offered, and asking for it is a bug.
 */
export function expNegWad(n: bigint, d: bigint): Wad {
  assert(d > 0n, 'expNegWad: d > 0');
  assert(n >= 0n, 'expNegWad: n >= 0');
  const q = n / d;
  if (q >= Q_ZERO_FROM) return 0n as Wad;
  const r = n % d;
  const product = expNegIntAtP(q) * expNegFractionAtP(r, d); // scale P²
  return divRound(product, (P * P) / WAD_ONE, 'half_even') as Wad;
}
