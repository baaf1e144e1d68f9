// The routes' JSON schemas: fastify validates requests with them, and @fastify/swagger turns them into the OpenAPI
// document (/openapi.json). Every money, price and size field is a decimal string and says its unit; the commands'
// own fields are the wire format (docs/scenarios.md "Commands"), decoded by src/wire/decode.ts, not restated here.

const QUOTE = 'decimal string, in the settlement asset (e.g. USDT), exact';
const PRICE = "decimal string, quote per base unit, in the market's price decimals";
const SIZE = "decimal string, base units in the market's size decimals";
const RATIO = 'decimal string, a fraction (0.25 = 25%), 6 decimals';

const s = (description: string, nullable = false): Record<string, unknown> => (nullable ? { type: ['string', 'null'], description } : { type: 'string', description });
const int = (description: string, nullable = false): Record<string, unknown> => (nullable ? { type: ['integer', 'null'], description } : { type: 'integer', description });
const obj = (properties: Record<string, unknown>, description?: string): Record<string, unknown> => ({
  type: 'object',
  ...(description === undefined ? {} : { description }),
  properties,
  additionalProperties: true,
});

export const ID_PATTERN = '^[A-Za-z0-9_.:@-]{1,128}$';

export const errorSchema = obj(
  {
    error: obj({
      code: s('a stable code name (docs/codes.md): service_error, wire_error invalid_input'),
      number: int('the code number, never reused'),
      message: s('one line, naming the field at fault'),
      path: s('the JSON path of the wire field at fault (wire errors only)'),
    }),
  },
  'every 4xx and 5xx answer',
);

const errors = { 400: errorSchema, 404: errorSchema, 413: errorSchema, 415: errorSchema, 503: errorSchema };

/** A wire event: the engine event with atoms as decimal strings (src/wire/encode.ts, units per EVENT_UNITS). */
const wireEvent = obj(
  {
    kind: s('the event kind (docs/enforcement.md, src/core/engine/events.ts)'),
    seq: int('the journal seq of the command that caused it'),
    ordinal: int("the event's place in that command's answer; (seq, ordinal) identifies it"),
    tsMs: int('the command time, ms since the epoch'),
    id: s('LiquidationStarted only: the liquidation id `seq-ordinal` for /v1/liquidations/{id}/explain'),
  },
  'an engine event; amounts are decimal strings in the unit of each field (price and size: the event market; quote: the settlement asset; ratios as fractions)',
);

const commandResult = obj({
  seq: int('the journal seq the command took (refused commands take one too)'),
  command: s('the command kind'),
  events: { type: 'array', items: wireEvent },
  rejected: obj({ code: s('the CommandRejected reason (docs/codes.md rejection)'), field: s('the field at fault'), message: s('why') }, 'present when the engine refused the command (journaled, changes nothing else)'),
});

/** The commands one POST /v1/commands may carry in an array body. */
export const POST_COMMANDS_MAX = 1_000;

export const postCommandsSchema = {
  summary: 'Submit one engine command, or an array of up to 1,000, journaled in one commit before the reply',
  description:
    'The body is a wire command (docs/scenarios.md: kind plus its fields, amounts as decimal strings) or an array of them. ' +
    'A command without `at` takes the time of the command before it. Nothing is journaled when any command of the body does not decode (400). ' +
    'A command the engine refuses is journaled with its CommandRejected and answered 200 with `rejected`.',
  body: {
    oneOf: [
      { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } }, additionalProperties: true },
      { type: 'array', minItems: 1, maxItems: POST_COMMANDS_MAX, items: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } }, additionalProperties: true } },
    ],
  },
  response: {
    200: obj({
      seq: int('the journal head after the commit'),
      events: { type: 'array', items: wireEvent, description: 'single command: its events' },
      command: s('single command: its kind'),
      rejected: commandResult,
      results: { type: 'array', items: commandResult, description: 'array body: one result per command, in order' },
    }),
    ...errors,
  },
} as const;

const marketView = obj({
  id: s('market id'),
  baseDecimals: int('decimals of a size'),
  priceDecimals: int('decimals of a price'),
  mark: s(`mark price, ${PRICE}`, true),
  index: s(`index price, ${PRICE}`, true),
  priceUpdatedMs: int('when the price last changed, engine time ms'),
  openInterest: s(`sum of long sizes, ${SIZE}`),
  oracle: { type: 'string', enum: ['fresh', 'stale', 'clamped', 'breaker', 'unpriced'], description: 'how far the price can be trusted now' },
  breaker: obj({ state: { type: 'string', enum: ['sound', 'tripped'] }, reasons: { type: 'array', items: { type: 'string' }, description: 'guard codes (docs/codes.md guard)' } }),
  clamped: { type: ['object', 'null'], description: 'the last answer sat at an aggregator bound (bound, price)' },
  sources: { type: 'array', items: obj({ source: s('source id'), price: s(PRICE), publishTimeMs: int('ms since the epoch') }) },
  bestBid: { type: ['object', 'null'], description: `top of the built-in book: price (${PRICE}), size (${SIZE})` },
  bestAsk: { type: ['object', 'null'], description: `top of the built-in book: price (${PRICE}), size (${SIZE})` },
  fundingRate: s('the current funding rate per interval, a fraction with 9 decimals', true),
  nextFundingMs: int('the next funding time, ms', true),
});

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: ID_PATTERN } }, additionalProperties: false } as const;

export const marketsSchema = { summary: 'Every listed market with its prices and oracle state', response: { 200: obj({ seq: int('journal head'), markets: { type: 'array', items: marketView } }), ...errors } } as const;
export const marketSchema = { summary: 'One market', params: idParams, response: { 200: marketView, ...errors } } as const;

const ledgerView = obj({
  ledger: s("'cross', or the market of an isolated position"),
  equity: s(`equity, ${QUOTE}`),
  initialMargin: s(`initial margin requirement, ${QUOTE}`),
  maintenanceMargin: s(`maintenance margin requirement, ${QUOTE}`),
  freeCollateral: s(`equity - initial margin, ${QUOTE}`),
  marginRatio: s(`maintenance / equity (1 = at the threshold), ${RATIO}; null when equity <= 0`, true),
  distanceToThreshold: s(`equity - maintenance: the loss the ledger can still take, ${QUOTE}`),
  breached: { type: 'boolean', description: "in breach under the rulebook's rule" },
});

const positionView = obj({
  market: s('market id'),
  marginMode: { type: 'string', enum: ['cross', 'isolated'] },
  size: s(`signed size (long > 0), ${SIZE}`),
  entryPrice: s(`average entry price, ${PRICE}`),
  markPrice: s(`mark price, ${PRICE}`),
  notional: s(`|size| x mark, ${QUOTE}`),
  unrealisedPnl: s(`unrealised profit or loss at the mark, ${QUOTE}`),
  fundingOwed: s(`funding not yet settled (positive: owed by the account), ${QUOTE}`),
  initialMargin: s(`the position's initial margin requirement, ${QUOTE}`),
  maintenanceMargin: s(`the position's maintenance requirement, ${QUOTE}`),
  liquidationPrice: s(`the mark of this market at which the position's ledger (cross too) breaches, other prices held still; the engine's exact threshold; null only when no price reaches it. ${PRICE}`, true),
  bankruptcyPrice: s(`the mark at which the ledger's equity reaches zero, ${PRICE}`, true),
  distanceToLiquidation: s(`how far the mark may move against the position before the liquidation price (<= 0: at or past it), ${PRICE}`, true),
  distanceToLiquidationRatio: s(`that distance over the mark, ${RATIO}`, true),
  adlRank: int('place in the ADL queue of its market and side (1 = first deleveraged)', true),
  adlQueue: int('positions in that queue', true),
});

export const accountSchema = {
  summary: "An account's balances, ledgers and positions with their risk fields",
  params: idParams,
  response: {
    200: obj({
      account: s('account id'),
      seq: int('the journal seq the figures are at'),
      timeMs: int('engine time, ms'),
      priced: { type: 'boolean', description: 'false when a market or asset it depends on has no price (then `unpriced` lists them)' },
      balances: { type: 'array', items: obj({ asset: s('asset id'), amount: s("decimal string in the asset's units") }) },
      marginCalled: { type: 'boolean', description: 'margin-called and not yet recovered' },
      cross: ledgerView,
      isolated: { type: 'array', items: ledgerView },
      positions: { type: 'array', items: positionView },
    }),
    ...errors,
  },
} as const;

export const whyNotSchema = {
  summary: 'Why an account is not (yet) liquidated: per ledger its threshold, distance, guards holding it and the price that would do it',
  params: idParams,
  response: {
    200: obj({
      account: s('account id'),
      seq: int('journal seq'),
      ledgers: {
        type: 'array',
        items: obj({
          ledger: s("'cross' or a market"),
          status: { type: 'string', enum: ['not_in_breach', 'held', 'deferred', 'in_liquidation'], description: 'held: a guard holds it (guards); deferred: its last step was deferred (episode.deferred)' },
          breachRule: { type: 'string', enum: ['at_or_below', 'below'] },
          equity: s(QUOTE),
          maintenanceMargin: s(QUOTE),
          distanceToThreshold: s(`equity - maintenance, ${QUOTE}`),
          guards: { type: 'array', items: obj({ guard: { type: 'string', enum: ['paused', 'halted', 'breaker', 'clamped', 'unpriced'] }, market: s('the market it concerns', true) }) },
          wouldLiquidateAt: {
            type: 'array',
            items: obj({ market: s('market id'), markPrice: s(PRICE), liquidationPrice: s(`the mark that would put the ledger in breach, ${PRICE}`, true), distanceToLiquidation: s(PRICE, true), distanceToLiquidationRatio: s(RATIO, true) }),
          },
        }),
      },
    }),
    ...errors,
  },
} as const;

const cursor = { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})(-(0|[1-9][0-9]{0,5}))?$', description: 'seq, or seq-ordinal: rows strictly after it' } as const;
const listFilter = { type: 'string', pattern: '^[A-Za-z0-9_.:@,-]{1,1024}$' } as const;

export const liquidationsSchema = {
  summary: 'The liquidation tape: liquidation-related events after a cursor, oldest first',
  querystring: {
    type: 'object',
    properties: {
      after: cursor,
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      kind: { ...listFilter, description: 'comma-separated event kinds' },
      market: { ...listFilter, description: 'comma-separated market ids' },
      account: { ...listFilter, description: 'comma-separated account ids' },
    },
    additionalProperties: false,
  },
  response: {
    200: obj({
      events: { type: 'array', items: wireEvent },
      next: s('the cursor to pass as `after` for the next page', true),
      oldestSeq: int('the oldest seq the tape still holds', true),
    }),
    ...errors,
  },
} as const;

export const explainSchema = {
  summary: 'Why a liquidation step happened: rule, prices with their sources, equity and requirement, waterfall steps, amounts, journal position',
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,14}-(0|[1-9][0-9]{0,5})$', description: 'seq-ordinal of its LiquidationStarted' } }, additionalProperties: false },
  response: {
    200: obj({
      id: s('seq-ordinal'),
      account: s('account id'),
      ledger: s("'cross' or the market"),
      market: s('the market of the position closed'),
      step: int("the step's number within the ledger's liquidation"),
      rule: obj({ rulebook: s('rulebook name'), breachRule: s('at_or_below or below'), text: s('the rule in words') }),
      breach: obj({
        equity: s(QUOTE),
        maintenanceMargin: s(QUOTE),
        shortfall: s(`maintenance - equity, ${QUOTE}`),
        markPrice: s(PRICE),
        indexPrice: s(PRICE),
        bankruptcyPrice: s(PRICE),
        limitPrice: s(`the liquidation order's worst price, ${PRICE}`),
        size: s(SIZE),
        closeSize: s(SIZE),
      }),
      prices: { type: 'array', items: obj({ market: s('market id'), markPrice: s(PRICE, true), indexPrice: s(PRICE, true), sources: { type: 'array', items: obj({ source: s('id'), price: s(PRICE), publishTimeMs: int('ms') }) } }) },
      waterfall: { type: 'array', items: obj({ stage: s('size, book, takeover, deleverage, deficit, ...'), events: { type: 'array', items: wireEvent } }) },
      amounts: obj({ filledSize: s(SIZE), fees: s(QUOTE), insuranceFundDelta: s(QUOTE), badDebt: s(QUOTE) }),
      journal: obj({ seq: int('the record holding the step'), entryHash: s('SHA-256 hex of the entry'), recordHash: s('the record hash (hash chain)', true), replayFromSnapshotSeq: int('replay from this snapshot (0: genesis)') }),
    }),
    ...errors,
  },
} as const;

export const healthSchema = { summary: 'Liveness: the process answers', response: { 200: obj({ status: s('ok'), seq: int('journal head'), uptimeS: { type: 'number', description: 'seconds' } }) } } as const;

export const readySchema = {
  summary: 'Readiness and the operator view: oracle state per market, liquidation backlog, deferred and missed liquidations, journal lag',
  response: {
    200: obj({ ready: { type: 'boolean' }, role: { type: 'string', enum: ['writer', 'standby', 'connecting', 'stopped'] } }),
    503: obj({ ready: { type: 'boolean' }, role: { type: 'string', enum: ['writer', 'standby', 'connecting', 'stopped'] } }),
  },
} as const;

export const streamQuerySchema = {
  type: 'object',
  properties: {
    from: { type: 'string', pattern: '^(0|[1-9][0-9]{0,14})$', description: 'resume: events with seq > from, then live' },
    kind: { ...listFilter, description: 'comma-separated event kinds' },
    market: { ...listFilter, description: 'comma-separated market ids' },
    account: { ...listFilter, description: 'comma-separated account ids' },
  },
  additionalProperties: false,
} as const;

export { idParams };

// ---- lending markets (issue 18) ----
const BASE = 'decimal string, in the lending base currency (USD, 8 decimals)';

export const lendingKeeperSchema = {
  summary: "A lending market's keeper view: liquidatable loans (most profitable first) with the most debt one liquidationCall may repay, what it seizes and the keeper's profit net of the protocol fee and gas; and each collateral's dust check",
  params: { type: 'object', required: ['market'], properties: { market: { type: 'string', pattern: ID_PATTERN } }, additionalProperties: false },
  querystring: {
    type: 'object',
    properties: { gasCost: { type: 'string', pattern: '^[0-9]{1,30}(\\.[0-9]{1,8})?$', default: '0', description: `the keeper's cost of one call, ${BASE}` } },
    additionalProperties: false,
  },
  response: {
    200: obj({
      market: s('the lending market id'),
      seq: int('journal seq'),
      atMs: int("the engine's time the view is computed at (interest accrued to it)"),
      gasCost: s(BASE),
      opportunities: {
        type: 'array',
        items: obj({
          user: s('the borrower'),
          collateralAsset: s('the collateral to seize'),
          debtAsset: s('the debt to repay'),
          healthFactor: s('decimal string, 18 decimals', true),
          closeFactor: s('1 or 0.5'),
          debtToCover: s('what to send as lending_liquidate debtToCover to do exactly this: "max" or an amount in the debt asset'),
          maxRepayableDebt: s('decimal string, in the debt asset'),
          collateralSeized: s('decimal string, in the collateral asset (to the liquidator + protocol fee)'),
          collateralToLiquidator: s('decimal string, in the collateral asset'),
          protocolFee: s('decimal string, in the collateral asset'),
          profit: s(`${BASE}: collateral received (floor) - debt paid (ceil) - gas`),
        }),
      },
      dust: {
        type: 'array',
        items: obj({
          asset: s('a collateral reserve'),
          dust: s(`${BASE}: the smallest leftover v3.3 allows (MIN_LEFTOVER_BASE)`),
          bonusNetOfFee: s(BASE),
          profit: s(`${BASE}: bonus - fee - gas on that leftover`),
          worthLiquidating: { type: 'boolean' },
        }),
      },
    }),
    ...errors,
  },
} as const;

// ---- Morpho Blue keeper view (issue 18) ----
const ATOMS = 'integer string, atoms (Morpho figures are on-chain integers)';

export const morphoKeeperSchema = {
  summary: "A Morpho Blue market's keeper view: unhealthy positions (most profitable first) with their full liquidation (all the debt, or all the collateral), the collateral seized, bad debt and the liquidator's profit net of gas, in loan-token atoms",
  params: { type: 'object', required: ['market'], properties: { market: { type: 'string', pattern: ID_PATTERN } }, additionalProperties: false },
  querystring: {
    type: 'object',
    properties: { gasCost: { type: 'string', pattern: '^[0-9]{1,60}$', default: '0', description: `the keeper's cost of one call, loan-token ${ATOMS}` } },
    additionalProperties: false,
  },
  response: {
    200: obj({
      market: s('the Morpho market id'),
      seq: int('journal seq'),
      atMs: int("the engine's time"),
      loanAsset: s('the loan token'),
      collateralAsset: s('the collateral token'),
      gasCost: s(ATOMS),
      opportunities: {
        type: 'array',
        items: obj({
          user: s('the borrower'),
          repaidShares: s(`${ATOMS}: what to send as morpho_liquidate repaidShares`),
          repaidAssets: s(`${ATOMS}, loan token`),
          seizedAssets: s(`${ATOMS}, collateral token`),
          badDebtAssets: s(`${ATOMS}, loan token: realised as a loss to suppliers`),
          profit: s(`${ATOMS}, loan token: the seized collateral at the oracle price (floor) - repaid - gas`),
        }),
      },
    }),
  },
} as const;

// ---- Compound v3 keeper view (issue 18) ----
const COMET_AMOUNT = "decimal string, in the asset's units (the decimals comet_market declares)";

export const cometKeeperSchema = {
  summary: "A Compound v3 market's keeper view: accounts absorb would take now (the collateral seized, the base paid out) and the store-front purchases (buyCollateral of all the protocol's collateral of an asset while reserves are below target) with the buyer's profit net of gas",
  params: { type: 'object', required: ['market'], properties: { market: { type: 'string', pattern: ID_PATTERN } }, additionalProperties: false },
  querystring: {
    type: 'object',
    properties: { gasCost: { type: 'string', pattern: '^[0-9]{1,30}(\\.[0-9]{1,8})?$', default: '0', description: `the buyer's cost of one call, ${BASE}` } },
    additionalProperties: false,
  },
  response: {
    200: obj({
      market: s('the Compound v3 market id'),
      seq: int('journal seq'),
      atMs: int("the engine's time"),
      baseAsset: s('the base asset (lent and borrowed)'),
      gasCost: s(BASE),
      absorbable: {
        type: 'array',
        items: obj({
          user: s('an account isLiquidatable now: what to send in comet_absorb accounts'),
          balance: s(`${COMET_AMOUNT}, base: signed, negative for a borrow`),
          basePaidOut: s(`${COMET_AMOUNT}, base: what the reserves pay to clear the account`),
          valueOfBasePaidOut: s(BASE),
          collateral: { type: 'array', items: obj({ asset: s('a collateral'), amount: s(COMET_AMOUNT), value: s(`${BASE}: at the feed price`) }) },
        }),
      },
      storeFront: {
        type: 'array',
        items: obj({
          asset: s('a collateral the protocol holds'),
          baseAmount: s(`${COMET_AMOUNT}, base: what to send as comet_buy_collateral baseAmount`),
          collateralAmount: s(`${COMET_AMOUNT}: what it buys (the quote, floor)`),
          profit: s(`${BASE}: the collateral at the feed price - the base paid - gas`),
        }),
      },
    }),
  },
} as const;
