// docs/scenarios.md's event table names every event kind the engine emits (EVENT_UNITS lists them all).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_UNITS } from '../../src/core/engine/events.js';

describe('docs/scenarios.md', () => {
  it('has a row naming every event kind', () => {
    const doc = readFileSync(new URL('../../docs/scenarios.md', import.meta.url), 'utf8');
    const events = doc.slice(doc.indexOf('## Events'));
    const rows = events.split('\n').filter((line) => line.startsWith('| `'));
    const named = new Set(rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1])));
    const missing = Object.keys(EVENT_UNITS).filter((kind) => !named.has(kind));
    expect(missing, 'add a row for each to the event table of docs/scenarios.md').toEqual([]);
  });
});
