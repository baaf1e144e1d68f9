export * from './heap.js';
export * from './bounds.js';
export * from './breach-index.js';
