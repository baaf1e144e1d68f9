export * from './rulebook.js';
export * from './presets.js';
export * from './liquidation.js';
export * from './guards.js';
export * from './conditional.js';
