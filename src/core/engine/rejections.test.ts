// Every engine rejection code is reached by a test (issue 15: many were named in none). The catalogue below reaches
// those no other test names, each with the field it blames, and checks that the refusal changed nothing; the last
// test checks that every live code of the `rejection` vocabulary is named in some test file.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MarketSpec } from '../market/spec.js';
import type { Rulebook } from '../rulebooks/rulebook.js';
import { DEFAULT_RULEBOOK } from '../rulebooks/presets.js';
import { dec, price, quote, size } from '../units/index.js';
import type { Command } from './commands.js';
import { Engine } from './engine.js';
import type { RejectionReason } from './reasons.js';
import { REJECTION_REASONS } from './reasons.js';
import { encodeSnapshot } from './snapshot.js';
import { BTC_PERP, standardSetup, TEST_CONFIG, USDC, type CommandBody } from './testkit.js';

const T = 1_000;
const zero = quote(0n);
const px = (text: string) => price(dec(text, 2));

/** SOL-PERP: listed but never priced; 0.01 SOL steps of 10 atoms (baseDecimals 3). */
const SOL_PERP: MarketSpec = { ...BTC_PERP, id: 'SOL-PERP', stepSize: size(10n) };

/** The standard world, a, b with 1,000,000 USDC each, a cross long 0.1 BTC for a (b short), SOL-PERP unpriced. */
function world(): Engine {
  const e = Engine.create(TEST_CONFIG);
  for (const cmd of standardSetup(T)) e.apply(cmd);
  e.apply({ kind: 'set_market', tsMs: T, market: SOL_PERP });
  for (const id of ['a', 'b']) e.apply({ kind: 'deposit', tsMs: T, account: id, asset: USDC, amount: dec('1000000', 6) });
  e.apply({ kind: 'fill', tsMs: T, market: 'BTC-PERP', price: px('100000'), size: size(100n), buyer: { account: 'a', fee: zero }, seller: { account: 'b', fee: zero } });
  return e;
}

const withoutSeq = (text: string): string => text.replace(/"seq":\d+,"timeMs"/, '"seq":0,"timeMs"');

/** For each code: the command that earns it from world(), and the field it blames. */
const CASES: readonly { readonly reason: RejectionReason; readonly field: string; readonly cmd: CommandBody }[] = [
  { reason: 'invalid_field', field: 'id', cmd: { kind: 'place_order', account: 'a', market: 'BTC-PERP', id: 'no spaces', side: 'buy', price: px('90000'), size: size(1n), tif: 'gtc' } },
  { reason: 'market_unknown', field: 'market', cmd: { kind: 'price', market: 'DOGE-PERP', mark: px('1') } },
  { reason: 'market_units_immutable', field: 'market.baseDecimals', cmd: { kind: 'set_market', market: { ...BTC_PERP, baseDecimals: 4 } } },
  { reason: 'asset_unknown', field: 'asset', cmd: { kind: 'deposit', account: 'a', asset: 'DOGE', amount: 1n } },
  { reason: 'rulebook_invalid', field: 'rulebook.name', cmd: { kind: 'set_rulebook', rulebook: { ...DEFAULT_RULEBOOK, name: '' } as Rulebook } },
  { reason: 'account_unknown', field: 'account', cmd: { kind: 'withdraw', account: 'nobody', asset: USDC, amount: 1n } },
  { reason: 'amount_not_positive', field: 'amount', cmd: { kind: 'deposit', account: 'a', asset: USDC, amount: 0n } },
  { reason: 'size_not_positive', field: 'size', cmd: { kind: 'fill', market: 'BTC-PERP', price: px('100000'), size: size(0n), buyer: { account: 'a', fee: zero }, seller: { account: 'b', fee: zero } } },
  // 0.015 SOL is 15 atoms, not a multiple of the 10-atom step.
  { reason: 'size_off_step', field: 'size', cmd: { kind: 'fill', market: 'SOL-PERP', price: px('200'), size: size(15n), buyer: { account: 'a', fee: zero }, seller: { account: 'b', fee: zero } } },
  { reason: 'price_not_positive', field: 'mark', cmd: { kind: 'price', market: 'BTC-PERP', mark: px('0') } },
  // a holds BTC-PERP cross; a fill that names isolated for it is refused.
  { reason: 'margin_mode_mismatch', field: 'buyer.marginMode', cmd: { kind: 'fill', market: 'BTC-PERP', price: px('100000'), size: size(1n), buyer: { account: 'a', fee: zero, marginMode: 'isolated' }, seller: { account: 'b', fee: zero } } },
  // Opening SOL-PERP needs a's equity at the marks, and SOL-PERP has none.
  { reason: 'market_unpriced', field: 'market', cmd: { kind: 'fill', market: 'SOL-PERP', price: px('200'), size: size(10n), buyer: { account: 'a', fee: zero }, seller: { account: 'b', fee: zero } } },
  { reason: 'position_unknown', field: 'market', cmd: { kind: 'adjust_isolated_margin', account: 'a', market: 'ETH-PERP', amount: quote(1n) } },
  { reason: 'not_isolated', field: 'market', cmd: { kind: 'adjust_isolated_margin', account: 'a', market: 'BTC-PERP', amount: quote(1n) } },
  { reason: 'debt_exceeded', field: 'amount', cmd: { kind: 'repay', account: 'a', asset: USDC, amount: 1n } },
  { reason: 'not_source_priced', field: 'market', cmd: { kind: 'source_price', market: 'BTC-PERP', source: 'pyth', price: px('100000'), publishTimeMs: T } },
  { reason: 'account_reserved', field: 'account', cmd: { kind: 'deposit', account: 'venue:insurance', asset: USDC, amount: 1n } },
];

describe('rejections no other test reaches', () => {
  it.each(CASES.map((c) => [c.reason, c] as const))('%s: refused with its field, nothing changes', (_reason, c) => {
    const e = world();
    const before = encodeSnapshot(e.snapshot());
    const events = e.apply({ ...c.cmd, tsMs: T + 1 } as Command);
    expect(events).toEqual([expect.objectContaining({ kind: 'CommandRejected', command: c.cmd.kind, reason: c.reason, field: c.field })]);
    expect(withoutSeq(encodeSnapshot(e.snapshot()))).toBe(withoutSeq(before));
  });
});

describe('every rejection code', () => {
  it('is named in some test file (besides the table of codes)', () => {
    const root = new URL('../../..', import.meta.url).pathname;
    const texts: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.test.ts') && !path.endsWith(join('src', 'core', 'codes.test.ts'))) texts.push(readFileSync(path, 'utf8'));
      }
    };
    walk(join(root, 'src'));
    walk(join(root, 'test'));
    const unnamed = REJECTION_REASONS.filter((r) => !texts.some((t) => t.includes(`'${r}'`)));
    expect(unnamed, 'write a test that earns each of these CommandRejected reasons').toEqual([]);
  });
});
