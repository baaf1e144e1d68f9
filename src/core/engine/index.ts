export * from './commands.js';
export * from './events.js';
export * from './reasons.js';
export * from './engine.js';
export * from './snapshot.js';
export * from './state.js';
export * from './conservation.js';
