import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { withChartReference } from '../../tools/chart-reference';

// docs/ledger.md lists the built-in charts' account codes and mappings, generated from
// src/core/ledger/default-charts.ts. Fix: node bin/run-ts.mjs tools/chart-reference.ts
describe('docs/ledger.md built-in charts', () => {
  it('match src/core/ledger/default-charts.ts', () => {
    const page = readFileSync('docs/ledger.md', 'utf8');
    expect(page).toBe(withChartReference(page));
  });
});
