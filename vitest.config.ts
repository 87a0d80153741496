import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The course site in headless Chromium: needs no engine.
      { test: { name: 'site', include: ['test/site/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: 'engine',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/site/**'],
          globalSetup: ['test/global-setup.ts'],
          // These tests build images on a 2-core machine: one file at a time, generous limits.
          fileParallelism: false,
          testTimeout: 10 * 60_000,
          hookTimeout: 20 * 60_000,
        },
      },
    ],
  },
});
