// `bailiff keygen`, `prove`, `verify-proof`, `receipts`, `verify-receipt`: the operator's ed25519 key, per-account
// inclusion proofs against the state root and signed liquidation receipts (src/verify). The journal they read is one
// parameter (an EntrySource): a scenario file run in memory for now (--scenario); a stored journal later.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { fromEngine, StateTree } from '../journal/state-root.js';
import { entriesOfCommands, replay, ReplayMismatchError, type EntrySource } from '../verify/entries.js';
import { canonicalJson, isJsonObject, jsonKind, parseCanonical } from '../verify/json.js';
import { proveAccount, verifyInclusion, type InclusionProof } from '../verify/proof.js';
import { buildReceipts, generateOperatorKeys, parsePrivateKey, parsePublicKey, verifyReceipt, type LiquidationReceipt } from '../verify/receipt.js';
import { CliError, readTextFile, unwritableFile } from './errors.js';
import { checkSeqWithinHead } from './journal-file.js';
import type { CliIo } from './program.js';
import { loadScenarioFile, writeReport } from './run.js';

/** The journal a command reads, with its head (the last entry's seq). */
export type HeadedEntrySource = EntrySource & { readonly head: number };

/** A scenario file as a journal, run in memory: one entry per command, so its head is the number of commands. */
export function scenarioEntries(file: string): HeadedEntrySource {
  const scenario = loadScenarioFile(file);
  return { ...entriesOfCommands({ config: scenario.config, rulebook: scenario.rulebook }, scenario.commands), head: scenario.commands.length };
}

/** --key: 64 hex digits, or a file holding them (or a PEM public key). */
function publicKeyArg(value: string): KeyObject {
  const text = /^[0-9a-fA-F]{64}$/.test(value.trim()) ? value : readTextFile(value, 'public key');
  try {
    return parsePublicKey(text);
  } catch (e) {
    throw new CliError('bad_argument', `--key is not an ed25519 public key (64 hex digits or PEM): ${(e as Error).message}`);
  }
}

function privateKeyArg(file: string): KeyObject {
  const text = readTextFile(file, 'private key');
  try {
    return parsePrivateKey(text);
  } catch (e) {
    throw new CliError('bad_argument', `${file} is not an ed25519 private key in PEM: ${(e as Error).message}`);
  }
}

function replayed<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof ReplayMismatchError) throw new CliError('bad_file', `the journal does not replay: ${e.message}`);
    throw e;
  }
}

/** keygen: <prefix>.key (PKCS#8 PEM, 0600) and <prefix>.pub (hex); never overwrites. Prints the public key. */
export function keygenCommand(prefix: string, io: CliIo): 0 {
  const keyFile = `${prefix}.key`;
  const pubFile = `${prefix}.pub`;
  for (const f of [keyFile, pubFile]) if (existsSync(f)) throw new CliError('bad_file', `${f} exists; keygen does not overwrite a key`);
  const keys = generateOperatorKeys();
  for (const [file, text, mode] of [[keyFile, keys.privateKeyPem, 0o600], [pubFile, `${keys.publicKeyHex}\n`, 0o666]] as const) {
    try {
      writeFileSync(file, text, { mode, flag: 'wx' });
    } catch (e) {
      throw unwritableFile(file, e);
    }
  }
  io.stdout(`${keys.publicKeyHex}\n`);
  io.stderr(`wrote ${keyFile} (private, PKCS#8 PEM) and ${pubFile} (public, hex)\n`);
  return 0;
}

/** prove: the account's inclusion proof against the state root after `seq` (default: the last entry). */
export function proveCommand(account: string, source: HeadedEntrySource, opts: { seq?: number; out?: string }, io: CliIo): 0 {
  checkSeqWithinHead(opts.seq, source.head, '--seq');
  const engine = replayed(() => replay(source, undefined, opts.seq));
  const accounts = fromEngine(engine);
  const tree = StateTree.build(accounts);
  const proof = proveAccount(tree, accounts, account);
  if (proof === undefined) throw new CliError('no_data', `account ${account} does not exist at seq ${engine.seq}`);
  const root = tree.root();
  const check = verifyInclusion(proof, root);
  if (!check.ok) throw new Error(`the proof just built does not verify: ${check.reason}`);
  const text = `${canonicalJson({ seq: engine.seq, stateRoot: root, proof })}\n`;
  writeReport(text, opts.out, io.stdout);
  io.stderr(`account ${account} at seq ${engine.seq}: state root ${root}, ${proof.siblings.length} siblings\n`);
  return 0;
}

/** verify-proof: a `prove` output file against a root (given, or the one in the file). */
export function verifyProofCommand(file: string, opts: { root?: string }, io: CliIo): 0 | 1 {
  // A file that cannot be read is exit 2, as for verify-receipt; one that reads but is no proof is invalid (1).
  const text = readTextFile(file, 'proof');
  let doc: unknown;
  try {
    doc = parseCanonical(text);
  } catch {
    io.stderr(`invalid: ${file} is not JSON\n`);
    return 1;
  }
  if (!isJsonObject(doc)) {
    io.stderr(`invalid: not a proof: ${file} holds ${jsonKind(doc)}, not an object\n`);
    return 1;
  }
  if (!isJsonObject(doc.proof)) {
    io.stderr(`invalid: not a proof: ${file} has no "proof" object (bailiff prove writes {"proof", "seq", "stateRoot"})\n`);
    return 1;
  }
  const proof = doc.proof as unknown as InclusionProof;
  const root = opts.root ?? (typeof doc.stateRoot === 'string' ? doc.stateRoot : '');
  const check = verifyInclusion(proof, root);
  if (!check.ok) {
    io.stderr(`invalid: ${check.reason}\n`);
    return 1;
  }
  io.stdout(`valid: account ${proof.account.id} is in state root ${root}\n`);
  return 0;
}

/** receipts: a signed receipt per liquidation; one JSON line each on stdout, or one file each in --out <dir>. */
export function receiptsCommand(source: EntrySource, opts: { key: string; out?: string }, io: CliIo): 0 {
  const privateKey = privateKeyArg(opts.key);
  const receipts = replayed(() => buildReceipts(source.genesis, source.entries, privateKey));
  if (opts.out !== undefined) {
    try {
      mkdirSync(opts.out, { recursive: true });
    } catch (e) {
      // EEXIST: a file of that name, not a directory.
      throw unwritableFile(opts.out, (e as NodeJS.ErrnoException).code === 'EEXIST' ? new Error('a file, not a directory') : e);
    }
  }
  for (const r of receipts) {
    const file = opts.out === undefined ? undefined : join(opts.out, `receipt-${r.journal.seq}-${r.account.replace(/[^A-Za-z0-9_.-]/g, '_')}-${r.market}-${r.step}.json`);
    writeReport(`${canonicalJson(r)}\n`, file, io.stdout);
  }
  io.stderr(`${receipts.length} liquidation receipt${receipts.length === 1 ? '' : 's'}${opts.out === undefined ? '' : ` in ${opts.out}`}\n`);
  return 0;
}

/** verify-receipt: exit 0 valid, 1 invalid with a one-line reason. */
export function verifyReceiptCommand(file: string, opts: { key: string }, io: CliIo): 0 | 1 {
  const key = publicKeyArg(opts.key);
  let doc: unknown;
  try {
    doc = parseCanonical(readTextFile(file, 'receipt'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    io.stderr(`invalid: ${file} is not JSON\n`);
    return 1;
  }
  if (!isJsonObject(doc)) {
    io.stderr(`invalid: not a receipt: ${file} holds ${jsonKind(doc)}, not an object\n`);
    return 1;
  }
  const receipt = doc as unknown as LiquidationReceipt;
  const check = verifyReceipt(receipt, key);
  if (!check.ok) {
    io.stderr(`invalid: ${check.reason}\n`);
    return 1;
  }
  io.stdout(`valid: liquidation of ${receipt.account} (${receipt.ledger}, ${receipt.market} step ${receipt.step}) at seq ${receipt.journal.seq}, equity ${receipt.breach.equity} vs requirement ${receipt.breach.requirement}\n`);
  return 0;
}
