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
import { defaultChart } from '../../src/core/ledger/default-charts';
import { trialBalance } from '../../src/hub/ledger-queries';
import { createExportBatch } from '../../src/hub/books/export/batches';
import { HAS_HLEDGER, hledgerBalances, hubBalances } from '../../src/hub/books/testing/tools';
import { saleCompletedPayload } from '../sync/fixtures/sale-payload';
import { waitFor } from '../sync/helpers';

// The review queue (issue 15, Must-show 2): a real register (journal + SyncClient) sends a
// sale, the same basket again seconds later, and a card sale it then post-voids, to the real
// hub. The second sale and the post-void land in the queue, their revenue in the review
// suspense account (1900); the trial balance is zero; clearing the duplicate records who,
// when and why and posts the release, linked to the sale's entry; hledger checks the export
// and reports the hub's balances.

const ROOT = path.resolve(__dirname, '../..');
const STORE = 'REV';
const T = 'REV-1';
const chart = defaultChart('us');
const SUSPENSE = '1900';

async function balanceOf(db: Db, account: string): Promise<number> {
  const tb = await trialBalance(db);
  return tb.rows.filter((r) => r.account === account).reduce((s, r) => s + r.debit - r.credit, 0);
}

describe.each(testBackends())('review queue on $name', (backend) => {
  const scratch = scratchDb(backend, 'review');
  const { dir, dbOpts } = scratch;
  afterAll(async () => {
    await scratch.dispose();
  });

  it('flags a duplicate-looking sale and a voided card sale, holds their revenue in suspense, clears with a linked adjusting entry', { timeout: 240_000 }, async () => {
    const db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, STORE, { A: 100, B: 100 });
    const hub = await startTestHub(db);
    const journal = openJournal(path.join(dir, 'reg.db'), { terminalId: T, storeId: STORE });
    let client: SyncClient | null = null;
    try {
      const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: T });
      const enrolled = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
      expect(enrolled.status).toBe(201);
      // The store turns the rules on (none run by default).
      const rules = await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { review_rules: { duplicate_sale: {}, card_post_voided: {} } });
      expect(rules.status, JSON.stringify(rules.body)).toBe(200);
      expect(rules.body.review_rules).toEqual({ duplicate_sale: { window_seconds: 30 }, card_post_voided: {} });
      client = new SyncClient({ journal, url: hub.url, token: enrolled.body.token, appVersion: 'review-test', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
      client.start();
      const synced = () => client!.status.unsyncedCount === 0 && client!.status.connected;
      const now = Date.now();
      const at = (s: number) => new Date(now + s * 1000).toISOString();

      const first = journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 300 }] }, STORE, T, at(0)));
      await waitFor('first sale synced', synced, 60_000);
      // The same basket 20 s later (within the 30 s window): looks like a duplicate. Another basket is not flagged.
      const dup = journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 300 }] }, STORE, T, at(20)));
      journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 2, price: 300 }] }, STORE, T, at(30)));
      // A card sale, approved, then post-voided.
      const card = saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'B', qty: 1, price: 1000 }] }, STORE, T, at(40));
      card.tenders = [{ tender_id: 'T1', kind: 'card', amount: 1000, processor: 'sim', auth_code: 'A1B2' }];
      journal.append('sale.completed', card);
      const pv = journal.append('sale.post_voided', {
        post_void_id: randomUUID(), sale_id: card.sale_id, store_id: STORE, terminal_id: T, shift_id: card.shift_id, cashier_id: 'emp-1', approved_by: 'mgr-1',
        reason: 'customer changed mind', original: card, voided_at: at(60),
      });
      await waitFor('all synced', synced, 60_000);
      expect(client.status.rejectedCount).toBe(0);

      // The queue: two items, newest first, with counts per rule.
      const q = await api(hub, 'GET', `/api/review?store_id=${STORE}`);
      expect(q.status, JSON.stringify(q.body)).toBe(200);
      const items = q.body.items as Array<Record<string, unknown>>;
      expect(items.map((i) => [i.rule, i.seq])).toEqual([['card_post_voided', pv.seq], ['duplicate_sale', dup.seq]]);
      expect(q.body.counts).toEqual({ open: 2, cleared: 0, open_by_rule: { card_post_voided: 1, duplicate_sale: 1 } });
      const dupItem = items.find((i) => i.rule === 'duplicate_sale')!;
      expect(dupItem.related).toMatchObject({ seq: first.seq, seconds_before: 20 });
      expect(dupItem.amount).toBe(300);
      expect(dupItem.hold_entry_id).toBe(`${String(dupItem.entry_id)}:hold`);

      // Their revenue sits in suspense: 300 of the duplicate (credit), 1000 of the void (debit).
      expect((await trialBalance(db)).balanced).toBe(true);
      expect(await balanceOf(db, SUSPENSE)).toBe(-300 + 1000);
      const holds = await db.query<{ entry_id: string; adjusts: string; event_type: string }>(`SELECT entry_id, adjusts, event_type FROM ledger_entries WHERE event_type = 'review.hold' ORDER BY entry_id`);
      expect(holds.rows.length).toBe(2);

      // Clearing: who, when, why; the release adjusts the original entry.
      const bad = await api(hub, 'POST', `/api/review/${dupItem.item_id}/clear`, { reason: '' });
      expect(bad.status).toBe(400);
      const cleared = await api(hub, 'POST', `/api/review/${dupItem.item_id}/clear`, { reason: 'two customers bought the same item' });
      expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
      expect(cleared.body).toMatchObject({ status: 'cleared', clear_reason: 'two customers bought the same item', release_entry_id: `${String(dupItem.entry_id)}:release` });
      expect(cleared.body.cleared_by).toBeTruthy();
      expect(Date.parse(cleared.body.cleared_at)).toBeGreaterThan(now - 60_000);
      const release = await db.query<{ adjusts: string; event_type: string; memo: string }>(`SELECT adjusts, event_type, memo FROM ledger_entries WHERE entry_id = $1`, [cleared.body.release_entry_id]);
      expect(release.rows[0]).toMatchObject({ adjusts: dupItem.entry_id, event_type: 'review.release' });
      expect(release.rows[0]!.memo).toMatch(/cleared by .*two customers bought the same item/);
      expect((await trialBalance(db)).balanced).toBe(true);
      expect(await balanceOf(db, SUSPENSE)).toBe(1000);
      const again = await api(hub, 'POST', `/api/review/${dupItem.item_id}/clear`, { reason: 'twice' });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('ALREADY_CLEARED');

      // Never deleted, changed only once.
      await expect(db.query(`DELETE FROM review_items WHERE item_id = $1`, [dupItem.item_id])).rejects.toThrow(/not allowed/);
      await expect(db.query(`UPDATE review_items SET clear_reason = 'rewritten' WHERE item_id = $1`, [dupItem.item_id])).rejects.toThrow(/changes once/);
      const all = await api(hub, 'GET', `/api/review?store_id=${STORE}&status=all`);
      expect(all.body.counts).toEqual({ open: 1, cleared: 1, open_by_rule: { card_post_voided: 1 } });

      // hledger accepts the export and reports the hub's trial balance.
      if (HAS_HLEDGER) {
        const batch = await createExportBatch(db, chart, { target: `review-${backend.name}`, format: 'hledger', mode: 'per_transaction', by: 'finance@hq' });
        const file = path.join(dir, 'review.journal');
        writeFileSync(file, batch.files[0]!);
        const check = spawnSync('hledger', ['-f', file, 'check', 'accounts', 'commodities', 'balancednoautoconversion'], { encoding: 'utf8', timeout: 120_000 });
        expect(`${check.stdout}${check.stderr}`).toBe('');
        expect(check.status).toBe(0);
        expect(hledgerBalances(file)).toEqual(hubBalances(chart, await trialBalance(db)));
        expect(batch.files[0]).toMatch(/adjusts:/);
      }
    } finally {
      client?.stop();
      journal.close();
      await hub.close();
    }
    await db.close();

    // The CLI lists the queue and clears the other item on the stopped hub's database.
    const configFile = path.join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify(dbOpts));
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/tillstream.mjs', ...args, '--config', configFile], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DATABASE_URL: '' } });
    const list = cli('review', 'list');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    const lines = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { item_id: number; rule: string; status: string });
    expect(lines.map((l) => [l.rule, l.status])).toEqual([['card_post_voided', 'open']]);
    const clear = cli('review', 'clear', String(lines[0]!.item_id), '--reason', 'card refunded at the terminal, checked', '--by', 'anna@hq');
    expect(clear.stderr).toBe('');
    expect(clear.status).toBe(0);
    expect(JSON.parse(clear.stdout)).toMatchObject({ status: 'cleared', cleared_by: 'anna@hq' });
    const twice = cli('review', 'clear', String(lines[0]!.item_id), '--reason', 'again', '--by', 'anna@hq');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toMatch(/^ALREADY_CLEARED: /);
    // The store settings from the CLI: the rules, and require_signatures.
    expect(JSON.parse(cli('review', 'rules', STORE).stdout)).toEqual({ duplicate_sale: { window_seconds: 30 }, card_post_voided: {} });
    const setRules = cli('review', 'rules', STORE, '--set', '{"card_post_voided":{}}');
    expect(setRules.stderr).toBe('');
    expect(JSON.parse(setRules.stdout)).toEqual({ card_post_voided: {} });
    expect(cli('review', 'rules', STORE, '--set', '{"duplicate_sale":{"window_seconds":0}}').stderr).toMatch(/window_seconds/);
    expect(cli('audit', 'require-signatures', STORE).stdout).toBe(`${STORE} require_signatures off\n`);
    expect(cli('audit', 'require-signatures', STORE, 'on').stdout).toBe(`${STORE} require_signatures on\n`);
    expect(cli('audit', 'require-signatures', STORE, 'maybe').status).not.toBe(0);
    const db2 = await openDb(dbOpts);
    expect((await db2.query(`SELECT require_signatures FROM stores WHERE store_id = $1`, [STORE])).rows[0]).toEqual({ require_signatures: true });
    expect((await trialBalance(db2)).balanced).toBe(true);
    expect(await balanceOf(db2, SUSPENSE)).toBe(0);
    await db2.close();
  });
});
