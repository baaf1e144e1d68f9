import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Property tests run many cases; keep the default generous but bounded.
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/build.ts', 'test/setup/shared-data.ts', 'test/setup/temp-dir.ts'],
    // In every test file: fast-check samples lengths up to the maxLength a property gives (test/setup/fast-check.ts).
    setupFiles: ['test/setup/fast-check.ts'],
  },
});
