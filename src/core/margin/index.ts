export * from './evaluate.js';
export * from './thresholds.js';
