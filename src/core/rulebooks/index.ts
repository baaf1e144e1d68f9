export * from './rulebook.js';
export * from './presets.js';
