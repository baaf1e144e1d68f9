// The JSON wire format of auction scenarios (`bailiff auctions FILE`, docs/auctions.md): decimal strings in the
// natural unit of each field, turned into dss's atoms: collateral in wad (18 decimals), prices and ratios in ray (27),
// DAI in rad (45), chop and chip in wad. Times: ms since the epoch or ISO-8601 UTC. Objects are strict.

import { z } from 'zod';
import type { PriceCurve } from '../core/auctions/abaci.js';
import type { AuctionCommand } from '../core/auctions/house.js';
import { checkClipperParams, type ClipperParams } from '../core/auctions/maker-state.js';
import { radOf, type Rad } from '../core/auctions/ray-math.js';
import { ray, wad, type Ray, type Wad } from '../core/units/index.js';
import { decimalAtoms, timeMs, WireError, zodToWireError } from './decode.js';
import { decimalString, idString, timeValue } from './schema.js';
import { sealedBidDigest } from './sealed-bid.js';

const seconds = z.number({ error: 'must be whole seconds' }).int().positive().max(10_000_000);
const id = idString;
const nullablePrice = decimalString.nullable();

const curveSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('linear_decrease'), tau: seconds }),
  z.strictObject({ kind: z.literal('stairstep_exponential_decrease'), step: seconds, cut: decimalString }),
  z.strictObject({ kind: z.literal('exponential_decrease'), cut: decimalString }),
]);

const ilkSchema = z.strictObject({
  id,
  /** Stability fee accumulator (1 = none accrued). */
  rate: decimalString,
  /** Price with the safety margin: price / liquidation ratio. */
  spot: decimalString,
  /** DAI. */
  dust: decimalString,
  /** Liquidation penalty as a multiplier: "1.13" = 13%. */
  chop: decimalString,
  /** DAI. */
  hole: decimalString,
  clipper: z.strictObject({
    buf: decimalString,
    tail: seconds,
    cusp: decimalString,
    chip: decimalString,
    tip: decimalString,
    curve: curveSchema,
    stopped: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
  }),
});

const at = { at: timeValue };
const commandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('maker_bark'), ...at, ilk: id, urn: id, keeper: id, feedPrice: nullablePrice }),
  z.strictObject({ kind: z.literal('maker_take'), ...at, ilk: id, id: z.number().int().positive(), amt: decimalString, max: decimalString, buyer: id, who: id.optional() }),
  z.strictObject({ kind: z.literal('maker_redo'), ...at, ilk: id, id: z.number().int().positive(), keeper: id, feedPrice: nullablePrice }),
  z.strictObject({ kind: z.literal('auction_clock'), ...at, ilk: id.nullable(), why: z.enum(['feed', 'engine']), paused: z.boolean() }),
  z.strictObject({
    kind: z.literal('sealed_bark'),
    ...at,
    ilk: id,
    urn: id,
    keeper: id,
    feedPrice: nullablePrice,
    floorRatio: decimalString,
    commit: seconds,
    reveal: seconds,
    maxBids: z.number().int().min(1).max(10_000),
  }),
  z.strictObject({ kind: z.literal('sealed_commit'), ...at, auction: id, bidder: id, digest: z.string() }),
  // No digest: the edge computes it from the revealed fields (sealedBidDigest), so a reveal cannot claim one.
  z.strictObject({ kind: z.literal('sealed_reveal'), ...at, auction: id, bidder: id, price: decimalString, quantity: decimalString, salt: z.string() }),
  z.strictObject({ kind: z.literal('sealed_settle'), ...at, auction: id, keeper: id, feedPrice: nullablePrice }),
]);

export const auctionScenarioSchema = z.strictObject({
  name: z.string().max(200).optional(),
  /** DAI. */
  Hole: decimalString,
  ilks: z.array(ilkSchema).min(1).max(100),
  vaults: z.array(z.strictObject({ ilk: id, owner: id, ink: decimalString, art: decimalString })).max(100_000),
  dai: z.array(z.strictObject({ account: id, amount: decimalString })).max(100_000),
  commands: z.array(commandSchema).max(1_000_000),
});

export type WireAuctionScenario = z.infer<typeof auctionScenarioSchema>;

export interface AuctionScenario {
  readonly name: string;
  readonly Hole: Rad;
  readonly ilks: readonly { readonly id: string; readonly rate: Ray; readonly spot: Ray; readonly dust: Rad; readonly chop: Wad; readonly hole: Rad; readonly clipper: ClipperParams }[];
  readonly vaults: readonly { readonly ilk: string; readonly owner: string; readonly ink: Wad; readonly art: Wad }[];
  readonly dai: readonly { readonly account: string; readonly amount: Rad }[];
  readonly commands: readonly AuctionCommand[];
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
const feed = (t: string | null, path: string): Ray | null => (t === null ? null : rayOf(t, path));

function decodeCurve(c: z.infer<typeof curveSchema>, path: string): PriceCurve {
  switch (c.kind) {
    case 'linear_decrease':
      return { kind: 'linear_decrease', tauS: BigInt(c.tau) };
    case 'stairstep_exponential_decrease':
      return { kind: 'stairstep_exponential_decrease', stepS: BigInt(c.step), cut: rayOf(c.cut, `${path}.cut`) };
    case 'exponential_decrease':
      return { kind: 'exponential_decrease', cut: rayOf(c.cut, `${path}.cut`) };
  }
}

function decodeCommand(c: z.infer<typeof commandSchema>, path: string): AuctionCommand {
  const tsMs = timeMs(c.at, `${path}.at`);
  switch (c.kind) {
    case 'maker_bark':
      return { kind: c.kind, tsMs, ilk: c.ilk, urn: c.urn, keeper: c.keeper, feedPrice: feed(c.feedPrice, `${path}.feedPrice`) };
    case 'maker_take':
      return { kind: c.kind, tsMs, ilk: c.ilk, id: c.id, amt: wadOf(c.amt, `${path}.amt`), max: rayOf(c.max, `${path}.max`), buyer: c.buyer, who: c.who ?? c.buyer };
    case 'maker_redo':
      return { kind: c.kind, tsMs, ilk: c.ilk, id: c.id, keeper: c.keeper, feedPrice: feed(c.feedPrice, `${path}.feedPrice`) };
    case 'auction_clock':
      return { kind: c.kind, tsMs, ilk: c.ilk, why: c.why, paused: c.paused };
    case 'sealed_bark':
      return {
        kind: c.kind,
        tsMs,
        ilk: c.ilk,
        urn: c.urn,
        keeper: c.keeper,
        feedPrice: feed(c.feedPrice, `${path}.feedPrice`),
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
      return { kind: c.kind, tsMs, auction: c.auction, keeper: c.keeper, feedPrice: feed(c.feedPrice, `${path}.feedPrice`) };
  }
}

/** Decodes a parsed auction scenario, or throws a WireError naming the first bad field. */
export function decodeAuctionScenario(raw: unknown): AuctionScenario {
  const parsed = auctionScenarioSchema.safeParse(raw);
  if (!parsed.success) throw zodToWireError(parsed.error, '');
  const w = parsed.data;
  const seen = new Set<string>();
  const ilks = w.ilks.map((i, k) => {
    const path = `ilks[${k}]`;
    if (seen.has(i.id)) throw new WireError(`${path}.id`, `ilk ${i.id} is given twice`);
    seen.add(i.id);
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
    return { id: i.id, rate, spot: rayOf(i.spot, `${path}.spot`, true), dust: radFrom(i.dust, `${path}.dust`, true), chop, hole: radFrom(i.hole, `${path}.hole`, true), clipper };
  });
  const vaults = w.vaults.map((v, k) => {
    if (!seen.has(v.ilk)) throw new WireError(`vaults[${k}].ilk`, `no ilk ${v.ilk}`);
    return { ilk: v.ilk, owner: v.owner, ink: wadOf(v.ink, `vaults[${k}].ink`, true), art: wadOf(v.art, `vaults[${k}].art`, true) };
  });
  const dai = w.dai.map((d, k) => ({ account: d.account, amount: radFrom(d.amount, `dai[${k}].amount`, true) }));
  const commands = w.commands.map((c, k) => decodeCommand(c, `commands[${k}]`));
  return { name: w.name ?? 'auctions', Hole: radFrom(w.Hole, 'Hole', true), ilks, vaults, dai, commands };
}
