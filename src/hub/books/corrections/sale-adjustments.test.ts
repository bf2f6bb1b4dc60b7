import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultChart } from '../../../core/ledger/default-charts';
import { trialBalance } from '../../ledger-queries';
import { ADMIN_TOKEN, api, startTestHub } from '../../testing/hub-fixture';
import { openTestDb, testBackends, type TestDb } from '../../testing/test-db';
import type { HubHandle } from '../../server';
import { generateMonth, loadMonth } from '../testing/month';
import { HAS_HLEDGER } from '../testing/tools';

// A correction of an operational fact, seen on the sale: a finance person fixes a sale in
// hledger that was paid in cash but recorded as card, and booked to the wrong store (the
// account of the tender and every posting's store: tag edited). Imported back over the API,
// the sale detail lists the adjusting entry under the sale's ledger entry with what changed
// in the shop's terms (tender card → cash, store A → store B), who imported it from which
// file, and what the books now hold; the sales list marks the sale while it still shows it
// as sold. A store the hub does not have is left for a person.

const chart = defaultChart('us');

describe.each(testBackends())('a correction shown on the sale on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await loadMonth(t.db, chart, generateMonth(fc, { seed: 4242, days: 3, salesPerDay: 6 }));
    hub = await startTestHub(t.db);
  }, 300_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it.skipIf(!HAS_HLEDGER)('an edited tender account and store come back as an adjustment the sale detail explains', async () => {
    const batch = await api(hub, 'POST', '/api/books/exports', { target: 'accountant', format: 'hledger', mode: 'per_transaction' });
    expect(batch.status).toBe(201);
    const file = await (await fetch(`${hub.url}/api/books/exports/${batch.body.batch_id}/file`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
    const blocks = file.split('\n\n');
    // A sale of store-001 paid by card alone (one card posting, no cash, no gift card).
    const i = blocks.findIndex((b) => /^\d{4}-\d{2}-\d{2} \* \(sale/m.test(b) && /store:store-001/.test(b) && (b.match(/^\s+Assets:Card-Clearing:\S+\s+\d/gm) ?? []).length === 1 && !/Assets:Cash|Gift/.test(b));
    expect(i, 'a card sale of store-001 in the export').toBeGreaterThanOrEqual(0);
    const entryId = /^\d{4}-\d{2}-\d{2} \* \(([^)]+)\)/m.exec(blocks[i]!)![1]!;
    const cardAccount = /^\s+(Assets:Card-Clearing:\S+)\s+\d/m.exec(blocks[i]!)![1]!;
    const total = /^\s+Assets:Card-Clearing:\S+\s+(\d+)\.(\d\d) USD/m.exec(blocks[i]!)!;
    const amount = Number(total[1]) * 100 + Number(total[2]);
    blocks[i] = blocks[i]!.replace(cardAccount, 'Assets:Cash:Drawers').replaceAll('store:store-001', 'store:store-002');
    const edited = blocks.join('\n\n');

    const r = await api(hub, 'POST', '/api/books/corrections', { format: 'hledger', content: edited, file_name: 'november-fixed.journal' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.needs_person).toEqual([]);
    expect(r.body.adjusted).toEqual([{ entry_id: entryId, correction_entry_id: expect.stringMatching(/^ci\d+-1$/) }]);
    const correctionId = r.body.adjusted[0].correction_entry_id as string;
    expect((await trialBalance(t.db)).balanced).toBe(true);

    // The adjustment moves the tender and every line of the sale between the two stores.
    const lines = await t.db.query<{ account: string; store: string; net: string }>(
      `SELECT account, dimensions->>'store_id' AS store, (debit - credit)::text AS net FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no`, [correctionId]);
    const cashCode = chart.config.accounts.find((a) => chart.ledgerNames.get(a.code) === 'Assets:Cash:Drawers')!.code;
    const cardCode = chart.config.accounts.find((a) => chart.ledgerNames.get(a.code) === cardAccount)!.code;
    expect(lines.rows).toContainEqual({ account: cashCode, store: 'store-002', net: String(amount) });
    expect(lines.rows).toContainEqual({ account: cardCode, store: 'store-001', net: String(-amount) });
    expect(new Set(lines.rows.map((l) => l.store))).toEqual(new Set(['store-001', 'store-002']));

    const ev = await t.db.query<{ event_id: string }>(`SELECT event_id::text AS event_id FROM ledger_entries WHERE entry_id = $1`, [entryId]);
    const detail = await api(hub, 'GET', `/api/sales/${ev.rows[0]!.event_id}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    // As sold: the event, its entry and its store are the register's.
    expect(detail.body.event).toMatchObject({ store_id: 'store-001', type: 'sale.completed', amount });
    expect(detail.body.ledger.map((e: { entry_id: string }) => e.entry_id)).toContain(entryId);
    expect(detail.body.adjustments).toHaveLength(1);
    const adj = detail.body.adjustments[0];
    expect(adj).toMatchObject({
      entry_id: correctionId, adjusts: entryId,
      source: { import_id: r.body.import_id, batch_id: batch.body.batch_id, format: 'hledger', file_name: 'november-fixed.journal', imported_by: 'admin' },
    });
    expect(adj.changes).toContainEqual({ kind: 'tender', from: 'card', to: 'cash', from_account: cardCode, to_account: cashCode, amount, currency: 'USD' });
    expect(adj.changes).toContainEqual({ kind: 'store', from: 'store-001', to: 'store-002', amount, currency: 'USD' });
    expect(adj.changes.filter((c: { kind: string }) => c.kind !== 'tender' && c.kind !== 'store')).toEqual([]);
    // In the books now: the other store, paid in cash.
    expect(detail.body.books).toEqual({ stores: [{ store_id: 'store-002', amount, currency: 'USD' }], tenders: [{ tender: 'cash', amount, currency: 'USD' }] });

    // The list still finds it under the store it was sold in, and marks it corrected.
    const listed = await api(hub, 'GET', `/api/sales?store_id=store-001&amount=${amount}&limit=200`);
    const row = (listed.body.sales as Array<{ event_id: string; adjusted: boolean }>).find((s) => s.event_id === ev.rows[0]!.event_id);
    expect(row).toMatchObject({ adjusted: true });
    expect((listed.body.sales as Array<{ event_id: string; adjusted: boolean }>).filter((s) => s.adjusted)).toHaveLength(1);

    // The same bytes again change nothing; the detail still shows one adjustment.
    const again = await api(hub, 'POST', '/api/books/corrections', { format: 'hledger', content: edited, file_name: 'november-fixed.journal' });
    expect(again.body).toMatchObject({ already_imported: true, adjusted: [] });
    expect((await api(hub, 'GET', `/api/sales/${ev.rows[0]!.event_id}`)).body.adjustments).toHaveLength(1);

    // A store the hub does not have is for a person; nothing is posted for it.
    const j = blocks.findIndex((b, k) => k !== i && /^\d{4}-\d{2}-\d{2} \* \(sale/m.test(b) && /store:store-001/.test(b));
    blocks[j] = blocks[j]!.replaceAll('store:store-001', 'store:store-999');
    const preview = await api(hub, 'POST', '/api/books/corrections/preview', { format: 'hledger', content: blocks.join('\n\n') });
    expect(preview.status).toBe(200);
    expect(preview.body.adjustments).toEqual([]);
    expect(preview.body.needs_person).toEqual([expect.objectContaining({ reason: expect.stringContaining('store store-999') })]);
  });

  it('a sale nobody corrected has no adjustments and is not marked', async () => {
    const ev = await t.db.query<{ event_id: string }>(
      `SELECT e.event_id::text AS event_id FROM journal_events e JOIN ledger_entries le ON le.event_id = e.event_id
        WHERE e.type = 'sale.completed' AND NOT EXISTS (SELECT 1 FROM ledger_entries a WHERE a.adjusts = le.entry_id) LIMIT 1`);
    const detail = await api(hub, 'GET', `/api/sales/${ev.rows[0]!.event_id}`);
    expect(detail.body).toMatchObject({ adjustments: [], books: null });
  });

  it('finds a correction’s import by an index on its entry, not by reading every item ever imported', async () => {
    const plan = await t.db.transaction(async (q) => {
      await q.query('SET LOCAL enable_seqscan = off');
      const r = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN SELECT import_id FROM correction_items WHERE correction_entry_id = ANY($1::text[])`, [['e1', 'e2']]);
      return r.rows.map((x) => x['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/correction_items_correction_entry_idx/);
  });
});
