import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED } from '../../core/events/examples';
import { US_DEFAULT_CHART, defaultChart } from '../../core/ledger/default-charts';
import type { ChartInput } from '../../core/ledger/chart';
import { envelope } from '../../core/ledger/testing/envelope';
import type { JournalEvent } from '../../core/protocol';
import { versionedProcessor } from '../core-processor';
import { ingestBatch } from '../ingest';
import { trialBalance } from '../ledger-queries';
import { createStore } from '../stores';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { BooksInputError } from './errors';
import { PostingMaps } from './posting-map';

// The versioned posting map on a real database: version 1 seeded from the configured chart,
// a sale posted with it, a new version moving a category to another account, the next sale
// posted with that (each entry recording its version), and maps refused naming what has no
// account, a removed account that has postings, or a chart error. Nothing edits a version.

const S = 'store-001';
const T = 'store-001-t1';

function sales(from: number, n: number, prev?: string): JournalEvent[] {
  const out: JournalEvent[] = [];
  for (let i = 0; i < n; i++) {
    const p = structuredClone(EXAMPLE_SALE_COMPLETED) as unknown as Record<string, unknown>;
    p.sale_id = `00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`;
    const e = envelope('sale.completed', p, { seq: from + i, ...(prev ? { prev_hash: prev } : {}) });
    prev = e.hash;
    out.push(e);
  }
  return out;
}

function withMapping(patch: (m: ChartInput['mapping']) => void, accounts = US_DEFAULT_CHART.accounts): ChartInput {
  const c = structuredClone({ ...US_DEFAULT_CHART, accounts }) as ChartInput;
  patch(c.mapping);
  return c;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BooksInputError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe.each(testBackends())('posting map versions on $name', (backend) => {
  let t: TestDb;
  const maps = new PostingMaps(defaultChart('us'));
  const processor = versionedProcessor(maps);
  let first: JournalEvent[];
  beforeAll(async () => {
    t = await openTestDb(backend);
    await createStore(t.db, { store_id: S, name: 'Main St', currency: 'USD' });
    await t.db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [T, S]);
    await t.db.query(`INSERT INTO products (sku, data) VALUES ('TOY-1', '{"category": "toys"}')`);
  });
  afterAll(async () => t?.dispose());

  it('seeds version 1 from the configured chart and records it on every entry', async () => {
    first = sales(1, 2);
    const r = await ingestBatch(t.db, { terminal_id: T, store_id: S, processor }, first);
    expect(r.rejected).toEqual([]);
    const rows = await t.db.query<{ chart_version: number; n: number }>(`SELECT chart_version, count(*)::int AS n FROM ledger_entries GROUP BY 1`);
    expect(rows.rows).toEqual([{ chart_version: 1, n: 2 }]);
    expect((await maps.list(t.db)).map((v) => [v.version, v.created_by])).toEqual([[1, 'hub config']]);
  });

  it('refuses a map that leaves something without an account, naming it', async () => {
    // The catalog sells "toys" and the US chart has a revenue default; removing the default
    // leaves toys (and every category not listed) without an account.
    const noDefault = withMapping((m) => {
      delete (m.revenue as { default?: string }).default;
    });
    const r = await refusal(maps.save(t.db, noDefault, { by: 'anna@hq' }));
    expect(r.code).toBe('MAP_UNMAPPED');
    expect(r.message).toContain('category "toys" (revenue) has no account (add it to mapping.revenue.by_category');
    // A processor the current map posts (stripe) dropped without a default.
    const noStripe = withMapping((m) => {
      delete (m.card_clearing.by_processor as Record<string, string>).stripe;
    });
    expect((await refusal(maps.save(t.db, noStripe, { by: 'anna@hq' }))).message).toMatch(/processor "stripe" \(card clearing\) has no account/);
    // The bank account payouts arrive in is needed once settlements post.
    const noBank = withMapping((m) => {
      delete (m as { bank?: string }).bank;
    });
    expect((await refusal(maps.save(t.db, noBank, { by: 'anna@hq' }))).message).toContain('event type "books.settlement_payout" (the bank account payouts arrive in) has no account');
  });

  it('refuses a chart error and the removal of an account with postings', async () => {
    const wrongType = withMapping((m) => {
      (m.revenue.by_category as Record<string, string>).grocery = '1000';
    });
    const bad = await refusal(maps.save(t.db, wrongType, { by: 'anna@hq' }));
    expect(bad).toMatchObject({ code: 'BAD_MAP' });
    expect(bad.message).toContain('mapping.revenue.by_category.grocery refers to "1000" (asset); it must be revenue or liability');
    const used = (await t.db.query<{ account: string }>(`SELECT DISTINCT account FROM ledger_lines WHERE account LIKE '40%' ORDER BY 1 LIMIT 1`)).rows[0]!.account;
    const removed = withMapping(
      (m) => {
        for (const [k, v] of Object.entries(m.revenue.by_category ?? {})) if (v === used) (m.revenue.by_category as Record<string, string>)[k] = '4900';
        if (m.revenue.default === used) m.revenue.default = '4900';
      },
      US_DEFAULT_CHART.accounts.filter((a) => a.code !== used),
    );
    const inUse = await refusal(maps.save(t.db, removed, { by: 'anna@hq' }));
    expect(inUse).toEqual({ code: 'MAP_ACCOUNT_IN_USE', message: `account "${used}" has postings and cannot be removed (rename it or stop mapping to it)` });
    expect((await maps.list(t.db)).length).toBe(1);
  });

  it('saves a new version that the next batch posts with; the same chart again saves nothing', async () => {
    const moved = withMapping((m) => {
      (m.revenue.by_category as Record<string, string>).grocery = '4900';
      (m.revenue.by_category as Record<string, string>).apparel = '4900';
    });
    const saved = await maps.save(t.db, moved, { by: 'anna@hq', note: 'groceries and apparel to other income' });
    expect(saved).toMatchObject({ version: 2, unchanged: false });
    expect(await maps.save(t.db, moved, { by: 'anna@hq' })).toMatchObject({ version: 2, unchanged: true });
    const r = await ingestBatch(t.db, { terminal_id: T, store_id: S, processor }, sales(3, 1, first[first.length - 1]!.hash));
    expect(r.rejected).toEqual([]);
    const e = await t.db.query<{ chart_version: number; accounts: string[] }>(
      `SELECT e.chart_version, array_agg(DISTINCT l.account ORDER BY l.account) AS accounts FROM ledger_entries e JOIN ledger_lines l USING (entry_id) WHERE e.seq = 3 GROUP BY 1`,
    );
    expect(e.rows[0]!.chart_version).toBe(2);
    expect(e.rows[0]!.accounts).toContain('4900');
    expect(e.rows[0]!.accounts).not.toContain('4010');
    const v = await maps.list(t.db);
    expect(v.map((x) => [x.version, x.created_by, x.note])).toEqual([[2, 'anna@hq', 'groceries and apparel to other income'], [1, 'hub config', "the hub's configured chart"]]);
    expect((await maps.get(t.db, 1)).chart.config.mapping.revenue.by_category.grocery).toBe('4010');
    await expect(t.db.query(`UPDATE chart_versions SET note = 'x'`)).rejects.toThrow(/append-only/);
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });

  it('another hub process on the same database posts with the saved version', async () => {
    const other = versionedProcessor(new PostingMaps(defaultChart('us')));
    const prev = (await t.db.query<{ hash: string }>(`SELECT hash FROM journal_events WHERE terminal_id = $1 ORDER BY seq DESC LIMIT 1`, [T])).rows[0]!.hash;
    await ingestBatch(t.db, { terminal_id: T, store_id: S, processor: other }, sales(4, 1, prev));
    expect((await t.db.query(`SELECT chart_version FROM ledger_entries WHERE seq = 4`)).rows).toEqual([{ chart_version: 2 }]);
  });
});
