export * from './spec.js';
export * from './schedule.js';
export * from './state.js';
export * from './volatility.js';
export * from './pricing.js';
