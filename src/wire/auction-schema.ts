// The wire shapes of the auction commands (docs/auctions.md), one definition for both places they arrive: the
// engine's commands (scenarios, `bailiff ingest`, POST /v1/commands; `at` optional, a feed price absent for an ilk
// linked to a market) and `bailiff auctions FILE` (wire/auctions.ts; `at` and feed prices required, as before).
// Built from the primitives schema.ts passes in, so that schema.ts can list them without an import cycle.

import { z } from 'zod';

export interface WirePrimitives {
  readonly decimalString: z.ZodType<string>;
  readonly idString: z.ZodType<string>;
  readonly timeValue: z.ZodType<number | string>;
}

const SECONDS_MESSAGE = 'must be whole seconds from 1 to 10,000,000';
const seconds = z.number({ error: SECONDS_MESSAGE }).int({ error: SECONDS_MESSAGE }).positive({ error: SECONDS_MESSAGE }).max(10_000_000, { error: SECONDS_MESSAGE });

export function auctionSchemas<At extends z.ZodType, Feed extends z.ZodType>(p: WirePrimitives, atSchema: At, feedSchema: Feed) {
  const { decimalString, idString: id } = p;
  const at = { at: atSchema };
  const curve = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('linear_decrease'), tau: seconds }),
    z.strictObject({ kind: z.literal('stairstep_exponential_decrease'), step: seconds, cut: decimalString }),
    z.strictObject({ kind: z.literal('exponential_decrease'), cut: decimalString }),
  ]);
  const ilk = z.strictObject({
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
      curve,
      stopped: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).optional(),
    }),
    /** Engine only: the market whose index is the ilk's feed price, and the liquidation ratio maker_poke uses. */
    market: id.optional(),
    mat: decimalString.optional(),
  });
  const vault = z.strictObject({ ilk: id, owner: id, ink: decimalString, art: decimalString });
  const dai = z.strictObject({ account: id, amount: decimalString });
  const commands = [
    z.strictObject({ kind: z.literal('maker_bark'), ...at, ilk: id, urn: id, keeper: id, feedPrice: feedSchema }),
    z.strictObject({ kind: z.literal('maker_take'), ...at, ilk: id, id: z.number().int().positive(), amt: decimalString, max: decimalString, buyer: id, who: id.optional() }),
    z.strictObject({ kind: z.literal('maker_redo'), ...at, ilk: id, id: z.number().int().positive(), keeper: id, feedPrice: feedSchema }),
    z.strictObject({ kind: z.literal('auction_clock'), ...at, ilk: id.nullable(), why: z.enum(['feed', 'engine']), paused: z.boolean() }),
    z.strictObject({
      kind: z.literal('sealed_bark'),
      ...at,
      ilk: id,
      urn: id,
      keeper: id,
      feedPrice: feedSchema,
      floorRatio: decimalString,
      commit: seconds,
      reveal: seconds,
      maxBids: z.number().int().min(1).max(10_000),
    }),
    z.strictObject({ kind: z.literal('sealed_commit'), ...at, auction: id, bidder: id, digest: z.string() }),
    // No digest: the edge computes it from the revealed fields (sealedBidDigest), so a reveal cannot claim one.
    z.strictObject({ kind: z.literal('sealed_reveal'), ...at, auction: id, bidder: id, price: decimalString, quantity: decimalString, salt: z.string() }),
    z.strictObject({ kind: z.literal('sealed_settle'), ...at, auction: id, keeper: id, feedPrice: feedSchema }),
  ] as const;
  const setupFields = {
    /** DAI; absent keeps the Dog's limit. */
    Hole: decimalString.optional(),
    ilks: z.array(ilk).max(100).default([]),
    vaults: z.array(vault).max(100_000).default([]),
    dai: z.array(dai).max(100_000).default([]),
  };
  /** A scenario file's `auctions` section: the set-up, applied as auction_setup after the accounts. */
  const setup = z.strictObject(setupFields);
  const engineOnly = [
    z.strictObject({ kind: z.literal('auction_setup'), ...at, ...setupFields }),
    z.strictObject({ kind: z.literal('maker_poke'), ...at, ilk: id }),
  ] as const;
  return { curve, ilk, vault, dai, commands, engineOnly, setup };
}
