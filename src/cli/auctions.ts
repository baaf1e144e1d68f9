// `bailiff auctions FILE`: runs an auction scenario (docs/auctions.md) through the engine (its auction commands,
// core/engine/auctions.ts) and prints every event as a JSON line, amounts as decimal strings in their natural units
// (DAI, collateral, prices); a summary on stderr. Exit 1 when the Vat's equation or the collateral total does not hold
// at the end (a finding).

import { totalCollateral, vatInvariantHolds } from '../core/auctions/maker-state.js';
import type { Command } from '../core/engine/commands.js';
import { Engine } from '../core/engine/engine.js';
import type { EngineEvent } from '../core/engine/events.js';
import type { EngineConfig } from '../core/engine/state.js';
import { ppm } from '../core/units/index.js';
import { decodeAuctionScenario } from '../wire/auctions.js';
import { WireError, type UnitLookup } from '../wire/decode.js';
import { encodeEvent } from '../wire/encode.js';
import { checkReservedKeys } from '../wire/strict-json.js';
import type { CliIo } from './program.js';
import { readJsonFile } from './run.js';

/** An engine with no markets: the auctions' amounts are in dss's own units (wad, ray, rad), whatever this says. */
const AUCTION_ENGINE: EngineConfig = { settlement: { asset: 'DAI', decimals: 18 }, settlementLtvPpm: ppm(0n), settlementLiquidationThresholdPpm: ppm(0n) };
const NO_MARKETS: UnitLookup = { quoteDecimals: 18, settlementAsset: 'DAI', market: () => undefined, assetDecimals: () => undefined };

export function runAuctions(file: string, io: CliIo): 0 | 1 {
  const raw = readJsonFile(file);
  let sc: ReturnType<typeof decodeAuctionScenario>;
  try {
    checkReservedKeys(raw);
    sc = decodeAuctionScenario(raw);
  } catch (e) {
    // Its errors name the file, as `run`'s do.
    if (e instanceof WireError) throw e.inSource(file);
    throw e;
  }
  const engine = Engine.create(AUCTION_ENGINE);
  let refused = 0;
  const counts = new Map<EngineEvent['kind'], number>();
  const commands: Command[] = [sc.setup, ...sc.commands];
  let collateral: Map<string, bigint> | null = null;
  for (const cmd of commands) {
    for (const e of engine.apply(cmd)) {
      if (e.kind === 'CommandRejected') refused++;
      counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
      io.stdout(`${JSON.stringify(encodeEvent(e, NO_MARKETS))}\n`);
    }
    const maker = engine.state.auctions?.house.maker;
    if (collateral === null && maker !== undefined) collateral = new Map(sc.setup.ilks.map((i) => [i.id, totalCollateral(maker, i.id)]));
  }
  const maker = engine.state.auctions?.house.maker;
  const ok = maker !== undefined && vatInvariantHolds(maker) && sc.setup.ilks.every((i) => totalCollateral(maker, i.id) === collateral?.get(i.id));
  io.stderr(`${sc.name}: ${sc.commands.length} commands after the set-up, ${refused} refused; ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
  io.stderr(`every unit accounted for: ${ok ? 'yes' : 'NO'} (the Vat's DAI equation; each ilk's collateral)\n`);
  if (!ok) io.stderr('finding: the auction state does not balance\n');
  return ok ? 0 : 1;
}
