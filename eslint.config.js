// Lint: typescript-eslint's recommended rules, plus the two architecture rules of DESIGN.md for src/core
// (lint/bailiff-rules.js): core imports only core (an allow-list), and core stays deterministic (no clock,
// randomness, environment or timers, however reached). Test files in core may use test tools and are not held to
// either rule.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import bailiff from './lint/bailiff-rules.js';

/**
 * Packages core may import besides itself: pure, deterministic code. None today: price attestations are verified at
 * the edge (src/feeds/attestation.ts, node:crypto), and core keeps only their canonical encoding.
 */
export const CORE_ALLOWED_PACKAGES = [];

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
);
