import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { SyncClient, openJournal } from '../../src/sync';
import { trialBalance } from '../../src/hub/ledger-queries';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../../src/core/events';
import { saleCompletedPayload, TEST_SHIFT_ID } from '../sync/fixtures/sale-payload';
import { waitFor } from '../sync/helpers';

// The review queue's other rules (issue 15): an unresolved card outcome, refunds and no-sales
// per cashier and shift above a limit, a price override beyond a percent of the catalog price.
// A real register (journal + SyncClient) sends normal events and ones that trip each rule to
// the real hub: only the latter are queued, the flagged sales' and refund's revenue waits in
// the review suspense account (1900), the trial balance stays zero, clearing works; the CLI
// shows the rules.

const ROOT = path.resolve(__dirname, '../..');
const STORE = 'RRS';
const T = 'RRS-1';
const SUSPENSE = '1900';

async function balanceOf(db: Db, account: string): Promise<number> {
  const tb = await trialBalance(db);
  return tb.rows.filter((r) => r.account === account).reduce((s, r) => s + r.debit - r.credit, 0);
}

/** A sale of one line of SKU A (catalog 300) charged `charged` through an override discount. */
function overriddenDown(at: string, charged: number): SaleCompletedPayload {
  const s = saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 300 }] }, STORE, T, at);
  const off = 300 - charged;
  const l = s.lines[0]!;
  l.discounts = [{ kind: 'override', amount: off, reason: 'price match', approved_by: 'mgr-1' }];
  l.net = charged;
  l.total = charged;
  s.totals = { subtotal: 300, discount_total: off, tax_total: 0, total: charged, rounding: 0 };
  s.tenders = [{ tender_id: 'T1', kind: 'cash', amount: charged, tendered: charged, change: 0 }];
  return s;
}

function refund(at: string, cashier: string): SaleRefundedPayload {
  return {
    refund_id: randomUUID(), original_sale_id: randomUUID(), store_id: STORE, terminal_id: T, shift_id: TEST_SHIFT_ID, cashier_id: cashier, approved_by: 'mgr-1',
    reason: 'no receipt', currency: 'USD', no_receipt: true,
    lines: [{ line_id: 'R1', original_line_id: 'L1', sku: 'A', description: 'Item A', category: 'grocery', tax_category: 'food', quantity: { units: 1, scale: 0 }, unit: 'each', unit_price: 300, gross: 300, discounts: [], net: 300, taxes: [], total: 300 }],
    totals: { subtotal: 300, discount_total: 0, tax_total: 0, total: 300, rounding: 0 }, tax_breakdown: [],
    tenders: [{ tender_id: 'RT1', kind: 'cash', amount: 300 }], restock: true, refunded_at: at,
  };
}

describe.each(testBackends())('review rules (unresolved card, counts per shift, price override) on $name', (backend) => {
  const scratch = scratchDb(backend, 'review-rules');
  const { dir, dbOpts } = scratch;
  afterAll(async () => {
    await scratch.dispose();
  });

  it('flags the event that trips each rule and not the normal ones, holds revenue in suspense, clears', { timeout: 240_000 }, async () => {
    const db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, STORE, { A: 100, B: 100 });
    await db.query(`INSERT INTO prices (store_id, sku, amount, currency) VALUES ($1, 'A', 300, 'USD'), ($1, 'B', 1000, 'USD')`, [STORE]);
    const hub = await startTestHub(db);
    const journal = openJournal(path.join(dir, 'reg.db'), { terminalId: T, storeId: STORE });
    let client: SyncClient | null = null;
    try {
      const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: T });
      const enrolled = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
      expect(enrolled.status).toBe(201);
      const badRules = await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { review_rules: { price_override: { max_percent: -1 } } });
      expect(badRules.status).toBe(400);
      const rules = await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, {
        review_rules: { card_unresolved: { min_amount: 500 }, refunds_per_shift: { max: 2 }, no_sales_per_shift: { max: 1 }, price_override: {} },
      });
      expect(rules.status, JSON.stringify(rules.body)).toBe(200);
      expect(rules.body.review_rules).toEqual({ card_unresolved: { min_amount: 500 }, refunds_per_shift: { max: 2 }, no_sales_per_shift: { max: 1 }, price_override: { max_percent: 20 } });
      client = new SyncClient({ journal, url: hub.url, token: enrolled.body.token, appVersion: 'review-rules-test', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
      client.start();
      const synced = () => client!.status.unsyncedCount === 0 && client!.status.connected;
      const now = Date.now();
      const at = (s: number) => new Date(now + s * 1000).toISOString();

      // (e) price override: at the catalog price, 50 off (16.7 %) pass; 100 off (33.3 %) and 1500 for B (catalog 1000, +50 %) are flagged.
      journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 300 }] }, STORE, T, at(0)));
      journal.append('sale.completed', overriddenDown(at(10), 250));
      const down = journal.append('sale.completed', overriddenDown(at(20), 200));
      const upSale = saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'B', qty: 1, price: 1500 }] }, STORE, T, at(30));
      upSale.lines[0]!.price_source = 'override';
      const up = journal.append('sale.completed', upSale);
      // (d) refunds: emp-1, emp-1, emp-2, emp-1 (the third of emp-1 crosses max 2), emp-1 (not flagged again).
      journal.append('sale.refunded', refund(at(40), 'emp-1'));
      journal.append('sale.refunded', refund(at(41), 'emp-1'));
      journal.append('sale.refunded', refund(at(42), 'emp-2'));
      const thirdRefund = journal.append('sale.refunded', refund(at(43), 'emp-1'));
      journal.append('sale.refunded', refund(at(44), 'emp-1'));
      // (d) no-sales: the second of emp-1 crosses max 1 (emp-2's first does not).
      const noSale = (s: number, cashier: string) => ({ no_sale_id: randomUUID(), shift_id: TEST_SHIFT_ID, store_id: STORE, terminal_id: T, cashier_id: cashier, opened_at: at(s) });
      journal.append('drawer.no_sale', noSale(50, 'emp-1'));
      journal.append('drawer.no_sale', noSale(51, 'emp-2'));
      const secondNoSale = journal.append('drawer.no_sale', noSale(52, 'emp-1'));
      // (c) unresolved card outcomes: 400 is under min_amount 500, 1000 is flagged.
      const unresolved = (s: number, amount: number) => ({
        reference: `${randomUUID()}/T1`, store_id: STORE, terminal_id: T, cashier_id: 'emp-1', kind: 'sale' as const, transaction_id: randomUUID(), tender_id: 'T1',
        currency: 'USD', amount, processor: 'sim', reason: 'no answer from the terminal', started_at: at(s),
      });
      journal.append('payment.unresolved', unresolved(60, 400));
      const card = journal.append('payment.unresolved', unresolved(61, 1000));
      await waitFor('all synced', synced, 60_000);
      expect(client.status.rejectedCount).toBe(0);

      const q = await api(hub, 'GET', `/api/review?store_id=${STORE}&limit=100`);
      expect(q.status, JSON.stringify(q.body)).toBe(200);
      const items = q.body.items as Array<{ item_id: number; rule: string; seq: number; related: Record<string, unknown>; entry_id: string | null; hold_entry_id: string | null }>;
      expect(items.map((i) => [i.rule, i.seq])).toEqual([
        ['card_unresolved', card.seq],
        ['no_sales_per_shift', secondNoSale.seq],
        ['refunds_per_shift', thirdRefund.seq],
        ['price_override', up.seq],
        ['price_override', down.seq],
      ]);
      expect(q.body.counts).toEqual({ open: 5, cleared: 0, open_by_rule: { card_unresolved: 1, no_sales_per_shift: 1, refunds_per_shift: 1, price_override: 2 } });
      const byRule = (r: string) => items.filter((i) => i.rule === r);
      expect(byRule('price_override')[1]!.related).toMatchObject({ sku: 'A', per: 'line', catalog: 300, charged: 200, max_percent: 20 });
      expect(byRule('price_override')[0]!.related).toMatchObject({ sku: 'B', per: 'unit', catalog: 1000, charged: 1500, percent: 50 });
      expect(byRule('refunds_per_shift')[0]!.related).toEqual({ cashier_id: 'emp-1', shift_id: TEST_SHIFT_ID, count: 3, max: 2 });
      expect(byRule('no_sales_per_shift')[0]).toMatchObject({ related: { cashier_id: 'emp-1', count: 2, max: 1 }, amount: 0, currency: 'USD', entry_id: null, hold_entry_id: null });
      expect(byRule('card_unresolved')[0]).toMatchObject({ amount: 1000, currency: 'USD', entry_id: null, hold_entry_id: null, related: { processor: 'sim', kind: 'sale' } });
      // Revenue held: the two overridden sales (200 + 1500, credits) and the refund (300, debit); the others post none.
      for (const i of [...byRule('price_override'), ...byRule('refunds_per_shift')]) expect(i.hold_entry_id).toBe(`${String(i.entry_id)}:hold`);
      expect((await trialBalance(db)).balanced).toBe(true);
      expect(await balanceOf(db, SUSPENSE)).toBe(-200 - 1500 + 300);

      // Clearing: the override with a release entry linked to its sale; the unresolved card with none (nothing held).
      const downItem = byRule('price_override')[1]!;
      const cleared = await api(hub, 'POST', `/api/review/${downItem.item_id}/clear`, { reason: 'price match approved by the manager' });
      expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
      expect(cleared.body).toMatchObject({ status: 'cleared', release_entry_id: `${String(downItem.entry_id)}:release` });
      const release = await db.query<{ adjusts: string }>(`SELECT adjusts FROM ledger_entries WHERE entry_id = $1`, [cleared.body.release_entry_id]);
      expect(release.rows[0]!.adjusts).toBe(downItem.entry_id);
      const cardCleared = await api(hub, 'POST', `/api/review/${byRule('card_unresolved')[0]!.item_id}/clear`, { reason: 'terminal report: declined' });
      expect(cardCleared.status).toBe(200);
      expect(cardCleared.body.release_entry_id).toBeNull();
      expect((await trialBalance(db)).balanced).toBe(true);
      expect(await balanceOf(db, SUSPENSE)).toBe(-1500 + 300);
      const filtered = await api(hub, 'GET', `/api/review?store_id=${STORE}&rule=refunds_per_shift`);
      expect(filtered.body.items.map((i: { seq: number }) => i.seq)).toEqual([thirdRefund.seq]);
    } finally {
      client?.stop();
      journal.close();
      await hub.close();
    }
    await db.close();

    // The CLI shows the rules with their limits and sets them.
    const configFile = path.join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify(dbOpts));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/tillstream.mjs', ...args, '--config', configFile], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DATABASE_URL: '' } });
    const shown = cli('review', 'rules', STORE);
    expect(shown.stderr).toBe('');
    expect(JSON.parse(shown.stdout)).toEqual({ card_unresolved: { min_amount: 500 }, refunds_per_shift: { max: 2 }, no_sales_per_shift: { max: 1 }, price_override: { max_percent: 20 } });
    const set = cli('review', 'rules', STORE, '--set', '{"no_sales_per_shift":{},"price_override":{"max_percent":10}}');
    expect(set.stderr).toBe('');
    expect(JSON.parse(set.stdout)).toEqual({ no_sales_per_shift: { max: 5 }, price_override: { max_percent: 10 } });
    expect(cli('review', 'rules', STORE, '--set', '{"refunds_per_shift":{"max":-1}}').stderr).toMatch(/refunds_per_shift\.max/);
    const list = cli('review', 'list', '--rule', 'refunds_per_shift');
    expect(list.stderr).toBe('');
    expect(list.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { rule: string }).rule)).toEqual(['refunds_per_shift']);
  });
});
