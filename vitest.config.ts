import { defineConfig } from 'vitest/config';

// Integration and e2e tests share one deployed stack and its global counters: their files run
// one at a time; tests inside a file may still run concurrently where they say so.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 120_000,
        },
      },
      // The console in headless Chromium; `npm run test:browser`.
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      // Real shippers that are programs of their own (scripts/shipper-tools.sh installs them); `npm run test:shippers`.
      {
        test: {
          name: 'shippers',
          include: ['test/shippers/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 400_000,
          hookTimeout: 120_000,
        },
      },
      // The fault matrix and the fuzz run: bounded, but minutes long; `npm run test:reliability`.
      {
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
