export * from './fixed.js';
export * from './decimal.js';
