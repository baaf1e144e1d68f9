// `bailiff account <id> --journal <file>`: an account's risk view at the journal's head (or --seq), the same body
// `GET /v1/accounts/{id}` answers (src/service/views.ts over core/engine/risk-view.ts accountRisk): balances,
// ledgers (equity, margins, free collateral, margin ratio, distance to the threshold) and positions (exact
// liquidation price, cross too, bankruptcy price, distance, ADL rank), as JSON. The journal is replayed read-only.

import { Views } from '../service/views.js';
import { replay } from '../verify/entries.js';
import { CliError } from './errors.js';
import { checkSeqWithinHead, openCheckedJournal } from './journal-file.js';
import type { CliIo } from './program.js';

export function runAccount(id: string, o: { readonly journal: string; readonly seq?: number }, io: CliIo): 0 {
  const j = openCheckedJournal(o.journal);
  checkSeqWithinHead(o.seq, j.head, '--seq');
  const engine = replay({ genesis: j.genesis, entries: j.records }, () => {}, o.seq ?? Number.POSITIVE_INFINITY);
  const view = new Views(engine, j.units).account(id);
  if (view === undefined) throw new CliError('no_data', `${o.journal} has no account ${JSON.stringify(id)} at seq ${engine.seq}`);
  io.stdout(`${JSON.stringify(view, null, 2)}\n`);
  return 0;
}
