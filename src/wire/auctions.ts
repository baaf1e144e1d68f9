// The JSON wire format of auction scenarios (`bailiff auctions FILE`, docs/auctions.md): decimal strings in the
// natural unit of each field, turned into dss's atoms: collateral in wad (18 decimals), prices and ratios in ray (27),
// DAI in rad (45), chop and chip in wad. Times: ms since the epoch or ISO-8601 UTC. Objects are strict.

import { isJsonObject } from '../verify/json.js';
import { z } from 'zod';
import type { PriceCurve } from '../core/auctions/abaci.js';
import type { AuctionIlkSetup, AuctionSetup, EngineAuctionCommand, MakerPoke } from '../core/engine/auctions.js';
import { checkClipperParams, type ClipperParams } from '../core/auctions/maker-state.js';
import { radOf, type Rad } from '../core/auctions/ray-math.js';
import { ray, wad, type Ray, type Wad } from '../core/units/index.js';
import { decimalAtoms, timeMs, WireError, zodToWireError } from './decode.js';
import { decimalString, idString, timeValue } from './schema.js';
import { auctionSchemas } from './auction-schema.js';
import { sealedBidDigest } from './sealed-bid.js';

const nullablePrice = decimalString.nullable();
const primitives = { decimalString, idString, timeValue };
/** `bailiff auctions FILE`: every command has its time and its feed price (null: none). */
const fileShapes = auctionSchemas(primitives, timeValue, nullablePrice);
const ilkSchema = fileShapes.ilk;
const commandSchema = z.discriminatedUnion('kind', fileShapes.commands);
export type WireIlk = z.infer<typeof ilkSchema>;
/** An auction command on the wire, as either place gives it (schema.ts lists the engine's shapes). */
type WireAuctionCommand =
  | z.infer<typeof commandSchema>
  | z.infer<ReturnType<typeof auctionSchemas<z.ZodOptional<typeof timeValue>, z.ZodOptional<typeof nullablePrice>>>['commands'][number]>
  | z.infer<ReturnType<typeof auctionSchemas<z.ZodOptional<typeof timeValue>, z.ZodOptional<typeof nullablePrice>>>['engineOnly'][number]>;

export const auctionScenarioSchema = z.strictObject({
  name: z.string().max(200).optional(),
  /** DAI. */
  Hole: decimalString,
  ilks: z.array(ilkSchema).min(1).max(100),
  vaults: z.array(fileShapes.vault).max(100_000),
  dai: z.array(fileShapes.dai).max(100_000),
  commands: z.array(commandSchema).max(1_000_000),
});

export type WireAuctionScenario = z.infer<typeof auctionScenarioSchema>;

export interface AuctionScenario {
  readonly name: string;
  /** The scenario's set-up as the engine's command (at the first command's time). */
  readonly setup: AuctionSetup;
  readonly commands: readonly EngineAuctionCommand[];
}

/** Setup amounts are never negative (commands' amounts are checked by the auctions, with their refusal codes). */
function atoms(t: string, decimals: number, path: string, setup: boolean): bigint {
  const v = decimalAtoms(t, decimals, path);
  if (setup && v < 0n) throw new WireError(path, 'must not be negative');
  return v;
}
const wadOf = (t: string, path: string, setup = false): Wad => wad(atoms(t, 18, path, setup));
const rayOf = (t: string, path: string, setup = false): Ray => ray(atoms(t, 27, path, setup));
const radFrom = (t: string, path: string, setup = false): Rad => radOf(atoms(t, 45, path, setup));
/** undefined (absent: the ilk's market gives it), null (none) or a price. */
function feed(t: string | null | undefined, path: string): { feedPrice?: Ray | null } {
  return t === undefined ? {} : { feedPrice: t === null ? null : rayOf(t, path) };
}

function decodeCurve(c: WireIlk['clipper']['curve'], path: string): PriceCurve {
  switch (c.kind) {
    case 'linear_decrease':
      return { kind: 'linear_decrease', tauS: BigInt(c.tau) };
    case 'stairstep_exponential_decrease':
      return { kind: 'stairstep_exponential_decrease', stepS: BigInt(c.step), cut: rayOf(c.cut, `${path}.cut`) };
    case 'exponential_decrease':
      return { kind: 'exponential_decrease', cut: rayOf(c.cut, `${path}.cut`) };
  }
}

/** One collateral type: the Vat's, the Dog's and its Clipper's parameters, checked (the first problem's path). */
export function decodeIlk(i: WireIlk, path: string): AuctionIlkSetup {
  const clipper: ClipperParams = {
    buf: rayOf(i.clipper.buf, `${path}.clipper.buf`),
    tailS: BigInt(i.clipper.tail),
    cusp: rayOf(i.clipper.cusp, `${path}.clipper.cusp`),
    chip: wadOf(i.clipper.chip, `${path}.clipper.chip`, true),
    tip: radFrom(i.clipper.tip, `${path}.clipper.tip`, true),
    curve: decodeCurve(i.clipper.curve, `${path}.clipper.curve`),
    stopped: i.clipper.stopped ?? 0,
  };
  const chop = wadOf(i.chop, `${path}.chop`);
  const problem = checkClipperParams(clipper, chop)[0];
  if (problem !== undefined) throw new WireError(problem.path === 'chop' ? `${path}.chop` : `${path}.clipper.${problem.path}`, problem.message);
  const rate = rayOf(i.rate, `${path}.rate`, true);
  if (rate === 0n) throw new WireError(`${path}.rate`, 'must be positive');
  const mat = i.mat === undefined ? null : rayOf(i.mat, `${path}.mat`);
  if (mat !== null && mat <= 0n) throw new WireError(`${path}.mat`, 'must be positive');
  return {
    id: i.id,
    rate,
    spot: rayOf(i.spot, `${path}.spot`, true),
    dust: radFrom(i.dust, `${path}.dust`, true),
    chop,
    hole: radFrom(i.hole, `${path}.hole`, true),
    clipper,
    market: i.market ?? null,
    mat,
  };
}

/** An auction command of either wire shape (the file's or the engine's) as the engine's command. */
export function decodeAuctionCommand(c: WireAuctionCommand, tsMs: number, path: string): EngineAuctionCommand | AuctionSetup | MakerPoke {
  switch (c.kind) {
    case 'maker_bark':
      return { kind: c.kind, tsMs, ilk: c.ilk, urn: c.urn, keeper: c.keeper, ...feed(c.feedPrice, `${path}.feedPrice`) };
    case 'maker_take':
      return { kind: c.kind, tsMs, ilk: c.ilk, id: c.id, amt: wadOf(c.amt, `${path}.amt`), max: rayOf(c.max, `${path}.max`), buyer: c.buyer, who: c.who ?? c.buyer };
    case 'maker_redo':
      return { kind: c.kind, tsMs, ilk: c.ilk, id: c.id, keeper: c.keeper, ...feed(c.feedPrice, `${path}.feedPrice`) };
    case 'auction_clock':
      return { kind: c.kind, tsMs, ilk: c.ilk, why: c.why, paused: c.paused };
    case 'sealed_bark':
      return {
        kind: c.kind,
        tsMs,
        ilk: c.ilk,
        urn: c.urn,
        keeper: c.keeper,
        ...feed(c.feedPrice, `${path}.feedPrice`),
        floorRatio: rayOf(c.floorRatio, `${path}.floorRatio`),
        commitS: BigInt(c.commit),
        revealS: BigInt(c.reveal),
        maxBids: c.maxBids,
      };
    case 'sealed_commit':
      return { kind: c.kind, tsMs, auction: c.auction, bidder: c.bidder, digestHex: c.digest };
    case 'sealed_reveal': {
      const price = rayOf(c.price, `${path}.price`);
      const quantity = wadOf(c.quantity, `${path}.quantity`);
      const digestHex = sealedBidDigest(c.auction, c.bidder, price, quantity, c.salt);
      return { kind: c.kind, tsMs, auction: c.auction, bidder: c.bidder, price, quantity, saltHex: c.salt, digestHex };
    }
    case 'sealed_settle':
      return { kind: c.kind, tsMs, auction: c.auction, keeper: c.keeper, ...feed(c.feedPrice, `${path}.feedPrice`) };
    case 'maker_poke':
      return { kind: c.kind, tsMs, ilk: c.ilk };
    case 'auction_setup': {
      const seen = new Set<string>();
      const ilks = c.ilks.map((i, k) => {
        if (seen.has(i.id)) throw new WireError(`${path}.ilks[${k}].id`, `ilk ${i.id} is given twice`);
        seen.add(i.id);
        return decodeIlk(i, `${path}.ilks[${k}]`);
      });
      return {
        kind: c.kind,
        tsMs,
        Hole: c.Hole === undefined ? null : radFrom(c.Hole, `${path}.Hole`, true),
        ilks,
        vaults: c.vaults.map((v, k) => ({ ilk: v.ilk, owner: v.owner, ink: wadOf(v.ink, `${path}.vaults[${k}].ink`, true), art: wadOf(v.art, `${path}.vaults[${k}].art`, true) })),
        dai: c.dai.map((d, k) => ({ account: d.account, amount: radFrom(d.amount, `${path}.dai[${k}].amount`, true) })),
      };
    }
  }
}

/** Decodes a parsed auction scenario, or throws a WireError naming the first bad field. */
export function decodeAuctionScenario(raw: unknown): AuctionScenario {
  const parsed = auctionScenarioSchema.safeParse(raw);
  if (!parsed.success) {
    // An engine scenario given to `auctions` (settlement, markets; no Hole): said as such, not "Hole: is required".
    if (isJsonObject(raw) && !('Hole' in raw) && ('settlement' in raw || 'markets' in raw)) {
      throw new WireError('', 'an engine scenario (settlement, markets), not an auction scenario: run it with `bailiff run` (docs/scenarios.md)');
    }
    throw zodToWireError(parsed.error, '');
  }
  const w = parsed.data;
  const seen = new Set<string>();
  const ilks = w.ilks.map((i, k) => {
    const path = `ilks[${k}]`;
    if (seen.has(i.id)) throw new WireError(`${path}.id`, `ilk ${i.id} is given twice`);
    if (i.market !== undefined) throw new WireError(`${path}.market`, 'an auction scenario has no engine markets: give feed prices in the commands (or use an engine scenario)');
    seen.add(i.id);
    return decodeIlk(i, path);
  });
  const vaults = w.vaults.map((v, k) => {
    if (!seen.has(v.ilk)) throw new WireError(`vaults[${k}].ilk`, `no ilk ${v.ilk}`);
    return { ilk: v.ilk, owner: v.owner, ink: wadOf(v.ink, `vaults[${k}].ink`, true), art: wadOf(v.art, `vaults[${k}].art`, true) };
  });
  const dai = w.dai.map((d, k) => ({ account: d.account, amount: radFrom(d.amount, `dai[${k}].amount`, true) }));
  const commands = w.commands.map((c, k) => decodeAuctionCommand(c, timeMs(c.at, `commands[${k}].at`), `commands[${k}]`) as EngineAuctionCommand);
  const setup: AuctionSetup = { kind: 'auction_setup', tsMs: commands[0]?.tsMs ?? 0, Hole: radFrom(w.Hole, 'Hole', true), ilks, vaults, dai };
  return { name: w.name ?? 'auctions', setup, commands };
}
