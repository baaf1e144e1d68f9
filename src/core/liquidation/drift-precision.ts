// Drift v2's fixed-point precisions (programs/drift/src/math/constants.rs), shared by its sizing and fee formulas.

/** LIQUIDATION_FEE_PRECISION. */
export const DRIFT_FEE_PRECISION = 1_000_000n;
/** LIQUIDATION_FEE_TO_MARGIN_PRECISION_RATIO: fee precision 1e6 over margin precision 1e4. */
export const DRIFT_FEE_TO_MARGIN_RATIO = 100n;
/** LIQUIDATION_PCT_PRECISION. */
export const DRIFT_PCT_PRECISION = 10_000n;
/** BASE_PRECISION (AMM_RESERVE_PRECISION). */
export const DRIFT_BASE_PRECISION = 1_000_000_000n;
/** PRICE_PRECISION (= QUOTE_PRECISION). */
export const DRIFT_PRICE_PRECISION = 1_000_000n;
/** PRICE_TIMES_AMM_TO_QUOTE_PRECISION_RATIO. */
export const DRIFT_PRICE_TIMES_AMM_TO_QUOTE = 1_000_000_000n;
