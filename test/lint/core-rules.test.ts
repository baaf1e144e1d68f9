// The lint rules that keep src/core pure (lint/bailiff-rules.js, wired in eslint.config.js), proven on in-memory
// probe files placed at src/core paths through ESLint's own Node API and the project's real configuration: each
// probe that breaks a rule is refused by that rule, a clean one passes, and the rules stay out of other folders.

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

/** The rule ids (and lines) ESLint reports for `code` at `filePath`. */
async function lint(code: string, filePath = 'src/core/engine/probe.ts'): Promise<{ rule: string | null; line: number; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => ({ rule: m.ruleId, line: m.line, message: m.message }));
}

async function rulesOf(code: string, filePath?: string): Promise<(string | null)[]> {
  return (await lint(code, filePath)).map((m) => m.rule);
}

describe('core-imports: src/core imports only src/core (and the allowed packages)', () => {
  const probes: [string, string][] = [
    ['another folder of src (wire)', "import { WireError } from '../../wire/decode.js';\nexport const x = WireError;"],
    ['a re-export from feeds', "export * from '../../feeds/index.js';"],
    ['a named re-export from cli', "export { runCli } from '../../cli/program.js';"],
    ['@noble/curves (attestations are verified at the edge now)', "import { ed25519 } from '@noble/curves/ed25519.js';\nexport const v = ed25519.verify;"],
    ['a package not on the list (zod)', "import { z } from 'zod';\nexport const s = z.string();"],
    ['a package not on the list (commander)', "import { Command } from 'commander';\nexport const c = new Command();"],
    ['a Node built-in', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;"],
    ['a type-only import from sim', "import type { PricePath } from '../../sim/crash.js';\nexport type P = PricePath;"],
    ['an import() type', "export type W = import('../../wire/schema.js').WireMarket;"],
    ['a dynamic import', "export const m = () => import('../../cli/main.js');"],
    ['a computed dynamic import', "export const m = (name: string) => import(name);"],
  ];
  for (const [what, code] of probes) {
    it(`refuses ${what}`, async () => {
      expect(await rulesOf(code)).toEqual(['bailiff/core-imports']);
    });
  }

  it('refuses a path that climbs out and back in by another name, and one from a deeper folder', async () => {
    expect(await rulesOf("import { x } from '../../core-extras/x.js';\nexport const y = x;")).toEqual(['bailiff/core-imports']);
    expect(await rulesOf("import { seededRandom } from '../../../sim/random.js';\nexport const r = seededRandom;", 'src/core/rulebooks/formulas/probe.ts')).toEqual(['bailiff/core-imports']);
  });

  it('names the import and the allow-list in its message', async () => {
    const [m] = await lint("import { z } from 'zod';\nexport const s = z;");
    expect(m?.message).toBe('core/ imports only core/ and the allowed packages (none): "zod" is not one.');
  });
});

describe('core-determinism: no clock, randomness, environment or timers in src/core, however reached', () => {
  const probes: [string, string][] = [
    ['Date.now()', 'export const t = () => Date.now();'],
    ['new Date()', 'export const t = () => new Date().getTime();'],
    ['globalThis.Date.now()', 'export const t = () => globalThis.Date.now();'],
    ['global.Date (Node’s alias)', 'export const t = () => global.Date.now();'],
    ['Math.random()', 'export const r = () => Math.random();'],
    ['Math aliased: const M = Math; M.random()', 'const M = Math;\nexport const r = () => M.random();'],
    ['Math by a computed key', "export const r = () => Math['random']();"],
    ['Math destructured', 'const { random } = Math;\nexport const r = () => random();'],
    ['Math passed as a value', "export const r = () => Reflect.get(Math, 'random');"],
    ['performance.now()', 'export const t = () => performance.now();'],
    ['process.env', "export const e = () => process.env['X'];"],
    ['crypto.randomUUID()', 'export const u = () => crypto.randomUUID();'],
    ['setTimeout', 'export const s = () => setTimeout(() => {}, 1);'],
    ['queueMicrotask', 'export const s = () => queueMicrotask(() => {});'],
    ['new Function', "export const f = () => new Function('return 1');"],
    ['Intl (reads the clock when formatting)', 'export const f = () => new Intl.DateTimeFormat().format();'],
  ];
  for (const [what, code] of probes) {
    it(`refuses ${what}`, async () => {
      const found = await rulesOf(code);
      expect(found.length).toBeGreaterThan(0);
      expect(new Set(found)).toEqual(new Set(['bailiff/core-determinism']));
    });
  }

  it('an eslint-disable comment does not silence it in core; a `// det-ok: <why>` does, and only with a reason', async () => {
    const disabled = await lint('// eslint-disable-next-line bailiff/core-determinism\nexport const t = () => Date.now();');
    expect(disabled.filter((m) => m.rule === 'bailiff/core-determinism')).toHaveLength(1);
    expect(await rulesOf('// det-ok: a probe for the lint test; nothing decides on this value\nexport const t = () => Date.now();')).toEqual([]);
    expect(await rulesOf('export const t = () => Date.now(); // det-ok: same-line form')).toEqual([]);
    expect(await rulesOf('// det-ok:\nexport const t = () => Date.now();')).toEqual(['bailiff/core-determinism']);
  });
});

describe('what the rules allow', () => {
  it('a clean core file: core imports, Math.<fn>, the Date type, a local named like a global', async () => {
    const clean = [
      "import { divRound } from '../units/index.js';",
      "import type { Price } from '../units/index.js';",
      'export const half = (p: Price): bigint => divRound(p, 2n, "floor");',
      'export const biggest = (a: number, b: number): number => Math.max(Math.abs(a), Math.floor(b));',
      'export type Stamp = { at: Date | undefined };',
      'export function f(process: { done: boolean }): boolean {',
      '  return process.done;',
      '}',
    ].join('\n');
    expect(await lint(clean, 'src/core/units/probe.ts')).toEqual([]);
  });

  it('outside core (feeds, cli) and in core test files, the two rules do not apply', async () => {
    const edgy = "import { WireError } from '../wire/decode.js';\nexport const t = (): [number, unknown] => [Date.now(), WireError];";
    expect(await lint(edgy, 'src/feeds/probe.ts')).toEqual([]);
    const test = "import { expect, it } from 'vitest';\nimport { seededRandom } from '../../sim/random.js';\nit('x', () => expect(seededRandom(1)()).toBe(Math.random() * 0 + seededRandom(1)()));";
    expect(await rulesOf(test, 'src/core/engine/probe.test.ts')).toEqual([]);
  });
});

describe('hot modules: no object spread followed by properties (eslint.config.js HOT_MODULES)', () => {
  const spread = 'export const f = (o: object) => ({ ...o, margin: 1 });';
  it('refuses `{ ...o, margin }` in a hot module of core and of the journal, and names why', async () => {
    for (const path of ['src/core/triggers/probe.ts', 'src/core/margin/probe.ts', 'src/core/engine/waterfall.ts', 'src/journal/record.ts']) {
      const messages = await lint(spread, path);
      expect(messages.map((m) => m.rule), path).toEqual(['no-restricted-syntax']);
      expect(messages[0]?.message).toContain('docs/performance.md');
    }
  });

  it('allows properties then a spread, a spread alone, and the written-out object', async () => {
    for (const code of ['export const f = (o: object) => ({ seq: 1, ...o });', 'export const f = (o: object) => ({ ...o });', 'export const f = (o: { a: number }) => ({ a: o.a, margin: 1 });']) {
      expect(await rulesOf(code, 'src/core/triggers/probe.ts'), code).toEqual([]);
    }
  });

  it('stays out of the other modules, the tests and the triggers test world', async () => {
    for (const path of ['src/core/lending/probe.ts', 'src/core/engine/lending.ts', 'src/journal/export.ts', 'src/core/triggers/probe.test.ts', 'src/core/triggers/testworld.ts']) {
      expect(await rulesOf(spread, path), path).toEqual([]);
    }
  });
});
