// Self-trade prevention across linked accounts (Mango Markets, 2022-10-11: one trader's two accounts traded
// MNGO-PERP with each other to pump the mark, then borrowed against the unrealised profit). Accounts linked into a
// group never trade with each other: a fill between two members is refused (group_self_trade) and an order meeting a
// member's resting order cancels that resting order (OrderCancelled, reason self_trade), as with one account.

import type { SetAccountGroup } from './commands.js';
import type { Emit } from './emit.js';
import { reject, type Rejection } from './reasons.js';
import { isName } from './setup.js';
import type { EngineState } from './state.js';

export function applySetAccountGroup(s: EngineState, cmd: SetAccountGroup, emit: Emit): Rejection | undefined {
  if (!isName(cmd.account)) return reject('invalid_field', 'account', 'account id must be 1-64 letters, digits or ._:@/-');
  if (cmd.group !== null && !isName(cmd.group)) return reject('invalid_field', 'group', 'group id must be 1-64 letters, digits or ._:@/-');
  if (cmd.group === null) s.guards.groups.delete(cmd.account);
  else s.guards.groups.set(cmd.account, cmd.group);
  emit({ kind: 'AccountGroupSet', account: cmd.account, group: cmd.group ?? null });
  return undefined;
}
