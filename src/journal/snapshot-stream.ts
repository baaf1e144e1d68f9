// A stored snapshot decoded for a restore that reads its accounts once, in order (recovery): the accounts are parsed
// one by one as the restore takes them, straight from the snapshot's bytes, instead of as one JSON.parse of the whole
// text. Why: at 1M accounts the whole text is ~240 MB and its parsed tree ~600 MB of objects that all live until the
// restore ends, so every major GC during the restore marks them (and a text of more than V8's ~512 MB string limit
// could not be decoded at all). Here one account's objects die young, right after the restore copied them.
//
// The values are parseCanonical's, exactly: the snapshot is canonical JSON (canonicalJson: keys sorted, no
// whitespace), so it starts with {"accounts":[ ("accounts" sorts first among a snapshot's keys); each element of
// that array is parsed alone, and the rest of the snapshot is parsed with the array left empty. Bytes shaped any
// other way are decoded whole, as loadSnapshot does. The caller checks the bytes against their content hash first.

import type { AccountSnapshot, RestorableSnapshot } from '../core/engine/snapshot.js';
import { parseCanonical } from './canonical.js';

const PREFIX = Buffer.from('{"accounts":[', 'latin1');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

/**
 * Where each element of the array that opens at `open` starts (objects and arrays only), and the index after its
 * closing bracket; null when it does not close. Bytes of multi-byte UTF-8 characters are >= 0x80, so they never
 * look like a quote, a backslash or a bracket.
 */
function arrayElements(bytes: Buffer, open: number): { starts: number[]; end: number } | null {
  const starts: number[] = [];
  const n = bytes.length;
  let depth = 0;
  for (let i = open; i < n; i++) {
    const c = bytes[i] as number;
    if (c === QUOTE) {
      // A string: to its closing quote, a backslash escaping the byte after it.
      for (i++; i < n; i++) {
        const d = bytes[i] as number;
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (depth === 1) starts.push(i);
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return { starts, end: i + 1 };
    }
  }
  return null;
}

/**
 * The snapshot in `bytes` (canonical JSON) with its accounts decoded lazily, in order, once: iterate `accounts` one
 * time (restoreState does). Throws SyntaxError, now or while the accounts are read, on bytes that do not parse.
 */
export function decodeSnapshotForRestore(bytes: Buffer): RestorableSnapshot {
  const open = PREFIX.length - 1;
  const shaped = bytes.length > PREFIX.length && bytes.subarray(0, PREFIX.length).equals(PREFIX);
  const spans = shaped ? arrayElements(bytes, open) : null;
  if (spans === null) return parseCanonical(bytes.toString('utf8')) as RestorableSnapshot;
  const { starts, end } = spans;
  const rest = parseCanonical(`{"accounts":[]${bytes.toString('utf8', end)}`) as RestorableSnapshot;
  // Every byte of the array belongs to an element or is the comma after one: an element each start, up to the next.
  if (starts.length === 0 ? end !== open + 2 : starts[0] !== open + 1) throw new SyntaxError('snapshot: the accounts array holds something other than accounts');
  function* accounts(): Generator<AccountSnapshot> {
    for (let k = 0; k < starts.length; k++) {
      const from = starts[k] as number;
      const to = (k + 1 < starts.length ? (starts[k + 1] as number) : end) - 1;
      const after = bytes[to] as number;
      if (after !== (k + 1 < starts.length ? COMMA : CLOSE_BRACKET)) throw new SyntaxError(`snapshot: account ${k} is not followed by a comma or the array's end`);
      yield parseCanonical(bytes.toString('utf8', from, to)) as AccountSnapshot;
    }
  }
  return { ...rest, accounts: accounts() };
}
