import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { parseRegisterConfig, redeemWithHub, startRegister, type RunningRegister } from '../../src/main/register';
import { exportUnsynced, verifyJournalFile } from '../../src/sync';
import type { SaleCompletedPayload } from '../../src/core/events';
import { approve, CASHIER, MANAGER, SCREENSHOTS, sharedBundle, signInAndOpenShift, startStore, waitFor, type Store } from './harness';

// Issue 16, replacing a broken register end to end: T01 with an open shift (float and a
// paid-in) and synced sales dies for good with two sales it never delivered. HQ marks it
// replaced and gets a replacement code; a new device (new journal, same terminal id) enrolls
// with it, takes over the chain from the hub, shows the same open shift, returns an item
// from a receipt of the old device, and closes the shift with a Z report that covers both
// devices. The old device, restarted, is refused; its two unsynced sales, exported and
// salvaged, reach the hub exactly once (a second import changes nothing).
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
const USD = (amount: number) => ({ amount, currency: 'USD' });

describe('replacing a broken register', { timeout: 180_000 }, () => {
  let s: Store;
  let fresh: RunningRegister | null = null;
  let revived: RunningRegister | null = null;
  let page2: Page;
  beforeAll(async () => {
    s = await startStore();
    s.page.setDefaultTimeout(60_000);
  }, 240_000);
  afterAll(async () => {
    await page2?.close().catch(() => {});
    await fresh?.close().catch(() => {});
    await revived?.close().catch(() => {});
    await s?.close();
  });

  const sell = async (r: RunningRegister, sku: string, units: number) => {
    const svc = r.service;
    await svc.handle('sale.addSku', { sku, quantity: { units, scale: 0 } });
    const total = ((await svc.handle('sale.get', {})) as { total: { amount: number } }).total.amount;
    const done = (await svc.handle('sale.tender', { kind: 'cash', amount: USD(total) })) as { receipt_no: string };
    const sale = r.journal.eventAt(r.journal.head().seq)!.payload as unknown as SaleCompletedPayload;
    await svc.handle('sale.new', {});
    return { receipt: done.receipt_no, sale, total };
  };
  const hubEvents = async (terminal: string) =>
    (await s.db.query<{ seq: string; type: string; event_id: string }>(`SELECT seq::text, type, event_id::text FROM journal_events WHERE terminal_id = $1 ORDER BY seq`, [terminal])).rows;

  it('takes over the terminal, its open shift and receipts on a new device; the old device is refused; its unsynced sales are salvaged once', async () => {
    const old = s.register;
    // The old device: a shift with a float and a paid-in, two sales the hub has …
    await signInAndOpenShift(s.page);
    await old.service.handle('cash.paidIn', { amount: USD(2_500), reason: 'change fund' });
    const a = await sell(old, 'SKU-00003', 2);
    const b = await sell(old, 'SKU-00004', 1);
    await waitFor(() => old.service.syncStatus().unsynced === 0, 20_000, 'the old device synced');
    const syncedHead = old.journal.head().seq;
    // … and two it never delivers: the link is gone, then the device dies for good.
    old.sync!.stop();
    const lost1 = await sell(old, 'SKU-00005', 1);
    const lost2 = await sell(old, 'SKU-00006', 3);
    expect(old.service.syncStatus().unsynced).toBe(2);
    const oldConfig = old.config;
    await old.close();

    // HQ marks T01 replaced: a replacement code, the chain head to continue from.
    const rep = await s.hq('POST', '/api/terminals/T01/replace', {});
    expect(rep.status).toBe(201);
    expect(rep.body.chain_head.seq).toBe(syncedHead);
    const terminals = await s.hq('GET', '/api/terminals?store_id=store-001');
    expect(JSON.stringify(terminals.body)).toContain('T01');

    // The new device: a new journal, same terminal id, enrolled with the replacement code.
    const enrolled = await redeemWithHub({ hub: s.hub.url, code: rep.body.code });
    expect(enrolled.hub.replacement).toBe(true);
    const config = parseRegisterConfig({ ...oldConfig, journal_path: path.join(s.dir, 'replacement', 'journal.sqlite'), hub: enrolled.hub });
    fresh = await startRegister({ config, browser: { bundle: await sharedBundle() }, syncMonitorMs: 200 });
    expect(fresh.journal.head().seq).toBe(syncedHead);
    expect(verifyJournalFile(config.journal_path).ok).toBe(true);
    await waitFor(() => fresh!.service.syncStatus().online && fresh!.service.syncStatus().change_cursor > 0, 30_000, 'the new device online with the catalog');

    page2 = await s.browser.newPage({ viewport: { width: 1024, height: 768 } });
    page2.setDefaultTimeout(60_000);
    await page2.goto(fresh.host!.url);
    await page2.getByTestId('signin-cashier').fill(CASHIER.id);
    await page2.getByTestId('signin-pin').fill(CASHIER.pin);
    await page2.getByTestId('signin-submit').click();
    await page2.getByTestId('code-input').waitFor();
    await shot(page2, '40-replacement-open-shift-1024');
    // The same open shift: float, paid-in and the old device's synced sales.
    const x = (await fresh.service.handle('report.x', {})) as { sales_count: number; opening_float: { amount: number }; paid_in: { amount: number }; expected_cash: { amount: number } };
    expect([x.sales_count, x.opening_float.amount, x.paid_in.amount]).toEqual([2, 10_000, 2_500]);
    expect(x.expected_cash.amount).toBe(10_000 + 2_500 + a.total + b.total);

    // A return from a receipt of the old device, on the new one.
    await page2.getByTestId('returns').click({ force: true });
    await page2.getByTestId('refund-receipt').fill(a.receipt);
    await page2.getByTestId('refund-find').click();
    await page2.getByTestId('original-line').first().waitFor();
    await page2.getByTestId('refund-qty-minus').click();
    await page2.getByTestId('refund-line').first().click();
    await page2.getByTestId('refund-line').first().filter({ hasText: '✓' }).waitFor();
    await page2.getByTestId('refund-continue').click();
    await page2.getByTestId('pay').click();
    await page2.getByTestId('refund-pay').click();
    await page2.getByTestId('sale-done').filter({ hasText: 'Return complete' }).waitFor();
    await shot(page2, '41-replacement-return-of-old-receipt-1024');
    const refund = fresh.journal.eventAt(fresh.journal.head().seq)!;
    expect(refund.type).toBe('sale.refunded');
    expect(refund.seq).toBe(syncedHead + 1);
    expect((refund.payload as { original_sale_id: string }).original_sale_id).toBe(a.sale.sale_id);
    const c = await sell(fresh, 'SKU-00007', 1);

    // Z report on the new device covers both devices.
    await page2.setViewportSize({ width: 1366, height: 768 });
    await page2.getByTestId('new-sale').click().catch(() => {});
    await page2.getByTestId('nav-shift').click();
    await page2.getByTestId('close-shift').click();
    const x2 = (await fresh.service.handle('report.x', {})) as { expected_cash: { amount: number } };
    await page2.getByTestId('shift-amount-input').fill(String(x2.expected_cash.amount));
    await page2.getByTestId('shift-submit').click();
    await approve(page2, MANAGER.pin);
    await page2.getByTestId('report-Z').waitFor();
    await shot(page2, '42-replacement-z-report-1366');
    const z = fresh.journal.eventAt(fresh.journal.head().seq)!;
    expect(z.type).toBe('shift.closed');
    const zr = z.payload as { sales_count?: number; refunds_count?: number; variance: number };
    expect(zr.variance).toBe(0);
    const refunded = Math.abs((refund.payload as { totals: { total: number } }).totals.total);
    expect(x2.expected_cash.amount).toBe(10_000 + 2_500 + a.total + b.total + c.total - refunded);
    const zView = (await fresh.service.handle('report.x', {}).catch(() => null)) as null;
    expect(zView).toBeNull(); // the shift is closed
    await waitFor(() => fresh!.service.syncStatus().unsynced === 0, 20_000, 'the new device synced');
    const chain = await hubEvents('T01');
    expect(chain.map((r) => Number(r.seq))).toEqual(Array.from({ length: chain.length }, (_, i) => i + 1));
    expect(chain.at(-1)!.type).toBe('shift.closed');

    // The old device comes back: refused, and it says why.
    revived = await startRegister({ config: oldConfig, browser: false, syncMonitorMs: 200 });
    await waitFor(() => (revived!.sync!.status.lastError ?? '').includes('UNAUTHORIZED'), 20_000, 'the old device refused');
    expect(revived.sync!.status.lastError).toMatch(/refused this register's credential .*revoked/);
    expect(revived.service.syncStatus().unsynced).toBe(2);
    await revived.close();
    revived = null;

    // Its two unsynced sales: exported, salvaged by HQ, at the hub exactly once.
    const file = exportUnsynced(oldConfig.journal_path);
    expect(file.events.map((e) => (e.payload as { sale_id: string }).sale_id)).toEqual([lost1.sale.sale_id, lost2.sale.sale_id]);
    const first = await s.hq('POST', '/api/salvage', file);
    expect(first.status).toBe(201);
    expect(first.body.counts).toMatchObject({ applied: 2, conflict: 0, rejected: 0 });
    const again = await s.hq('POST', '/api/salvage', file);
    expect(again.body.counts).toMatchObject({ applied: 0, already_imported: 2 });
    for (const e of file.events) {
      const n = await s.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM journal_events WHERE event_id = $1::uuid`, [e.event_id]);
      expect(n.rows[0]!.n).toBe('1');
    }
    const salvaged = await hubEvents('T01.salvage');
    expect(salvaged.map((r) => r.type)).toEqual(['sale.completed', 'sale.completed']);
    // An edited export, or one that is not this terminal's chain, is refused whole, naming why.
    const edited = { ...file, events: [{ ...file.events[0]!, payload: { ...file.events[0]!.payload, cashier_id: '666' } }, file.events[1]!] };
    const bad = await s.hq('POST', '/api/salvage', edited);
    expect([bad.status, bad.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    expect(bad.body.error.message).toMatch(/chain is broken at seq \d+ \(bad_hash\)/);
    const elsewhere = await s.hq('POST', '/api/salvage', { ...file, events: file.events.slice(1) });
    expect(elsewhere.body.error.message).toMatch(/does not continue T01's chain as the hub has it/);
    // The old chain's copy at the hub is untouched: T01 continues on the new device only.
    expect((await hubEvents('T01')).length).toBe(chain.length);
  });
});
