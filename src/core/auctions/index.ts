export * from './ray-math.js';
export * from './abaci.js';
export * from './result.js';
export * from './maker-state.js';
export * from './clipper.js';
export * from './dog.js';
export * from './sealed-bid.js';
export * from './house.js';
