import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SaleCompletedPayload } from '../../core/events';
import { buildRefund } from '../../core/sale';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../testing/hub-fixture';
import type { RegisterSim } from '../testing/register-sim';
import type { HubHandle } from '../server';
import { encodeCursor } from './paging';
import { streamLedgerExport } from '../ledger-stream';
import { loadEntries } from '../ledger-queries';
import { defaultChart } from '../../core/ledger/default-charts';
import { toBeancount, toHledgerJournal, toQuickBooksCsv } from '../../core/ledger/export';

// Every list route pages with one mechanism (paging.ts): an opaque cursor, a bounded limit,
// next_cursor in the reply. Pages must cover the list exactly once in order, whatever the
// page size; filters narrow it; a bad cursor, limit or range is refused with a code and
// changes nothing.

describe.each(testBackends())('paged lists on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let mgrA: string;
  const regs: Record<string, RegisterSim> = {};
  let refundAmount = 0;

  const all = async (path: string, key: string, limit: number, token?: string) => {
    const out: Array<Record<string, unknown>> = [];
    let cursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const r = await api(hub, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, undefined, token);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body[key].length).toBeLessThanOrEqual(limit);
      out.push(...r.body[key]);
      cursor = r.body.next_cursor;
      if (!cursor) return out;
    }
    throw new Error('paging did not end');
  };

  beforeAll(async () => {
    t = await openTestDb(backend);
    await t.db.query(`INSERT INTO products (sku, data) VALUES ('X', '{"sku":"X","name":"Xylophone","category":"toys"}')`);
    await seedStore(t.db, 'A', { X: 100, Y: 3 });
    await seedStore(t.db, 'B', { X: 100 });
    hub = await startTestHub(t.db);
    await api(hub, 'POST', '/api/prices', { target: { all: true }, prices: [{ sku: 'X', amount: 250 }] });
    mgrA = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-a', name: 'A', role: 'store_manager', store_ids: ['A'] })).body.token;
    for (const [s, term] of [['A', 'A-1'], ['A', 'A-2'], ['B', 'B-1']] as const) {
      regs[term] = await enrollRegister(t.db, s, term);
      await regs[term]!.connect(hub.url);
      await regs[term]!.hello();
    }
    const a1 = regs['A-1']!;
    const sales = Array.from({ length: 9 }, (_, i) => a1.sell([{ sku: 'X', units: 1 + (i % 3), unit_price: 250 }]));
    expect(await a1.push(sales)).toMatchObject({ ok: true, applied_through: 9 });
    const b = regs['B-1']!;
    expect(await b.push([b.sell([{ sku: 'X', units: 1, unit_price: 250 }]), b.sell([{ sku: 'X', units: 2, unit_price: 250 }])])).toMatchObject({ ok: true, applied_through: 2 });
    const sale = sales[2]!.payload as unknown as SaleCompletedPayload;
    const refund = buildRefund(sale, [], {
      refund_id: randomUUID(), store_id: 'A', terminal_id: 'A-2', shift_id: randomUUID(), cashier_id: 'c2', reason: 'changed mind',
      lines: [{ original_line_id: sale.lines[0]!.line_id, quantity: { units: 1, scale: 0 } }], refund_to: 'original',
    }, { actor: { cashier_id: 'c2', permissions: ['sale.refund'] }, now: new Date().toISOString() });
    if (!refund.ok) throw new Error(refund.error.message);
    refundAmount = refund.payload.totals.total;
    expect(await regs['A-2']!.push([regs['A-2']!.append('sale.refunded', refund.payload as unknown as Record<string, unknown>)])).toMatchObject({ ok: true, applied_through: 1 });
  }, 120_000);
  afterAll(async () => {
    for (const r of Object.values(regs)) r.close();
    await hub?.close();
    await t?.dispose();
  });

  it('pages cover /api/events exactly once, newest first, for any page size (property)', async () => {
    const full = await all('/api/events', 'events', 500);
    expect(full).toHaveLength(12);
    const keys = full.map((e) => `${e.occurred_at}|${e.terminal_id}|${e.seq}`);
    const sorted = [...full].sort((x, y) => (x.occurred_at === y.occurred_at ? (x.terminal_id === y.terminal_id ? Number(y.seq) - Number(x.seq) : String(y.terminal_id).localeCompare(String(x.terminal_id))) : String(y.occurred_at).localeCompare(String(x.occurred_at))));
    expect(sorted.map((e) => `${e.occurred_at}|${e.terminal_id}|${e.seq}`)).toEqual(keys);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 13 }), async (limit) => {
        const paged = await all('/api/events', 'events', limit);
        expect(paged.map((e) => `${e.occurred_at}|${e.terminal_id}|${e.seq}`)).toEqual(keys);
      }),
      { numRuns: 8 },
    );
  }, 120_000);

  it('filters by store, terminal, type and time; a store manager sees only their stores', async () => {
    expect((await all('/api/events?store_id=B', 'events', 5)).map((e) => e.terminal_id)).toEqual(['B-1', 'B-1']);
    expect(await all('/api/events?terminal_id=A-2', 'events', 5)).toHaveLength(1);
    expect(await all('/api/events?type=sale.refunded', 'events', 5)).toHaveLength(1);
    expect(await all('/api/events?type=sale.refunded,sale.completed&store_id=A', 'events', 5)).toHaveLength(10);
    expect(await all('/api/events?from=2000-01-01&to=2001-01-01', 'events', 5)).toHaveLength(0);
    expect(await all(`/api/events?from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`, 'events', 5)).toHaveLength(12);
    const mine = await all('/api/events', 'events', 4, mgrA);
    expect(new Set(mine.map((e) => e.store_id))).toEqual(new Set(['A']));
    expect((await api(hub, 'GET', '/api/events?store_id=B', undefined, mgrA)).status).toBe(403);
  });

  it('amounts are signed: a refund is negative; the sales explorer finds by receipt, cashier and amount', async () => {
    const sales = await all('/api/sales', 'sales', 4);
    expect(sales).toHaveLength(12);
    const refund = sales.find((s) => s.type === 'sale.refunded')!;
    expect(refund.amount).toBe(-refundAmount);
    expect(refund.amount as number).toBeLessThan(0);
    expect(sales.filter((s) => s.type === 'sale.completed').every((s) => (s.amount as number) > 0)).toBe(true);
    const byReceipt = await api(hub, 'GET', '/api/sales?receipt_no=A-1-000003');
    expect(byReceipt.body.sales).toEqual([expect.objectContaining({ terminal_id: 'A-1', seq: 3, receipt_no: 'A-1-000003', amount: 750 })]);
    expect((await api(hub, 'GET', '/api/sales?cashier_id=c2')).body.sales.map((s: { type: string }) => s.type)).toEqual(['sale.refunded']);
    expect((await api(hub, 'GET', `/api/sales?amount=${-refundAmount}`)).body.sales).toHaveLength(1);
    expect((await api(hub, 'GET', '/api/sales?amount=500&store_id=B')).body.sales).toHaveLength(1);
  });

  it('refuses a bad cursor, limit or range with a code', async () => {
    const other = encodeCursor('alerts', ['1']);
    for (const [q, code, field] of [
      [`cursor=${other}`, 'BAD_CURSOR', 'cursor'],
      ['cursor=!!', 'BAD_CURSOR', 'cursor'],
      [`cursor=${encodeCursor('events', ['not a time', 'A-1', '1'])}`, 'BAD_CURSOR', 'cursor'],
      [`cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'BAD_CURSOR', 'cursor'],
      ['limit=0', 'BAD_REQUEST', 'limit'],
      ['limit=501', 'BAD_REQUEST', 'limit'],
      ['from=2026-02-01&to=2026-01-01', 'BAD_RANGE', 'from'],
      ['from=yesterday', 'BAD_REQUEST', 'from'],
      ['type=DROP TABLE', 'BAD_REQUEST', 'type.0'],
      ['nope=1', 'BAD_REQUEST', undefined],
    ] as const) {
      const r = await api(hub, 'GET', `/api/events?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe(code);
      if (field) expect(r.body.error.field, q).toBe(field);
    }
  });

  it('terminals: online now, app version, downlink cursor; stock with names, prices and values', async () => {
    const terms = await all('/api/terminals', 'terminals', 2);
    expect(terms.map((x) => x.terminal_id)).toEqual(['A-1', 'A-2', 'B-1']);
    expect(terms.every((x) => x.online && x.enrolled && x.app_version === 'test')).toBe(true);
    regs['B-1']!.close();
    await expect.poll(async () => (await api(hub, 'GET', '/api/terminals?status=offline')).body.terminals.map((x: { terminal_id: string }) => x.terminal_id)).toEqual(['B-1']);
    const stock = await all('/api/stock?store_id=A', 'stock', 1);
    expect(stock.map((s) => s.sku)).toEqual(['X', 'Y']);
    expect(stock[0]).toMatchObject({ name: 'Xylophone', category: 'toys', price: 250, currency: 'USD' });
    expect(stock[0]!.value).toBe(Number(stock[0]!.on_hand_decimal) * 250);
    expect(stock[1]).toMatchObject({ sku: 'Y', name: null, price: null, value: null });
    expect((await api(hub, 'GET', '/api/stock?store_id=A&q=xylo')).body.stock.map((s: { sku: string }) => s.sku)).toEqual(['X']);
    const moves = await all('/api/stock/movements?store_id=A&sku=X', 'movements', 3);
    expect(moves.filter((m) => m.reason === 'opening')).toHaveLength(1);
    expect(moves.filter((m) => m.event_id !== null).length).toBeGreaterThanOrEqual(10);
    expect((await all('/api/stores', 'stores', 1)).map((s) => s.store_id)).toEqual(['A', 'B']);
    expect((await all('/api/stores', 'stores', 1, mgrA)).map((s) => s.store_id)).toEqual(['A']);
  });

  it('dashboard: figures from the aggregates kept at ingest equal the journal, by store and hour; a store manager gets theirs', async () => {
    const sales = await all('/api/sales', 'sales', 500);
    const sum = (xs: Array<Record<string, unknown>>) => xs.reduce((s, x) => s + Number(x.amount), 0);
    const d = await api(hub, 'GET', '/api/dashboard');
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const usd = d.body.totals.find((x: { currency: string }) => x.currency === 'USD');
    const completed = sales.filter((x) => x.type === 'sale.completed');
    expect(usd).toMatchObject({ net_sales: sum(sales), sales_total: sum(completed), transactions: 11, refunds_count: 1, refunds_total: -refundAmount, average_basket: Math.round(sum(completed) / 11) });
    expect(d.body.by_store.map((x: { store_id: string; net_sales: number }) => [x.store_id, x.net_sales])).toEqual([
      ['A', sum(sales.filter((x) => x.store_id === 'A'))],
      ['B', sum(sales.filter((x) => x.store_id === 'B'))],
    ]);
    expect(d.body.by_time.reduce((s: number, x: { net_sales: number }) => s + x.net_sales, 0)).toBe(sum(sales));
    const recomputed = await t.db.query<{ n: string }>(
      `SELECT coalesce(sum(CASE type WHEN 'sale.completed' THEN (payload->'totals'->>'total')::bigint ELSE -(payload->'totals'->>'total')::bigint END), 0)::text AS n FROM journal_events WHERE type IN ('sale.completed','sale.refunded')`,
    );
    expect(usd.net_sales).toBe(Number(recomputed.rows[0]!.n));
    // Whole days by day read the daily figures kept at ingest: the same numbers.
    const day0 = new Date().toISOString().slice(0, 10);
    const day1 = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const byDay = await api(hub, 'GET', `/api/dashboard?from=${day0}&to=${day1}&bucket=day`);
    expect(byDay.body.totals).toEqual(d.body.totals);
    expect(byDay.body.by_store).toEqual(d.body.by_store);
    expect(byDay.body.by_time).toEqual([expect.objectContaining({ at: `${day0}T00:00:00.000Z`, net_sales: sum(sales) })]);
    const mine = await api(hub, 'GET', '/api/dashboard?bucket=day', undefined, mgrA);
    expect(mine.body.by_store.map((x: { store_id: string }) => x.store_id)).toEqual(['A']);
    expect(mine.body.by_time).toHaveLength(1);
    expect((await api(hub, 'GET', '/api/dashboard?store_id=A,B', undefined, mgrA)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/dashboard?from=2020-01-01&to=2022-01-01')).body.error.code).toBe('BAD_RANGE');
    expect((await api(hub, 'GET', '/api/dashboard?from=2020-01-01&to=2020-01-02')).body.totals).toEqual([]);
  });

  it('sales explorer: a sale down to its ledger entry and hash chain, with its return; the return points back', async () => {
    // A list row says whether the sale's books were corrected since; the detail lists the corrections instead.
    const { adjusted, ...sale } = (await api(hub, 'GET', '/api/sales?receipt_no=A-1-000003')).body.sales[0];
    expect(adjusted).toBe(false);
    const d = await api(hub, 'GET', `/api/sales/${sale.event_id}`);
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    expect(d.body.event).toEqual(sale);
    expect(d.body.chain).toMatchObject({ seq: 3, terminal_applied_through: 9 });
    expect(d.body.chain.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(d.body.ledger).toHaveLength(1);
    const lines = d.body.ledger[0].lines as Array<{ debit: number; credit: number }>;
    expect(lines.reduce((s, l) => s + l.debit, 0)).toBe(lines.reduce((s, l) => s + l.credit, 0));
    expect(lines.reduce((s, l) => s + l.debit, 0)).toBe(750);
    expect(d.body.reversals).toEqual([expect.objectContaining({ type: 'sale.refunded', terminal_id: 'A-2', amount: -refundAmount })]);
    const r = await api(hub, 'GET', `/api/sales/${d.body.reversals[0].event_id}`);
    expect(r.body.original).toEqual(sale);
    expect(r.body.ledger[0].reverses === null ? r.body.ledger[0].adjusts ?? r.body.ledger[0].entry_id : r.body.ledger[0].reverses).toBeTruthy();
    expect((await api(hub, 'GET', `/api/sales/${sale.event_id}`, undefined, mgrA)).status).toBe(200);
    const b = (await api(hub, 'GET', '/api/sales?store_id=B')).body.sales[0];
    expect((await api(hub, 'GET', `/api/sales/${b.event_id}`, undefined, mgrA)).status).toBe(403);
    expect((await api(hub, 'GET', `/api/sales/${randomUUID()}`)).body.error.code).toBe('NOT_FOUND');
    expect((await api(hub, 'GET', '/api/sales/nope')).body.error.field).toBe('event_id');
  });

  it('an oversell alert is acknowledged once, by a person in scope; open counts follow', async () => {
    const a1 = regs['A-1']!;
    expect(await a1.push([a1.sell([{ sku: 'Y', units: 4, unit_price: 100 }])])).toMatchObject({ ok: true, applied_through: 10 });
    const open = await api(hub, 'GET', '/api/alerts?state=open&kind=oversell');
    expect(open.body.alerts).toEqual([expect.objectContaining({ kind: 'oversell', store_id: 'A', acknowledged_at: null })]);
    const before = open.body.open_count;
    const id = open.body.alerts[0].alert_id;
    const mgrB = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-b', name: 'B', role: 'store_manager', store_ids: ['B'] })).body.token;
    expect((await api(hub, 'POST', `/api/alerts/${id}/acknowledge`, {}, mgrB)).status).toBe(403);
    const ack = await api(hub, 'POST', `/api/alerts/${id}/acknowledge`, {}, mgrA);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ alert_id: id, acknowledged_by: 'mgr-a' });
    const again = await api(hub, 'POST', `/api/alerts/${id}/acknowledge`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_ACKNOWLEDGED');
    expect((await api(hub, 'GET', '/api/alerts?state=open')).body.open_count).toBe(before - 1);
    expect((await api(hub, 'GET', '/api/dashboard')).body.alerts.by_kind.oversell ?? 0).toBe(0);
    expect((await api(hub, 'POST', '/api/alerts/999999/acknowledge', {})).status).toBe(404);
  });

  it('exports stream a page at a time and equal one render of every entry; trial balance by store set and dates', async () => {
    const chart = defaultChart('us');
    const entries = await loadEntries(t.db);
    expect(entries.length).toBeGreaterThan(10);
    const whole = {
      hledger: toHledgerJournal(entries, chart, { title: 'Tillstream hub ledger', channels: {} }),
      beancount: toBeancount(entries, chart, { title: 'Tillstream hub ledger' }),
      'quickbooks-csv': toQuickBooksCsv(entries, chart),
    } as const;
    for (const format of ['hledger', 'beancount', 'quickbooks-csv'] as const) {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 7 }), async (size) => {
          let text = '';
          for await (const chunk of streamLedgerExport(t.db, chart, format, { stores: null }, size)) text += chunk;
          expect(text).toBe(whole[format]);
        }),
        { numRuns: 4 },
      );
      const res = await fetch(`${hub.url}/api/ledger/export?format=${format}`, { headers: { authorization: `Bearer ${(await import('../testing/hub-fixture')).ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/attachment/);
      const body = await res.text();
      expect(body).toBe(whole[format]);
      // The tools themselves read the streamed file, where installed.
      if (format === 'hledger' && spawnSync('hledger', ['--version']).status === 0) {
        const r = spawnSync('hledger', ['-f', '-', 'check'], { input: body, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      if (format === 'beancount' && spawnSync('bean-check', ['--help']).status === 0) {
        const dir = (await import('node:fs')).mkdtempSync('/tmp/tillstream-bean-');
        (await import('node:fs')).writeFileSync(`${dir}/x.beancount`, body);
        const r = spawnSync('bean-check', [`${dir}/x.beancount`], { encoding: 'utf8' });
        expect(r.status, r.stderr + r.stdout).toBe(0);
      }
    }
    const onlyB = await fetch(`${hub.url}/api/ledger/export?format=quickbooks-csv&store_id=B`, { headers: { authorization: `Bearer ${(await import('../testing/hub-fixture')).ADMIN_TOKEN}` } });
    const bText = await onlyB.text();
    expect(bText).toBe(toQuickBooksCsv(entries.filter((e) => e.source.store_id === 'B'), chart));
    const tb = await api(hub, 'GET', '/api/ledger/trial-balance?store_id=B');
    expect(tb.body.balanced).toBe(true);
    expect(tb.body.totals.USD.debit).toBe(entries.filter((e) => e.source.store_id === 'B').flatMap((e) => e.lines).reduce((x, l) => x + l.debit, 0));
    expect((await api(hub, 'GET', '/api/ledger/trial-balance?from=2000-01-01&to=2000-01-02')).body.rows).toEqual([]);
    expect((await api(hub, 'GET', '/api/ledger/trial-balance?from=2020-02-01&to=2020-01-01')).body.error.code).toBe('BAD_RANGE');
    expect((await api(hub, 'GET', '/api/ledger/export?format=xml')).status).toBe(400);
    expect((await api(hub, 'GET', '/api/ledger/export?format=hledger', undefined, mgrA)).status).toBe(403);
  });
});
