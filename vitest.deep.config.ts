/** `npm run test:deep`: the long tests under test/deep/ (not in `npm test`). */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/deep/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // One cell's four searches stop at their own time limits: this only guards against a hang.
    testTimeout: 3_600_000,
  },
});
