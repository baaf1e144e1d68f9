import type { EventBody } from './events.js';

/**
 * Handlers report what happened through this; the engine stamps seq, ordinal and time on the body itself, which
 * becomes the event: each body must be a fresh object, not one kept elsewhere or emitted twice (copy it first).
 */
export type Emit = (body: EventBody) => void;
