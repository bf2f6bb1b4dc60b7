import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { US_DEFAULT_CHART } from '../../src/core/ledger/default-charts';
import { runCli } from './run-cli';

// `tillstream books map show|set` on a PGlite data folder: version 1 is the configured chart,
// a map without a revenue default is refused naming the category, a valid one becomes
// version 2, and `--versions` lists both.

const cli = runCli;

describe('tillstream books map', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-map-'));
  const db = ['--data-dir', path.join(dir, 'hub')];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows version 1, refuses an incomplete map naming what has no account, saves a valid one', async () => {
    const env = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const shown = await cli(['books', 'map', 'show', ...db]);
      expect(shown.err).toBe('');
      const v1 = JSON.parse(shown.out) as { version: number; chart: typeof US_DEFAULT_CHART; unmapped: unknown[] };
      expect(v1).toMatchObject({ version: 1, created_by: 'hub config', unmapped: [] });
      expect(v1.chart.mapping.bank).toBe('1030');

      const incomplete = structuredClone(v1.chart);
      (incomplete.mapping.card_clearing.by_processor as Record<string, string>) = { stripe: '1110', adyen: '1120', square: '1130' };
      writeFileSync(path.join(dir, 'bad.json'), JSON.stringify(incomplete));
      const bad = await cli(['books', 'map', 'set', path.join(dir, 'bad.json'), ...db]);
      expect(bad.code).toBe(1);
      expect(bad.err.trim().split('\n')).toHaveLength(1);
      expect(bad.err).toMatch(/^MAP_UNMAPPED: .*processor "sim" \(card clearing\) has no account/);

      const good = structuredClone(v1.chart);
      (good.mapping.paid_out.by_hint as Record<string, string>)['expense:cleaning'] = '6110';
      writeFileSync(path.join(dir, 'good.json'), JSON.stringify(good));
      const saved = await cli(['books', 'map', 'set', path.join(dir, 'good.json'), '--note', 'cleaning to supplies', '--by', 'anna', ...db]);
      expect(saved.err).toBe('');
      expect(JSON.parse(saved.out)).toEqual({ version: 2, unchanged: false, to_suspense: [] });
      const list = await cli(['books', 'map', 'show', '--versions', ...db]);
      expect(list.out.trim().split('\n').map((l) => JSON.parse(l) as { version: number; note: string })).toMatchObject([{ version: 2, note: 'cleaning to supplies', created_by: 'anna' }, { version: 1 }]);
      const old = JSON.parse((await cli(['books', 'map', 'show', '--version', '1', ...db])).out) as { chart: typeof US_DEFAULT_CHART };
      expect(old.chart.mapping.paid_out.by_hint).not.toHaveProperty('expense:cleaning');
    } finally {
      if (env !== undefined) process.env.DATABASE_URL = env;
    }
  });
});
