import { defineConfig } from 'vitest/config'

// Two projects: pure unit tests on threads, end-to-end tests (real processes, real TCP on
// loopback, real LevelDB) in a single fork so they do not fight for the two cores.
export default defineConfig({
  test: {
    // The default reporter, then the slowest files (the tail of a CI log shows where time goes).
    reporters: ['default', './test/helpers/slowest-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // One fixed fast-check seed (FUZZ_SEED overrides): the same cases every run.
          setupFiles: ['test/helpers/fast-check-seed.ts'],
          pool: 'threads',
          testTimeout: 30_000
        }
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 60_000
        }
      }
    ]
  }
})
