import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../core/ledger/default-charts';
import { generateMonth, loadMonth } from '../books/testing/month';
import { HAS_TOOLS } from '../books/testing/tools';
import { ADMIN_TOKEN, api } from '../testing/hub-fixture';
import { startTestHub } from '../testing/hub-fixture';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import type { HubHandle } from '../server';

// The books over HTTP on a running hub: export batches (cut, refused when nothing is new,
// paged history, the file again), corrections imported back, statement import, a
// reconciliation run with paged items, a resolution and the report; store managers refused.

describe.each(testBackends())('books HTTP routes on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let mgr: string;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await loadMonth(t.db, defaultChart('us'), generateMonth(fc, { seed: 21, days: 3, salesPerDay: 3 }));
    hub = await startTestHub(t.db);
    mgr = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-1', name: 'Manager', role: 'store_manager', store_ids: ['store-001'] })).body.token;
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('cuts export batches, pages their history and serves a batch file again', async () => {
    expect((await api(hub, 'POST', '/api/books/exports', { target: 'h', format: 'hledger', mode: 'per_transaction' }, mgr)).status).toBe(403);
    const a = await api(hub, 'POST', '/api/books/exports', { target: 'h', format: 'hledger', mode: 'per_transaction', to: '2026-11-01' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ target: 'h', mode: 'per_transaction', created_by: 'admin' });
    const b = await api(hub, 'POST', '/api/books/exports', { target: 'h' });
    expect(b.status).toBe(201);
    const none = await api(hub, 'POST', '/api/books/exports', { target: 'h' });
    expect(none).toMatchObject({ status: 409, body: { error: { code: 'NOTHING_TO_EXPORT' } } });
    const bad = await api(hub, 'POST', '/api/books/exports', { target: 'h', format: 'beancount' });
    expect(bad).toMatchObject({ status: 409, body: { error: { code: 'TARGET_MISMATCH' } } });
    const p1 = await api(hub, 'GET', '/api/books/exports?limit=1');
    expect(p1.body.batches.map((x: { batch_id: number }) => x.batch_id)).toEqual([b.body.batch_id]);
    const p2 = await api(hub, 'GET', `/api/books/exports?limit=1&cursor=${p1.body.next_cursor}`);
    expect(p2.body).toMatchObject({ batches: [{ batch_id: a.body.batch_id }], next_cursor: null });
    const f = await fetch(`${hub.url}/api/books/exports/${a.body.batch_id}/file`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(f.status).toBe(200);
    expect(f.headers.get('x-content-sha256')).toBe(a.body.content_sha256);
    expect(await f.text()).toContain(`tillstream-batch:${a.body.batch_id}`);
    expect((await api(hub, 'GET', '/api/books/exports/999999/file')).status).toBe(404);
  });

  it.skipIf(!HAS_TOOLS)('imports an edited export back as corrections, once', async () => {
    const a = await api(hub, 'POST', '/api/books/exports', { target: 'c', format: 'hledger', mode: 'per_transaction' });
    const f = await fetch(`${hub.url}/api/books/exports/${a.body.batch_id}/file`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const edited = (await f.text()).replace(/^(\s+)Income:Sales:\S+(\s+-)/m, '$1Income:Other$2');
    // The preview shows the adjusting entry the import would post, and writes nothing.
    const preview = await api(hub, 'POST', '/api/books/corrections/preview', { format: 'hledger', content: edited });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ batch_id: a.body.batch_id, already_imported: false, needs_person: [] });
    expect(preview.body.adjustments).toHaveLength(1);
    const lines = preview.body.adjustments[0].lines as Array<{ debit: number; credit: number }>;
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.reduce((s, l) => s + l.debit - l.credit, 0)).toBe(0);
    expect((await api(hub, 'GET', '/api/books/corrections')).body.imports).toEqual([]);
    const r = await api(hub, 'POST', '/api/books/corrections', { format: 'hledger', content: edited });
    expect(r.status).toBe(200);
    expect(r.body.adjusted.map((x: { entry_id: string }) => x.entry_id)).toEqual([preview.body.adjustments[0].adjusts]);
    const listed = await api(hub, 'GET', '/api/books/corrections');
    expect(listed.body.imports).toEqual([expect.objectContaining({ import_id: r.body.import_id, batch_id: a.body.batch_id, imported_by: 'admin' })]);
    expect(r.body).toMatchObject({ batch_id: a.body.batch_id, already_imported: false, needs_person: [] });
    expect(r.body.adjusted).toHaveLength(1);
    const again = await api(hub, 'POST', '/api/books/corrections', { format: 'hledger', content: edited });
    expect(again.body).toMatchObject({ already_imported: true, adjusted: [] });
    const items = await api(hub, 'GET', `/api/books/corrections/${r.body.import_id}/items`);
    expect(items.body.items).toEqual([expect.objectContaining({ outcome: 'adjusted', correction_entry_id: r.body.adjusted[0].correction_entry_id })]);
    expect((await api(hub, 'POST', '/api/books/corrections', { format: 'hledger', content: 'nonsense' })).body.error.code).toBe('UNKNOWN_BATCH');
  });

  it('imports a statement, runs reconciliation, pages items, records a resolution and reports', async () => {
    const camt = readFileSync(path.join(__dirname, '../books/statements/fixtures/camt053-v08.xml'));
    const s = await api(hub, 'POST', '/api/books/imports/statement', { content_base64: camt.toString('base64'), file_name: 'camt.xml' });
    expect(s.status).toBe(200);
    expect(s.body.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(s.body.to >= s.body.from).toBe(true);
    const before = await api(hub, 'GET', `/api/books/imports/${s.body.import_id}/lines`);
    expect(before.body.lines).toHaveLength(s.body.lines);
    expect(before.body.lines.every((l: { status: string }) => l.status === 'not reconciled')).toBe(true);
    expect((await api(hub, 'POST', '/api/books/imports/statement', { content_base64: camt.toString('base64') })).body.already_imported).toBe(true);
    const broken = await api(hub, 'POST', '/api/books/imports/statement', { content_base64: Buffer.from(camt.toString('utf8').replace('<CdtDbtInd>', '<CdtDbtInd>X')).toString('base64') });
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'BAD_FILE' } } });
    const run = await api(hub, 'POST', '/api/books/recon/runs', { from: '2026-11-01', to: '2026-11-30' });
    expect(run.status).toBe(200);
    expect(run.body.items).toBeGreaterThan(0);
    const page = await api(hub, 'GET', '/api/books/recon/items?open=true&limit=2');
    expect(page.body.items).toHaveLength(2);
    const next = await api(hub, 'GET', `/api/books/recon/items?open=true&limit=2&cursor=${page.body.next_cursor}`);
    expect(next.body.items[0].item_key).not.toBe(page.body.items[0].item_key);
    const key = page.body.items[0].item_key as string;
    const res = await api(hub, 'POST', `/api/books/recon/items/${encodeURIComponent(key)}/resolutions`, { note: 'deposited late, next statement' });
    expect(res.status).toBe(201);
    const after = await api(hub, 'GET', '/api/books/recon/items?limit=500');
    expect(after.body.items.find((i: { item_key: string }) => i.item_key === key).resolution).toMatchObject({ resolved_by: 'admin', note: 'deposited late, next statement' });
    expect((await api(hub, 'POST', '/api/books/recon/items/nope/resolutions', { note: 'x' })).status).toBe(404);
    // The file's own lines, now with the run's verdict, paged in file order.
    const listedImports = await api(hub, 'GET', '/api/books/imports?kind=statement');
    expect(listedImports.body.imports[0]).toMatchObject({ import_id: s.body.import_id, kind: 'statement', format: 'camt053', file_name: 'camt.xml' });
    const l1 = await api(hub, 'GET', `/api/books/imports/${s.body.import_id}/lines?limit=1`);
    expect(l1.body.lines).toHaveLength(1);
    expect(['matched', 'open']).toContain(l1.body.lines[0].status);
    // Its own item, or the payout or deposit that claimed it.
    expect(l1.body.lines[0].item_key).toMatch(new RegExp(`^(bank:${l1.body.lines[0].line_id}$|payout:|deposit:)`));
    const l2 = await api(hub, 'GET', `/api/books/imports/${s.body.import_id}/lines?limit=1&cursor=${l1.body.next_cursor}`);
    expect(l2.body.lines[0].line_id).toBeGreaterThan(l1.body.lines[0].line_id);
    expect((await api(hub, 'GET', '/api/books/imports/999999/lines')).status).toBe(404);
    const report = await api(hub, 'GET', '/api/books/recon/report?from=2026-11-01&to=2026-11-30');
    expect(report.body.rows.length).toBeGreaterThan(0);
    expect((await api(hub, 'GET', '/api/books/recon/report', undefined, mgr)).status).toBe(403);
  });

  it('imports a settlement report over HTTP end to end: payout posted once, lines listed, re-sent file recognised, bad file refused naming the line', async () => {
    const adyen = readFileSync(path.join(__dirname, '../books/settlement/fixtures/adyen-settlement-details.csv'));
    const r = await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: adyen.toString('base64'), file_name: 'settlement_detail_report_batch_48.csv' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ already_imported: false, lines: 5, posted_entries: ['settlement-adyen-48'], from: '2026-11-26', to: '2026-11-27' });
    // The payout's entry: the bank got 918.30, fees kept, the card clearing account relieved of the gross.
    const entry = await t.db.query<{ account: string; debit: number; credit: number; currency: string }>(`SELECT account, debit, credit, currency FROM ledger_lines WHERE entry_id = 'settlement-adyen-48' ORDER BY line_no`);
    const sum = (k: 'debit' | 'credit') => entry.rows.reduce((a, l) => a + Number(l[k]), 0);
    expect(entry.rows.length).toBeGreaterThanOrEqual(3);
    expect(sum('debit')).toBe(sum('credit'));
    expect(entry.rows.find((l) => Number(l.debit) === 91830)).toBeDefined();
    expect(entry.rows.every((l) => l.currency === 'EUR')).toBe(true);
    const again = await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: adyen.toString('base64') });
    expect(again.body).toMatchObject({ import_id: r.body.import_id, already_imported: true, lines: 0, posted_entries: [] });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE entry_id = 'settlement-adyen-48'`)).rows[0]).toEqual({ n: 1 });
    const listed = await api(hub, 'GET', '/api/books/imports?kind=settlement');
    expect(listed.body.imports[0]).toMatchObject({ import_id: r.body.import_id, kind: 'settlement', format: 'adyen', file_name: 'settlement_detail_report_batch_48.csv' });
    const lines = await api(hub, 'GET', `/api/books/imports/${r.body.import_id}/lines?limit=500`);
    expect(lines.status).toBe(200);
    expect(lines.body.lines.length).toBeGreaterThanOrEqual(5);
    // A bad amount: refused naming the line, nothing written.
    const importsBefore = (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM books_imports`)).rows[0]!.n;
    const bad = await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: Buffer.from(adyen.toString('utf8').replace('42.03', '42,03')).toString('base64') });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'BAD_FILE', message: expect.stringMatching(/^adyen: line 2: /) } } });
    const generic = await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: readFileSync(path.join(__dirname, '../books/settlement/fixtures/generic.csv')).toString('base64') });
    expect(generic.status).toBe(400); // the generic layout needs the processor named
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM books_imports`)).rows[0]!.n).toBe(importsBefore);
    expect((await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: adyen.toString('base64') }, mgr)).status).toBe(403);
    expect((await api(hub, 'POST', '/api/books/imports/settlement', { content_base64: 'x', extra: 1 })).status).toBe(400);
    // The matching sees the report: its sale lines are settlement items, its payout waits for the bank.
    const run = await api(hub, 'POST', '/api/books/recon/runs', { from: '2026-11-20', to: '2026-11-30' });
    expect(run.status).toBe(200);
    const items = await api(hub, 'GET', '/api/books/recon/items?from=2026-11-26&to=2026-11-27&limit=500');
    const keys = items.body.items.map((i: { item_key: string }) => i.item_key) as string[];
    expect(keys.some((k) => k.startsWith('settlement:adyen:'))).toBe(true);
  });

  it('lists ledger entries newest first with their lines, filtered by date, store and account, paged by keyset', async () => {
    const all = await api(hub, 'GET', '/api/ledger/entries?limit=500');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const entries = all.body.entries as Array<{ entry_id: string; date: string; store_id: string | null; lines: Array<{ account: string; debit: number; credit: number }> }>;
    expect(entries.length).toBeGreaterThan(3);
    for (let i = 1; i < entries.length; i++) expect(entries[i - 1]!.date >= entries[i]!.date).toBe(true);
    for (const e of entries) expect(e.lines.reduce((s, l) => s + l.debit - l.credit, 0)).toBe(0);
    // Paging two at a time walks the same entries, none twice.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p = await api(hub, 'GET', `/api/ledger/entries?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...p.body.entries.map((e: { entry_id: string }) => e.entry_id));
      cursor = p.body.next_cursor;
    } while (cursor && seen.length < 1000);
    expect(seen).toEqual(entries.map((e) => e.entry_id));
    const account = entries[0]!.lines[0]!.account;
    const byAccount = await api(hub, 'GET', `/api/ledger/entries?limit=500&account=${encodeURIComponent(account)}`);
    expect(byAccount.body.entries.length).toBeGreaterThan(0);
    expect(byAccount.body.entries.every((e: { lines: Array<{ account: string }> }) => e.lines.some((l) => l.account === account))).toBe(true);
    const day = entries[entries.length - 1]!.date;
    const oneDay = await api(hub, 'GET', `/api/ledger/entries?limit=500&from=${day}&to=${day}&store_id=store-001`);
    expect(oneDay.body.entries.every((e: { date: string; store_id: string }) => e.date === day && e.store_id === 'store-001')).toBe(true);
    expect((await api(hub, 'GET', '/api/ledger/entries?cursor=bm9wZQ')).body.error.code).toBe('BAD_CURSOR');
    expect((await api(hub, 'GET', '/api/ledger/entries?account=a%20b')).status).toBe(400);
    expect((await api(hub, 'GET', '/api/ledger/entries', undefined, mgr)).status).toBe(403);
  });

  it('lists historical imports with their progress; pausing one that is not running says so', async () => {
    const h = await api(hub, 'GET', '/api/books/history');
    expect(h).toMatchObject({ status: 200, body: { imports: [], next_cursor: null } });
    expect((await api(hub, 'POST', '/api/books/history/1/pause')).body).toEqual({ pause_requested: false });
  });

  it('shows the posting map, refuses an incomplete one naming what has no account, saves and lists versions', async () => {
    expect((await api(hub, 'GET', '/api/books/map', undefined, mgr)).status).toBe(403);
    const cur = await api(hub, 'GET', '/api/books/map');
    expect(cur.status).toBe(200);
    expect(cur.body).toMatchObject({ version: 1, created_by: 'hub config', unmapped: [], to_suspense: [] });
    const chart = cur.body.chart as { mapping: { revenue: { default?: string; by_category: Record<string, string> }; card_clearing: { by_processor: Record<string, string> } } };
    const noDefault = structuredClone(chart);
    delete noDefault.mapping.revenue.default;
    noDefault.mapping.card_clearing.by_processor = {};
    const refused = await api(hub, 'PUT', '/api/books/map', { chart: noDefault });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('MAP_UNMAPPED');
    expect(refused.body.error.message).toMatch(/processor "stripe" \(card clearing\) has no account/);
    expect((await api(hub, 'PUT', '/api/books/map', { chart: { version: 1 } })).body.error.code).toBe('BAD_MAP');
    const moved = structuredClone(chart);
    moved.mapping.revenue.by_category.bakery = '4000';
    const saved = await api(hub, 'PUT', '/api/books/map', { chart: moved, note: 'bakery into general sales' });
    expect(saved).toMatchObject({ status: 200, body: { version: 2, unchanged: false } });
    expect((await api(hub, 'PUT', '/api/books/map', { chart: moved })).body).toMatchObject({ version: 2, unchanged: true });
    const p1 = await api(hub, 'GET', '/api/books/map/versions?limit=1');
    expect(p1.body.versions).toEqual([expect.objectContaining({ version: 2, created_by: 'admin', note: 'bakery into general sales' })]);
    const p2 = await api(hub, 'GET', `/api/books/map/versions?limit=1&cursor=${p1.body.next_cursor}`);
    expect(p2.body).toMatchObject({ versions: [{ version: 1 }], next_cursor: null });
    expect((await api(hub, 'GET', '/api/books/map?version=1')).body.chart.mapping.revenue.by_category.bakery).toBe('4040');
    expect((await api(hub, 'GET', '/api/books/map?version=9')).status).toBe(404);
  });
});
