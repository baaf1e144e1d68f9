// Small builders for Aave markets and accounts in tests and examples (no logic of its own).

import type { AaveAccount, AaveMarket, AavePosition, AaveReserve, EModeCategory } from './aave-reserve.js';
import { staticReserve } from './aave-reserve.js';

export const USD = (dollars: bigint): bigint => dollars * 10n ** 8n;

/** A reserve with Aave-like defaults: 1 USD, 8 decimals, LTV 75%, threshold 80%, bonus 5%, no fee. */
export function reserve(asset: string, id: number, fields: Partial<AaveReserve> = {}): AaveReserve {
  return {
    ...staticReserve({
      asset,
      id,
      decimals: 8,
      ltvBps: 7_500n,
      liquidationThresholdBps: 8_000n,
      liquidationBonusBps: 10_500n,
      liquidationProtocolFeeBps: 0n,
      priceBase: USD(1n),
    }),
    ...fields,
  };
}

export function market(reserves: readonly AaveReserve[], eModes: readonly EModeCategory[] = []): AaveMarket {
  return { reserves: new Map(reserves.map((r) => [r.asset, r])), eModes: new Map(eModes.map((e) => [e.id, e])) };
}

/** An account from plain amounts at index 1 ray: supplies are enabled as collateral. */
export function account(
  supplies: Readonly<Record<string, bigint>>,
  debts: Readonly<Record<string, bigint>>,
  eMode = 0,
): AaveAccount {
  const positions = new Map<string, AavePosition>();
  for (const [asset, amount] of Object.entries(supplies)) positions.set(asset, { scaledSupply: amount, scaledDebt: 0n, collateralEnabled: true });
  for (const [asset, amount] of Object.entries(debts)) {
    const p = positions.get(asset) ?? { scaledSupply: 0n, scaledDebt: 0n, collateralEnabled: false };
    positions.set(asset, { ...p, scaledDebt: amount });
  }
  return { eMode, positions };
}
