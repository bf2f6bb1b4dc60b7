import { describe, expect, it } from 'vitest';
import { formatTable, resultFileName, type RowResult } from '../../bench/table/harness';
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

describe('bench table with --registers', () => {
  it('the rows that scale take the register count; the others say why not; a scaled run never writes table.json', () => {
    expect(ROWS.filter((r) => r.registers === 'scales').map((r) => r.id)).toEqual(['sale-latency', 'price-change', 'hub-rss']);
    for (const r of ROWS.filter((x) => x.registers !== 'scales')) expect(r.registers.length, r.id).toBeGreaterThan(20);
    expect(resultFileName('full')).toBe('table.json');
    expect(resultFileName('full', 100)).toBe('table-scale-100.json');
    expect(resultFileName('tiny', 10)).toBe('table-tiny-scale-10.json');
  });

  it('sale-latency at tiny size with 10 registers: one store of 10, one of them a real register', { timeout: 240_000 }, async () => {
    const out = await ROWS.find((r) => r.id === 'sale-latency')!.run('tiny', env, { registers: 10 });
    const [applied, stock] = out;
    expect(applied!.figure).toContain('(10 registers, 1 stores');
    expect(stock!.figure).toContain('(10 registers, 1 stores');
    expect(applied!.value > 0 && applied!.floorValue > 0).toBe(true);
    const note = applied!.notes.find((n) => n.startsWith('NOTE 1 real registers'));
    expect(note, applied!.notes.join('\n')).toBeDefined();
    expect(note).toMatch(/applied at hub p50 \d+\.\d ms, p99 \d+\.\d ms over [1-9]\d* sales/);
  });
});
