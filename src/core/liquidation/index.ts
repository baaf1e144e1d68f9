// core/liquidation: pure liquidation math (see README.md). testkit.ts is for tests and is not exported.
export * from './result.js';
export * from './bounds.js';
export * from './units.js';
export * from './dydx.js';
export * from './bankruptcy.js';
export * from './fillable.js';
export * from './insurance.js';
export * from './blocklimits.js';
export * from './sizing.js';
export * from './adl.js';
export * from './limits.js';
