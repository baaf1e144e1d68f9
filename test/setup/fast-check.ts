// fast-check's settings for every test file.
//
// Lengths: fast-check's arrays and strings take the lengths a property asks for. Without this, fast-check (v4) sizes
// every arbitrary 'small' unless told otherwise: `fc.array(step, { maxLength: 600 })` made 0-10 items, `{ minLength:
// 10, maxLength: 120 }` 10-30 (fc.sample of 1,000, 2026-12-06). The BoundaryBand property test's 600-operation
// sequences were never longer than 10, and a model error and whole code paths went unexercised. With it, an explicit
// maxLength (or max depth) is the bound sampled up to: 0-600 (mean 268) and 10-120 (mean 60) for the two above.
//
// Seeds: every property runs from a fixed seed (STYLE.md: seeded property tests), so a run of `npm test` is the same
// run everywhere, and CI cannot go red on a case no earlier run met. A property that names its own seed keeps it;
// the others take FAST_CHECK_SEED, or `BAILIFF_FC_SEED=<integer>` to run them from another seed, `BAILIFF_FC_SEED=random`
// from a new one each (fast-check prints the seed and path of any failure, to replay it with `{ seed, path }`).
import fc from 'fast-check';

/** The seed of every property that does not name its own. */
export const FAST_CHECK_SEED = 20_261_207;

/** The seed BAILIFF_FC_SEED asks for: a number, undefined for 'random', FAST_CHECK_SEED when unset; else an error. */
export function seedFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return FAST_CHECK_SEED;
  if (value === 'random') return undefined;
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`BAILIFF_FC_SEED must be an integer or 'random', got '${value}'`);
  }
  return Number(value);
}

const seed = seedFromEnv(process.env.BAILIFF_FC_SEED);
fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true, ...(seed === undefined ? {} : { seed }) });
