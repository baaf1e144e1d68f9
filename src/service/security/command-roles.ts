// The least role each engine command needs when it arrives through the command route (POST /v1/commands takes any
// command, so the route's own role — trade — is only the floor). A Record over every CommandKind: a new command kind
// does not compile until it is given a role here.
//   trade     a trader acting on its own account (the key's scope checks `account`)
//   operator  the venue's own feeds and matching engine, and its emergency switches (prices, fills, deposits, halt)
//   admin     parameters (listings, margin schedules, rulebooks) and their confirmation

import type { CommandKind } from '../../core/engine/commands.js';
import type { Role } from './roles.js';

export const COMMAND_ROLES: Readonly<Record<CommandKind, Role>> = {
  set_market: 'admin',
  set_asset: 'admin',
  set_rulebook: 'admin',
  deposit: 'operator',
  withdraw: 'trade',
  fill: 'operator',
  adjust_isolated_margin: 'trade',
  price: 'operator',
  source_price: 'operator',
  market_data: 'operator',
  funding_rate: 'operator',
  settle_funding: 'operator',
  place_order: 'trade',
  cancel_order: 'trade',
  set_liquidation_pause: 'operator',
  insurance_deposit: 'operator',
  tick: 'operator',
  borrow: 'trade',
  repay: 'trade',
  set_account_group: 'operator',
  confirm_change: 'admin',
  cancel_change: 'admin',
  audit: 'operator',
  halt: 'operator',
  resume: 'operator',
  place_conditional: 'trade',
  cancel_conditional: 'trade',
  amend_conditional: 'trade',
  // ---- auctions in the engine (issue 18 part B): the Maker world is set up by admins; keepers' and bidders'
  // commands name no `account` a trade key's scope could check, so they come through the operator (the venue's
  // keeper gateway) ----
  auction_setup: 'admin',
  maker_poke: 'operator',
  maker_bark: 'operator',
  maker_take: 'operator',
  maker_redo: 'operator',
  auction_clock: 'operator',
  sealed_bark: 'operator',
  sealed_commit: 'operator',
  sealed_reveal: 'operator',
  sealed_settle: 'operator',
  // lending markets (issue 18): a lending `user` is not an engine account, so a key scoped to accounts cannot send
  // these (no body.account: account_required); listing is admin, prices the operator's, the rest a trader's or keeper's
  lending_reserve: 'admin',
  lending_price: 'operator',
  lending_supply: 'trade',
  lending_borrow: 'trade',
  lending_repay: 'trade',
  lending_liquidate: 'trade',
  morpho_market: 'admin',
  morpho_price: 'operator',
  morpho_supply: 'trade',
  morpho_supply_collateral: 'trade',
  morpho_borrow: 'trade',
  morpho_pre_liquidation: 'trade',
  morpho_liquidate: 'trade',
  // Compound v3 markets (issue 18)
  comet_market: 'admin',
  comet_price: 'operator',
  comet_supply: 'trade',
  comet_withdraw: 'trade',
  comet_absorb: 'trade',
  comet_buy_collateral: 'trade',
  // Aave e-mode (issue 18)
  lending_emode_category: 'admin',
  lending_set_emode: 'trade',
  morpho_repay: 'trade', // Morpho repay / withdrawCollateral (issue 18)
  morpho_withdraw_collateral: 'trade',
};

/** The commands whose `actor` names who sent them: the plugin fills it with the key id (journaled with the command). */
export const ACTOR_COMMANDS: ReadonlySet<string> = new Set<CommandKind>(['confirm_change', 'cancel_change']);

/** The role a wire command needs, or undefined for a body that is not a command of a known kind (the route refuses it). */
export function commandRole(body: unknown): Role | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const kind = (body as { kind?: unknown }).kind;
  return typeof kind === 'string' && Object.hasOwn(COMMAND_ROLES, kind) ? COMMAND_ROLES[kind as CommandKind] : undefined;
}
