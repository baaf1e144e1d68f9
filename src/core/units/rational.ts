// Exact rationals (bigint numerator / positive bigint denominator, always reduced). Used where a venue's
// published formula divides by something that is not a power of ten (1/6 maintenance rates, 1/(1 - fee)), so a
// formula can be evaluated exactly and rounded once, at the end, in a named mode.

import { assert } from '../assert.js';
import { divRound, pow10, type Rounding } from './fixed.js';
import { parseDecimal } from './decimal.js';

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export class Rational {
  private constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  static of(num: bigint, den: bigint = 1n): Rational {
    assert(den !== 0n, 'Rational: zero denominator');
    const sign = den < 0n ? -1n : 1n;
    const g = gcd(num, den) || 1n;
    return new Rational((sign * num) / g, (sign * den) / g);
  }

  /** Exact value of a decimal string ("0.055", "-12.5"). Throws RangeError on malformed text (trusted input). */
  static dec(text: string): Rational {
    const dot = text.indexOf('.');
    const places = dot < 0 ? 0 : text.length - dot - 1;
    const r = parseDecimal(text, places);
    if (!r.ok) throw new RangeError(r.error);
    return Rational.of(r.value, pow10(places));
  }

  static int(n: bigint | number): Rational {
    return Rational.of(BigInt(n));
  }

  add(o: Rational): Rational {
    return Rational.of(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    return Rational.of(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    return Rational.of(this.num * o.num, this.den * o.den);
  }
  div(o: Rational): Rational {
    assert(o.num !== 0n, 'Rational: division by zero');
    return Rational.of(this.num * o.den, this.den * o.num);
  }
  neg(): Rational {
    return Rational.of(-this.num, this.den);
  }
  cmp(o: Rational): -1 | 0 | 1 {
    const l = this.num * o.den;
    const r = o.num * this.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  isNegative(): boolean {
    return this.num < 0n;
  }

  /** The value in atoms of 10^-decimals, rounded once as asked. */
  toAtoms(decimals: number, mode: Rounding): bigint {
    return divRound(this.num * pow10(decimals), this.den, mode);
  }

  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
}
