// docs/codes.md is generated from the table of codes (src/core/codes.ts); this test fails when the two differ.
// Regenerate: BAILIFF_WRITE_DOCS=1 npx vitest run test/docs/codes-doc.test.ts

import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES, MODULE_RANGES, VOCABULARY_RANGE, type CodeEntry } from '../../src/core/codes.js';

const DOC = new URL('../../docs/codes.md', import.meta.url);

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function renderCodesDoc(): string {
  const out: string[] = [
    '# Codes',
    '',
    '<!-- Generated from src/core/codes.ts by test/docs/codes-doc.test.ts (BAILIFF_WRITE_DOCS=1 to rewrite); do not edit. -->',
    '',
    'Every stable code Bailiff emits: refusals, enforcement reasons and stages, price guards, feed issues and the',
    "edges' errors. A code is a name in a vocabulary (the values one field takes) and a number that is never reused.",
    'Events and errors carry the name; the number identifies it for ever. The table is append-only: a new code gets',
    'the next number of its vocabulary, a retired one stays as `deprecated_<number>` (TigerBeetle), and',
    '`src/core/codes.test.ts` pins every name with its number.',
    '',
    '`retryable`, where it applies: for refusals, yes when the venue\'s passing state refused the command (no price,',
    'a full book, a halt) so that the same command may succeed later unchanged; no when the command or the account\'s',
    'own situation is at fault. For feed errors: whether the live client tries again by default.',
    '',
    '## Ranges',
    '',
    '| module | range | vocabularies |',
    '|---|---|---|',
  ];
  for (const [module, [lo, hi]] of Object.entries(MODULE_RANGES)) {
    const vocabularies = Object.entries(CODES)
      .filter(([, v]) => v.module === module)
      .map(([id, v]) => `\`${id}\` ${v.first}`);
    out.push(`| ${module} | ${lo}-${hi} | ${vocabularies.join(', ')} |`);
  }
  for (const [id, v] of Object.entries(CODES)) {
    const codes = v.codes as readonly CodeEntry[];
    const withRetry = codes.some((e) => e[3] !== undefined);
    out.push('', `## \`${id}\` (${v.first}-${v.first + VOCABULARY_RANGE - 1}, ${v.module})`, '', `${cell(v.usedIn)}.`, '');
    out.push(withRetry ? '| code | name | retryable | meaning |' : '| code | name | meaning |');
    out.push(withRetry ? '|---|---|---|---|' : '|---|---|---|');
    for (const [num, name, summary, retryable] of codes) {
      const r = retryable === undefined ? '—' : retryable ? 'yes' : 'no';
      out.push(withRetry ? `| ${num} | \`${name}\` | ${r} | ${cell(summary)} |` : `| ${num} | \`${name}\` | ${cell(summary)} |`);
    }
  }
  return `${out.join('\n')}\n`;
}

describe('docs/codes.md', () => {
  it('lists the table of codes as it is (generated from src/core/codes.ts)', () => {
    const expected = renderCodesDoc();
    if (process.env['BAILIFF_WRITE_DOCS'] === '1') writeFileSync(DOC, expected);
    const actual = readFileSync(DOC, 'utf8');
    expect(actual, 'docs/codes.md is out of date: BAILIFF_WRITE_DOCS=1 npx vitest run test/docs/codes-doc.test.ts').toBe(expected);
  });
});
