// Core events -> wire JSON: atoms become decimal strings in the unit each field is declared in (EVENT_UNITS).
// Ratio fields (ppm) print as fractions and lose their "Ppm" suffix: multiplierPpm 1200000 -> multiplier "1.2".
// Codes stay their names (core/codes.ts), lists of codes stay lists (BreakerTripped.reasons), and "none" stays null.

import { EVENT_UNITS, type EngineEvent } from '../core/engine/events.js';
import { formatDecimal } from '../core/units/index.js';
import type { UnitLookup } from './decode.js';
import { LENDING_BASE_DECIMALS } from '../core/engine/lending.js'; // lending markets (issue 18)

export type WireValue = string | number | boolean | null | readonly string[];
export type WireEvent = Record<string, WireValue>;

export function encodeEvent(event: EngineEvent, units: UnitLookup): WireEvent {
  const table = EVENT_UNITS[event.kind] as Readonly<Record<string, string>>;
  const record = event as unknown as Record<string, unknown>;
  const market = typeof record.market === 'string' ? units.market(record.market) : undefined;
  const assetDecimals = typeof record.asset === 'string' ? units.assetDecimals(record.asset) : undefined;
  // The stamp first, whatever the order of the event's own fields (the engine stamps each body in place).
  const out: WireEvent = { seq: event.seq, ordinal: event.ordinal, tsMs: event.tsMs };
  for (const [key, value] of Object.entries(record)) {
    if (typeof value !== 'bigint') {
      out[key] = value as WireValue;
      continue;
    }
    const unit = table[key];
    switch (unit) {
      case 'price':
        out[key] = market === undefined ? value.toString() : formatDecimal(value, market.priceDecimals);
        break;
      case 'size':
        out[key] = market === undefined ? value.toString() : formatDecimal(value, market.baseDecimals);
        break;
      case 'quote':
        out[key] = formatDecimal(value, units.quoteDecimals);
        break;
      case 'asset':
        out[key] = assetDecimals === undefined ? value.toString() : formatDecimal(value, assetDecimals);
        break;
      case 'ppm':
        out[key.replace(/Ppm$/, '')] = formatDecimal(value, 6);
        break;
      case 'rate':
        out[key] = formatDecimal(value, 9);
        break;
      case 'funding_index':
        // quote atoms x 1e9 per whole base unit -> quote per base unit
        out[key] = formatDecimal(value, units.quoteDecimals + 9);
        break;
      // dss's units (auctions) and Aave's (lending); like ppm, a unit suffix goes (healthFactorWad -> healthFactor)
      case 'wad':
        out[key.replace(/Wad$/, '')] = formatDecimal(value, 18);
        break;
      case 'ray':
        out[key.replace(/Ray$/, '')] = formatDecimal(value, 27);
        break;
      case 'rad':
        out[key] = formatDecimal(value, 45);
        break;
      // lending markets (issue 18)
      case 'base':
        out[key] = formatDecimal(value, LENDING_BASE_DECIMALS);
        break;
      case 'bps':
        out[key.replace(/Bps$/, '')] = formatDecimal(value, 4);
        break;
      case 'atoms': // an integer without decimals (Morpho's shares, its oracle's 1e36-scaled price)
        out[key] = value.toString();
        break;
      default:
        // A bigint field without a declared unit is a bug in EVENT_UNITS; print atoms rather than lose it.
        out[key] = value.toString();
    }
  }
  return out;
}
