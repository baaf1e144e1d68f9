// fast-check's arrays and strings take the length a property asks for. Without this, fast-check (v4) sizes every
// arbitrary 'small' unless told otherwise: `fc.array(step, { maxLength: 120 })` made at most ~10 steps beyond its
// minLength (2026-12-06: the BoundaryBand property test's 600-operation sequences were 0-10 long, and a model error
// and whole code paths went unexercised). With it, an explicit maxLength (or max depth) is the bound that is sampled.
import fc from 'fast-check';

fc.configureGlobal({ defaultSizeToMaxWhenMaxSpecified: true });
