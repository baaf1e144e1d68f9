import type { EventBody } from './events.js';

/** Handlers report what happened through this; the engine stamps seq, ordinal and time. */
export type Emit = (body: EventBody) => void;
