// Scenario files (docs/scenarios.md): settlement, rulebook, markets, assets, opening accounts, and a timed list of
// commands. The whole file is decoded before anything runs, so a malformed file fails with the path of the
// first bad field and runs nothing.

import { isJsonObject } from '../verify/json.js';
import { decodeAuctionCommand } from '../wire/auctions.js';
import type { Command } from '../core/engine/commands.js';
import type { EngineConfig } from '../core/engine/state.js';
import type { MarketSpec } from '../core/market/spec.js';
import type { Rulebook } from '../core/rulebooks/rulebook.js';
import {
  decimalAtoms,
  declaredUnits,
  decodeAsset,
  decodeCommand,
  defaultTimeAfter,
  decodeMarket,
  decodeRulebook,
  ratioPpm,
  timeMs,
  WireError,
  zodToWireError,
  type UnitLookup,
} from '../wire/decode.js';
import { verifyStream } from '../feeds/attestation.js';
import { scenarioSchema } from '../wire/schema.js';
import { checkReservedKeys, parseStrictJson } from '../wire/strict-json.js';

export interface Scenario {
  readonly name: string;
  readonly config: EngineConfig;
  readonly rulebook: Rulebook;
  /**
   * Setup commands first (rulebook, markets, assets, deposits), then the file's commands, in order; signed source
   * prices carry the edge's verdict on their signature (feeds/attestation.ts).
   */
  readonly commands: readonly Command[];
  /** The units every market and asset in the file declares (for printing events). */
  readonly units: UnitLookup;
}

/** Learns market and asset units as the file declares them, so later commands can be decoded. */
export class TrackingUnits implements UnitLookup {
  private readonly markets = new Map<string, Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'>>();
  private readonly assets = new Map<string, number>();
  constructor(
    readonly quoteDecimals: number,
    readonly settlementAsset: string,
  ) {}
  market(id: string): Pick<MarketSpec, 'baseDecimals' | 'priceDecimals'> | undefined {
    return this.markets.get(id);
  }
  assetDecimals(id: string): number | undefined {
    return id === this.settlementAsset ? this.quoteDecimals : this.assets.get(id);
  }
  learn(cmd: Command): void {
    declaredUnits(
      cmd,
      (id, units) => {
        if (!this.markets.has(id)) this.markets.set(id, units);
      },
      (id, decimals) => {
        if (this.assetDecimals(id) === undefined) this.assets.set(id, decimals);
      },
    );
  }
}

/**
 * Parses a scenario file's text: invalid JSON, a key given twice in one object, a reserved key ("__proto__",
 * "constructor", "prototype") and every decoding error become a WireError naming `source` and the field's path.
 */
export function parseScenarioText(text: string, source: string, o: ParseScenarioOptions = {}): Scenario {
  try {
    return parseScenario(parseStrictJson(text), o);
  } catch (e) {
    if (e instanceof WireError) throw e.inSource(source);
    throw e;
  }
}

/** Each id once in a list: a second "alice" would silently merge two accounts' deposits. */
function refuseDuplicateIds(items: readonly { readonly id: string }[], list: string, what: string): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const seen = first.get(item.id);
    if (seen !== undefined) throw new WireError(`${list}[${i}].id`, `duplicate ${what} id "${item.id}" (first at ${list}[${seen}])`);
    first.set(item.id, i);
  });
}

/** Decodes a parsed scenario; WireError paths are relative to the file's root ("commands[3].price"). */
export interface ParseScenarioOptions {
  /** Told after each command of the file is decoded (for progress on big files). */
  readonly onCommand?: (done: number, total: number) => void;
}

export function parseScenario(json: unknown, o: ParseScenarioOptions = {}): Scenario {
  checkReservedKeys(json);
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) {
    // An auction scenario given to `run` (its top: Hole, ilks; no settlement): said as such, not "settlement: is required".
    if (isJsonObject(json) && 'Hole' in json && 'ilks' in json && !('settlement' in json)) {
      throw new WireError('', 'an auction scenario (Hole, ilks), not an engine scenario: run it with `bailiff auctions` (docs/auctions.md)');
    }
    throw zodToWireError(parsed.error, '');
  }
  const sc = parsed.data;
  refuseDuplicateIds(sc.accounts, 'accounts', 'account');
  refuseDuplicateIds(sc.markets, 'markets', 'market');
  refuseDuplicateIds(sc.assets, 'assets', 'asset');
  const at = (p: string): string => p.replace(/^\./, '');
  const config: EngineConfig = {
    settlement: { asset: sc.settlement.asset, decimals: sc.settlement.decimals },
    settlementLtvPpm: ratioPpm(sc.settlement.ltv, at('.settlement.ltv')),
    settlementLiquidationThresholdPpm: ratioPpm(sc.settlement.liquidationThreshold, at('.settlement.liquidationThreshold')),
  };
  const units = new TrackingUnits(config.settlement.decimals, config.settlement.asset);
  const rulebook = decodeRulebook(sc.rulebook, at('.rulebook'), config.settlement.decimals);
  const firstAt = (sc.commands[0] as { at?: unknown } | undefined)?.at;
  const startMs =
    sc.startAt !== undefined
      ? timeMs(sc.startAt, at('.startAt'))
      : typeof firstAt === 'number' || typeof firstAt === 'string'
        ? timeMs(firstAt, at('.commands[0].at'))
        : 0;

  const commands: Command[] = [];
  const push = (cmd: Command): void => {
    units.learn(cmd);
    commands.push(cmd);
  };
  push({ kind: 'set_rulebook', tsMs: startMs, rulebook });
  sc.markets.forEach((m, i) => push({ kind: 'set_market', tsMs: startMs, market: decodeMarket(m, config.settlement.decimals, at(`.markets[${i}]`)) }));
  sc.assets.forEach((a, i) => push({ kind: 'set_asset', tsMs: startMs, asset: decodeAsset(a, at(`.assets[${i}]`)) }));
  sc.accounts.forEach((acct, i) => {
    for (const [asset, amount] of Object.entries(acct.deposits)) {
      const path = at(`.accounts[${i}].deposits.${asset}`);
      const decimals = units.assetDecimals(asset);
      if (decimals === undefined) throw new WireError(path, `unknown asset "${asset}"`);
      push({ kind: 'deposit', tsMs: startMs, account: acct.id, asset, amount: decimalAtoms(amount, decimals, path) });
    }
  });
  // ---- auctions in the engine (issue 18 part B): the `auctions` section is one auction_setup command ----
  if (sc.auctions !== undefined) push(decodeAuctionCommand({ kind: 'auction_setup', ...sc.auctions }, startMs, at('.auctions')));
  // lending markets (issue 18): reserves, then every user's supplies, then the borrows, at startAt
  sc.lending.forEach((m, i) => {
    m.reserves.forEach((r, k) => push(decodeCommand({ ...r, kind: 'lending_reserve', market: m.id }, units, at(`.lending[${i}].reserves[${k}]`), startMs)));
    for (const side of ['supply', 'borrow'] as const) {
      m.users.forEach((u, k) => {
        for (const [asset, amount] of Object.entries(u[side])) {
          const wire = { kind: side === 'supply' ? 'lending_supply' : 'lending_borrow', market: m.id, user: u.id, asset, amount };
          push(decodeCommand(wire, units, at(`.lending[${i}].users[${k}].${side}.${asset}`), startMs));
        }
      });
    }
  });
  let lastMs = startMs;
  sc.commands.forEach((raw, i) => {
    const cmd = decodeCommand(raw, units, at(`.commands[${i}]`), lastMs);
    lastMs = defaultTimeAfter(lastMs, cmd);
    push(cmd);
    o.onCommand?.(i + 1, sc.commands.length);
  });
  // Signed prices are verified here, at the edge, once: the commands carry the verdicts into apply (and a journal).
  return { name: sc.name ?? 'scenario', config, rulebook, commands: verifyStream(commands), units };
}
