// Lint: typescript-eslint's recommended rules, plus the two architecture rules of DESIGN.md:
// core/ stays deterministic (no clock, randomness or environment) and imports nothing outside core/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const determinismBans = [
  { name: 'Date', message: 'core/ has no clock: time arrives with the command (tsMs).' },
  { name: 'performance', message: 'core/ has no clock.' },
  { name: 'setTimeout', message: 'core/ has no timers.' },
  { name: 'setInterval', message: 'core/ has no timers.' },
  { name: 'setImmediate', message: 'core/ has no timers.' },
  { name: 'process', message: 'core/ reads no environment.' },
  { name: 'crypto', message: 'core/ has no randomness; hash via core/hash.' },
];

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
    rules: {
      'no-restricted-globals': ['error', ...determinismBans],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'core/ has no randomness: seeds are inputs.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/feeds/**', '**/journal/**', '**/service/**', '**/sim/**', '**/verify/**', '**/cli/**', '**/bench/**'],
              message: 'core/ imports nothing outside core/.',
            },
            { group: ['node:*', 'fs', 'path', 'os', 'http', 'net'], message: 'core/ does no I/O.' },
          ],
        },
      ],
    },
  },
);
