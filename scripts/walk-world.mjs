// bench/walk.ts's world and ticks for the measurement scripts (profile-walk, walk-allocations, quiet-ticks,
// index-costs, first-liquidation, sweep-ticks): the bench world with the maker set up, and a tick function that moves
// a random market's mark by up to +-10 bp, applies it and has the maker re-quote a market every 20 of its ticks (the
// same seeds: the same walk as the bench's). `options` go to buildWorld (callIntervalMs: calls swept at an interval).
// tick(apply) hands the price command to `apply` (default engine.apply) and returns what it returns: a script times or
// counts around the command alone, without the maker's re-quotes (untimed, as in the bench).
export async function walkWorld(dist, accounts, options = {}) {
  const { buildWorld, rng, START_PRICE } = await import(`${dist}/bench/world.js`);
  const { quoteMaker, setupMaker } = await import(`${dist}/bench/maker.js`);
  const { price } = await import(`${dist}/src/core/units/index.js`);
  const MARKETS = 10;
  const engine = buildWorld({ accounts, markets: MARKETS, seed: 42, ...options });
  setupMaker(engine, MARKETS);
  const rand = rng(11);
  const marks = Array.from({ length: MARKETS }, () => START_PRICE);
  const perMarket = new Array(MARKETS).fill(0);
  let t = engine.timeMs + 1;
  const applyCommand = (command) => engine.apply(command);
  /** One tick: what `apply` returned for its price command (the events, by default). */
  const tick = (apply = applyCommand) => {
    const m = Math.floor(rand() * MARKETS);
    const next = BigInt(Math.max(1, Math.round(Number(marks[m]) * (1 + (rand() * 2 - 1) * 0.001))));
    marks[m] = next;
    const out = apply({ kind: 'price', tsMs: t++, market: `M${m}-PERP`, mark: price(next) });
    if (++perMarket[m] % 20 === 0) quoteMaker(engine, m, next, t++);
    return out;
  };
  return { engine, tick };
}
