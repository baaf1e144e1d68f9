export * from './fixed.js';
export * from './decimal.js';
export * from './rational.js';
