// fast-check's arrays and strings take the lengths a property asks for. Without this, fast-check (v4) sizes every
// arbitrary 'small' unless told otherwise: `fc.array(step, { maxLength: 600 })` made 0-10 items, `{ minLength: 10,
// maxLength: 120 }` 10-30 (fc.sample of 1,000, 2026-12-06). The BoundaryBand property test's 600-operation sequences
// were never longer than 10, and a model error and whole code paths went unexercised. With it, an explicit maxLength
// (or max depth) is the bound sampled up to: 0-600 (mean 268) and 10-120 (mean 60) for the two above.
import fc from 'fast-check';

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
