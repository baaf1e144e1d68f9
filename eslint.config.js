// Lint: typescript-eslint's recommended rules, plus the two architecture rules of DESIGN.md for src/core
// (lint/bailiff-rules.js): core imports only core (an allow-list), and core stays deterministic (no clock,
// randomness, environment or timers, however reached). Test files in core may use test tools and are not held to
// either rule. And one rule of speed for the hot modules (HOT_MODULES below).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import bailiff from './lint/bailiff-rules.js';

/**
 * Packages core may import besides itself: pure, deterministic code. None today: price attestations are verified at
 * the edge (src/feeds/attestation.ts, node:crypto), and core keeps only their canonical encoding.
 */
export const CORE_ALLOWED_PACKAGES = [];

/**
 * Modules on the engine's per-tick, per-liquidation and restore paths, and on replay's: no object spread followed by
 * properties there (`{ ...f, margin }`). V8 (Node 20) promotes the copies such a spread makes to the old generation
 * at the next scavenge though nothing refers to them, garbage a full GC must find (docs/performance.md "2026-12-05:
 * object spreads that V8 promotes"): write the object out. Properties then a spread (`{ seq, ...body }`) are not
 * promoted and stay allowed.
 */
export const HOT_MODULES = [
  'src/core/triggers/**/*.ts',
  'src/core/margin/**/*.ts',
  'src/core/engine/{adl-mirror,adl-queue,block,deleverage,enforcement,engine,fund,margin-calls,prices,state,trading,waterfall}.ts',
  'src/core/liquidation/units.ts',
  'src/journal/{canonical,record}.ts',
];

export const SPREAD_THEN_PROPERTY = 'ObjectExpression > SpreadElement ~ Property';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    plugins: { bailiff },
    // `// det-ok: <why>` is the only escape in core: eslint-disable comments have no effect here.
    linterOptions: { noInlineConfig: true },
    rules: {
      'bailiff/core-imports': ['error', { allow: CORE_ALLOWED_PACKAGES }],
      'bailiff/core-determinism': 'error',
    },
  },
  {
    files: HOT_MODULES,
    ignores: ['**/*.test.ts', 'src/core/triggers/testworld.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: SPREAD_THEN_PROPERTY,
          message: 'a hot module: write the object out, not as a spread with properties after it (V8 promotes such copies: docs/performance.md "2026-12-05: object spreads that V8 promotes").',
        },
      ],
    },
  },
);
