import { defineConfig } from 'vitest/config';

// Tests import TypeScript sources; worker-thread entries and fixture children run from the
// compiled `dist/` tree, which `npm test` builds first (see the `pretest` script).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
    reporters: process.env.CI
      ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]]
      : ['default'],
  },
});
