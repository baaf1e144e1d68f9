// `bailiff auctions FILE`: runs an auction scenario (docs/auctions.md) through the auction house and prints every
// event as a JSON line, amounts as decimal strings in their natural units (DAI, collateral, prices); a summary on
// stderr. Exit 1 when the Vat's equation or the collateral total does not hold at the end (a finding).

import { readFileSync } from 'node:fs';
import { applyAuctionCommand, createAuctionHouse, type AuctionEvent } from '../core/auctions/house.js';
import { addIlk, emptyMakerState, frob, slip, suck, totalCollateral, vatInvariantHolds } from '../core/auctions/maker-state.js';
import { formatDecimal } from '../core/units/index.js';
import { decodeAuctionScenario } from '../wire/auctions.js';
import { checkReservedKeys, parseStrictJson } from '../wire/strict-json.js';
import { CliError } from './errors.js';
import type { CliIo } from './program.js';

/** The unit of each amount field of the auction events: DAI (rad), collateral (wad), price (ray). */
const FIELD_DECIMALS: Readonly<Record<string, number>> = {
  tab: 45, owe: 45, coin: 45, due: 45, raised: 45, uncovered: 45, escrow: 45, pay: 45,
  lot: 18, slice: 18, returned: 18, unsold: 18, quantity: 18,
  top: 27, price: 27, floor: 27,
};

/** Bigints as decimal strings in their unit (seconds and ids as plain integers). */
function wire(value: unknown, key = ''): unknown {
  if (typeof value === 'bigint') {
    const d = FIELD_DECIMALS[key];
    return d === undefined ? value.toString() : formatDecimal(value, d);
  }
  if (Array.isArray(value)) return value.map((v) => wire(v, key));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wire(v, k)]));
  return value;
}

export function runAuctions(file: string, io: CliIo): 0 | 1 {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError('bad_file', `cannot read ${file}: ${(e as Error).message}`);
  }
  const raw = parseStrictJson(text);
  checkReservedKeys(raw);
  const sc = decodeAuctionScenario(raw);
  const s = emptyMakerState(sc.Hole);
  for (const i of sc.ilks) addIlk(s, i.id, { rate: i.rate, spot: i.spot, dust: i.dust }, { chop: i.chop, hole: i.hole }, i.clipper);
  for (const v of sc.vaults) {
    slip(s, v.ilk, v.owner, v.ink);
    frob(s, v.ilk, v.owner, v.ink, v.art);
  }
  for (const d of sc.dai) suck(s, 'genesis', d.account, d.amount);
  const collateral = new Map(sc.ilks.map((i) => [i.id, totalCollateral(s, i.id)]));
  const h = createAuctionHouse(s);
  let refused = 0;
  const counts = new Map<AuctionEvent['kind'], number>();
  sc.commands.forEach((cmd, k) => {
    for (const e of applyAuctionCommand(h, cmd)) {
      if (e.kind === 'AuctionRejected') refused++;
      counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
      io.stdout(`${JSON.stringify({ seq: k + 1, tsMs: cmd.tsMs, ...(wire(e) as object) })}\n`);
    }
  });
  const ok = vatInvariantHolds(s) && sc.ilks.every((i) => totalCollateral(s, i.id) === collateral.get(i.id));
  io.stderr(`${sc.name}: ${sc.commands.length} commands, ${refused} refused; ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
  io.stderr(`every unit accounted for: ${ok ? 'yes' : 'NO'} (the Vat's DAI equation; each ilk's collateral)\n`);
  if (!ok) io.stderr('finding: the auction state does not balance\n');
  return ok ? 0 : 1;
}
