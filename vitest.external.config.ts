import { defineConfig } from 'vitest/config';

// Checks against the external references in ../shared (golden files made with real XGBoost and
// protobuf). CI runs these when ../shared is present; `npm test` never depends on them.
export default defineConfig({
  test: {
    include: ['test/external/**/*.test.ts'],
    testTimeout: 120_000,
  },
});
