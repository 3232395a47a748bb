/**
 * The fast tier, `npm test`: every test file but the slow ones (*.slow.test.ts: vectors, real-model
 * end to end, tuning, kernel sweeps, CLI processes). vitest.all.config.ts runs both tiers.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export const base = {
  include: ['test/**/*.test.ts'],
  setupFiles: ['test/_setup.ts'],
  testTimeout: 120_000,
  pool: 'forks' as const,
  reporters: ['default', './test/_summary-reporter.ts'],
};

export default defineConfig({
  test: { ...base, exclude: [...configDefaults.exclude, '**/*.slow.test.ts'] },
});
