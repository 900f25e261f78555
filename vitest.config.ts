import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests import the package by name ('mmcheck', as the docs do) but run the TypeScript
    // sources, never a stale dist/ build.
    alias: [
      { find: /^mmcheck$/, replacement: source('./index.ts') },
      { find: /^mmcheck\/matchers$/, replacement: source('./api/matchers.ts') },
      { find: /^mmcheck\/design$/, replacement: source('./api/design.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // The long tests (npm run test:deep) have their own config.
    exclude: ['test/deep/**', '**/node_modules/**'],
    // Two cores on the reference machine; model-checking tests are CPU-bound.
    maxWorkers: 2,
    // CLIs spawned by tests run the sources too (bin/mmcheck.js reads MMCHECK_SOURCE).
    env: { MMCHECK_SOURCE: '1' },
    // Bounds against a hung test, not speed assumptions: no test needs more than a few seconds
    // on an idle machine, and the suite must pass beside other CPU-bound work.
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
