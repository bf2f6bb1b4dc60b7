import { defineConfig } from 'vitest/config';

// One runner for everything: unit, property, device (PTY), sync (real sockets), hub (Postgres/PGlite)
// and browser end-to-end tests. Slow suites carry their own timeouts; no wall-clock assertions.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two files at a time, not Vitest's default of cores − 1 (one on our 2-core CI): most files
    // wait on Postgres, sockets, PTYs or Chromium rather than compute, and every test owns its
    // database schema, ports and temp dirs, so files do not share state.
    maxWorkers: 2,
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
