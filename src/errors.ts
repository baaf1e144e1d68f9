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

/** What the system's error codes for a file say, in words (the code kept after them, for a search). */
const FILE_ERRORS: Readonly<Record<string, { readonly read: string; readonly write: string }>> = {
  ENOENT: { read: 'no such file', write: 'no such directory' },
  EISDIR: { read: 'a directory, not a file', write: 'a directory, not a file' },
  ENOTDIR: { read: 'a part of the path is not a directory', write: 'a part of the path is not a directory' },
  EACCES: { read: 'permission denied', write: 'permission denied' },
  EPERM: { read: 'not permitted', write: 'not permitted' },
  EROFS: { read: 'a read-only file system', write: 'a read-only file system' },
  ENOSPC: { read: 'no space left on the device', write: 'no space left on the device' },
  EEXIST: { read: 'exists already', write: 'exists already' },
};

/**
 * Why a file could not be read or written, for a message: `no such file (ENOENT)`, `a directory, not a file (EISDIR)`;
 * an error without a code, its message.
 */
export function fileErrorReason(e: unknown, doing: 'read' | 'write'): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return e instanceof Error ? e.message : String(e);
  const words = FILE_ERRORS[code]?.[doing];
  return words === undefined ? code : `${words} (${code})`;
}
