import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // PostgreSQL tests create one database per file; two workers match the machine's cores.
    pool: 'forks',
    maxWorkers: 2,
    // A floor for a loaded shared machine; tests that start servers or browsers set their own, longer ones.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
