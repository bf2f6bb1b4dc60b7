import { defineConfig } from 'vitest/config';

// One runner for everything: unit, property, device (PTY), sync (real sockets), hub (Postgres/PGlite)
// and browser end-to-end tests. Slow suites carry their own timeouts; no wall-clock assertions.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
