// `bailiff keys add | list | revoke`: the service's API keys (docs/security.md). The store holds no secret; `add`
// prints the new key's secret once, and it cannot be shown again (make a new key if it is lost).

import { isRole, ROLES } from '../service/security/roles.js';
import { KeyStore, type ApiKey } from '../service/security/key-store.js';
import { CliError } from './errors.js';
import type { CliIo } from './program.js';

export interface KeysAddOptions {
  readonly store: string;
  readonly role: string;
  readonly accounts?: string;
  /** Parsed by program.ts (positiveNumber). */
  readonly rate?: number;
  readonly burst?: number;
  readonly label?: string;
  readonly masterKey?: string;
  readonly json?: boolean;
}

function accountsArg(v: string | undefined): readonly string[] | '*' {
  if (v === undefined || v === '*') return '*';
  const list = v.split(',').map((a) => a.trim());
  if (list.some((a) => a === '')) throw new CliError('bad_argument', `--accounts must be a comma-separated list of account ids (or *), not ${JSON.stringify(v)}`);
  return list;
}

function describeKey(k: ApiKey): string {
  const accounts = k.accounts === '*' ? 'all accounts' : k.accounts.join(',');
  const rate = k.rateLimit === undefined ? '' : `  rate ${k.rateLimit.perSecond}/s burst ${k.rateLimit.burst}`;
  const state = k.revokedAt === undefined ? 'active' : `revoked ${k.revokedAt}`;
  return `${k.id}  ${k.role.padEnd(8)}  ${accounts}  created ${k.createdAt}  ${state}${rate}${k.label === undefined ? '' : `  "${k.label}"`}`;
}

export function keysAdd(o: KeysAddOptions, io: CliIo, nowMs: number = Date.now()): void {
  if (!isRole(o.role)) throw new CliError('bad_argument', `--role must be one of ${ROLES.join(', ')}, not ${JSON.stringify(o.role)}`);
  if ((o.rate === undefined) !== (o.burst === undefined)) throw new CliError('bad_argument', 'give --rate and --burst together');
  const rateLimit = o.rate === undefined || o.burst === undefined ? undefined : { perSecond: o.rate, burst: o.burst };
  if (rateLimit !== undefined && rateLimit.burst < 1) throw new CliError('bad_argument', '--burst must be at least 1');
  const store = KeyStore.open(o.store, { create: true, ...(o.masterKey === undefined ? {} : { masterKeyFile: o.masterKey }) });
  const { key, secret } = store.add({
    role: o.role,
    accounts: accountsArg(o.accounts),
    nowMs,
    ...(rateLimit === undefined ? {} : { rateLimit }),
    ...(o.label === undefined ? {} : { label: o.label }),
  });
  if (o.json === true) {
    io.stdout(`${JSON.stringify({ id: key.id, secret, role: key.role, accounts: key.accounts })}\n`);
  } else {
    io.stdout(`key id: ${key.id}\nsecret: ${secret}\nrole:   ${key.role}\naccounts: ${key.accounts === '*' ? 'all' : key.accounts.join(',')}\n`);
  }
  io.stderr('the secret is shown only now: the store keeps its SHA-256, not the secret\n');
}

export function keysList(o: { store: string; masterKey?: string; json?: boolean }, io: CliIo): void {
  const store = KeyStore.open(o.store, o.masterKey === undefined ? {} : { masterKeyFile: o.masterKey });
  if (o.json === true) {
    io.stdout(`${JSON.stringify(store.list().map(({ secretSha256: _s, ...k }) => k))}\n`);
    return;
  }
  for (const k of store.list()) io.stdout(`${describeKey(k)}\n`);
}

export function keysRevoke(id: string, o: { store: string; masterKey?: string }, io: CliIo, nowMs: number = Date.now()): void {
  const store = KeyStore.open(o.store, o.masterKey === undefined ? {} : { masterKeyFile: o.masterKey });
  const k = store.revoke(id, nowMs);
  io.stdout(`${describeKey(k)}\n`);
}
