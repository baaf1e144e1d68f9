// Before the tests: one line on stderr when the shared data ($BAILIFF_SHARED_DATA, else ../shared/data) is not
// there, because the default reporter counts the tests that skip for it without their reason (`--reporter=verbose`
// shows the reason beside each one). With BAILIFF_REQUIRE_SHARED_DATA=1 (CI) the run stops here instead.

import { feedsMissing, klinesMissing } from '../fixtures/fixtures.js';

export default function setup(): void {
  const reasons = [feedsMissing(), klinesMissing()].filter((r) => r !== undefined);
  if (reasons.length === 0) return;
  process.stderr.write(`note: tests skipped for want of the shared data (each is listed by --reporter=verbose):\n${reasons.map((r) => `  - ${r}\n`).join('')}`);
}
