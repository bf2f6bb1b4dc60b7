import { describe, expect, it } from 'vitest';
import { formatTable, type RowResult } from '../../bench/table/harness';
import { RESULT_ORDER, ROWS } from '../../bench/table/rows';

// `npm run bench` is not part of npm test (it takes minutes and its figures are ratios judged
// by a person); this runs every row of the table at its tiny size so the harness cannot rot:
// each row measures a figure and its floor, and the printed table holds them. No timing is
// asserted, only that the measurement happened and is self-consistent.
const env = { databaseUrl: process.env.DATABASE_URL };

describe('bench table at tiny size', () => {
  const results: RowResult[] = [];
  for (const row of ROWS) {
    it(`${row.id} measures its figure and its floor`, { timeout: 240_000 }, async () => {
      const out = await row.run('tiny', env);
      expect(out.length).toBeGreaterThan(0);
      for (const r of out) {
        expect(Number.isFinite(r.value) && r.value > 0, `${r.id} value ${r.value}`).toBe(true);
        expect(Number.isFinite(r.floorValue) && r.floorValue > 0, `${r.id} floor ${r.floorValue}`).toBe(true);
        expect(Number.isFinite(r.ratio) && r.ratio > 0).toBe(true);
        expect(r.target).not.toBe('');
        if (r.id.startsWith('barcode-lookup')) expect(r.figure).toMatch(/\((\d+)\/\1 found\)/);
        results.push(r);
      }
    });
  }
  it('prints every row of issue 18 in one table', () => {
    expect(results.map((r) => r.id)).toEqual(RESULT_ORDER);
    const table = formatTable(results);
    for (const r of results) expect(table).toContain(r.figure);
    expect(table.split('\n')).toHaveLength(results.length + 2);
  });
});
