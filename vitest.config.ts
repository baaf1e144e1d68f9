import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Property tests run many cases; keep the default generous but bounded.
    testTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/setup/build.ts', 'test/setup/shared-data.ts', 'test/setup/temp-dir.ts'],
  },
});
