// Assertions catch programmer errors. They are never caught inside core/: a failed assertion is a bug.
// Expected bad input is not asserted; it is rejected with a reason code (see engine/reasons.ts).

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(ok: boolean, invariant: string): asserts ok {
  if (!ok) throw new AssertionError(invariant);
}

/** Exhaustiveness guard for discriminated unions: reaching it is a bug. */
export function unreachable(value: never): never {
  throw new AssertionError(`unreachable: ${JSON.stringify(value)}`);
}
