export * from './evaluate.js';
export * from './thresholds.js';
export * from './dependencies.js';
export * from './transfer.js';
