// Conservation of funds: every unit that entered the system is held by an account or by the venue.
// Settlement asset: sum over accounts (the insurance fund's among them) of (balance + isolated margins - cost
// bases) + fee and funding pools - losses written off = deposited - withdrawn.
// (Cost bases enter because a position's cash is booked in its entryQuote until it is realised; see account.ts.)
// Other assets: sum of balances = deposited - withdrawn; sum of debts = borrowed - repaid.

import type { EngineState } from './state.js';

export interface ConservationReport {
  readonly asset: string;
  /** What accounts and venue pools hold. */
  readonly held: bigint;
  /** What entered minus what left. */
  readonly expected: bigint;
}

export function conservationReport(s: Readonly<EngineState>): ConservationReport[] {
  const settle = s.settlementAsset;
  const held = new Map<string, bigint>();
  const debts = new Map<string, bigint>();
  const add = (m: Map<string, bigint>, k: string, v: bigint): void => {
    m.set(k, (m.get(k) ?? 0n) + v);
  };
  add(held, settle, s.venue.feePool + s.venue.fundingPool - s.venue.badDebtWrittenOff);
  // Read, not kept: accounts a restore has not read yet stay unread (account-table.ts).
  for (const account of s.accounts.reading()) {
    for (const [asset, amount] of account.balances) add(held, asset, amount);
    for (const p of account.positions.values()) add(held, settle, (p.isolatedMargin ?? 0n) - p.entryQuote);
    for (const [asset, amount] of account.borrows) add(debts, asset, amount);
  }
  const assets = new Set<string>([settle, ...held.keys(), ...s.venue.deposited.keys(), ...s.venue.borrowed.keys()]);
  const reports: ConservationReport[] = [];
  for (const asset of [...assets].sort()) {
    reports.push({
      asset,
      held: held.get(asset) ?? 0n,
      expected: (s.venue.deposited.get(asset) ?? 0n) - (s.venue.withdrawn.get(asset) ?? 0n),
    });
    const debt = debts.get(asset) ?? 0n;
    const lent = (s.venue.borrowed.get(asset) ?? 0n) - (s.venue.repaid.get(asset) ?? 0n);
    if (debt !== 0n || lent !== 0n) reports.push({ asset: `${asset}:debt`, held: debt, expected: lent });
  }
  return reports;
}
