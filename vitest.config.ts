import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores on the reference machine; model-checking tests are CPU-bound.
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
