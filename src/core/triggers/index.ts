export * from './heap.js';
export * from './bounds.js';
export * from './breach-index.js';
export * from './detector.js';
export * from './scan-detector.js';
export * from './conditional-index.js';
