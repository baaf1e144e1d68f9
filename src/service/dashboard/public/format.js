// Display formatting for the dashboard. The API serves amounts as exact decimal strings in declared units; these
// functions only change how a string looks (digit groups, a ratio as a percentage by moving the decimal point in the
// string), never its value: no number parsing, no rounding. Charts are the one place a value becomes a float
// (to be drawn), never shown as a figure.

/** "-1234567.500000" -> "-1,234,567.500000"; null or undefined -> "–". */
export function amount(s) {
  if (s === null || s === undefined) return '–';
  const text = String(s);
  const negative = text.startsWith('-');
  const [int, frac] = (negative ? text.slice(1) : text).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (frac === undefined ? '' : '.' + frac);
}

/** A ratio string ("0.871234") as a percentage string ("87.1234%"), exactly: the decimal point moves two places. */
export function percent(s) {
  if (s === null || s === undefined) return '–';
  const text = String(s);
  const negative = text.startsWith('-');
  const [int, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = (int + frac.padEnd(2, '0'));
  const point = int.length + 2;
  let whole = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  let rest = digits.slice(point).replace(/0+$/, '');
  if (whole === '') whole = '0';
  return (negative ? '-' : '') + whole + (rest === '' ? '' : '.' + rest) + '%';
}

/** Engine time (ms since the epoch, UTC) as "2025-02-03 01:23:00". */
export function time(ms) {
  if (ms === null || ms === undefined) return '–';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** A duration in ms as "12.3 s" or "4 min". */
export function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
