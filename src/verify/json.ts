// Proofs and receipts as files: canonical JSON (core/engine/snapshot.ts canonicalJson: sorted keys, bigints as
// {"$n":"digits"}), the same bytes the journal uses, so a receipt's signed bytes are its file's body re-encoded.

import { canonicalJson } from '../core/engine/snapshot.js';

export { canonicalJson };

/** Parses canonical JSON back, {"$n":"digits"} as bigints. Throws SyntaxError on text that is not JSON. */
export function parseCanonical(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === '$n') {
        const digits = (value as { $n: unknown }).$n;
        if (typeof digits === 'string' && /^-?\d+$/.test(digits)) return BigInt(digits);
      }
    }
    return value;
  });
}

/** What a parsed JSON value is, for a reason a person reads ("not a proof: an array, not an object"). */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'bigint') return 'a number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
