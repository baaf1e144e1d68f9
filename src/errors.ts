// The one base of the errors the edges raise for a user to read (a bad scenario field, a bad flag, a feed that
// failed for good). Each subclass has a literal `name` and a stable `code`; the message is one line that names the
// problem. The core never throws these: a command it refuses is a CommandRejected event, and a throw there is a bug.

/** What a user-facing error says about itself: which kind (name), which problem (code), in one line (message). */
export abstract class BailiffError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
}

/** Whether a value is one of ours (a user-facing failure) rather than a bug. */
export function isBailiffError(e: unknown): e is BailiffError {
  return e instanceof BailiffError;
}

/** An error's message as one line: later lines (a cause's stack, a dump) are not for the user. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/, 1)[0] ?? '';
  return first.length > 400 ? `${first.slice(0, 400)}…` : first;
}
