import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { approve, DELI_PLATTER, deliLabel, LOOSE_APPLES, MANAGER, SCREENSHOTS, signInAndOpenShift, startStore, waitFor, type Store } from './harness';
import { CLOSED_FOR_A_NEW_OPENING_MS } from '../../src/main/register/drawer-watch';

// The register as a cashier uses it: Chromium on the browser host, the real main process
// (journal, sync, drivers) and the virtual devices (serial scanner and scale on PTYs, ESC/POS
// printer and ZVT terminal on loopback TCP), a real hub. One store for the whole file; the
// tests run in order like one shift at a till.

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

// Browser tests drive Chromium, a hub and virtual devices on 2 shared cores: each step gets time.
describe('register end to end', { timeout: 90_000 }, () => {
  let s: Store;
  let firstReceiptNo = '';
  beforeAll(async () => {
    s = await startStore({ virtual: true });
    s.page.setDefaultTimeout(60_000);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });
  const onFail = (name: string) =>
    onTestFailed(async () => {
      await s.page.screenshot({ path: path.join(s.dir, '..', `tillstream-fail-${name}.png`) }).catch(() => {});
    });

  const hubHas = async (seq: number, type: string) => {
    const r = await s.hq('GET', '/api/events?store_id=store-001&limit=200');
    const rej = await s.hq('GET', '/api/rejections?store_id=store-001');
    if (rej.body?.rejections?.length) throw new Error(`hub rejected events: ${JSON.stringify(rej.body.rejections).slice(0, 800)}`);
    return (r.body?.events ?? []).some((e: { seq: number; type: string; terminal_id: string }) => e.seq === seq && e.type === type && e.terminal_id === 'T01');
  };

  it('signs in, scans three items (weighed, price-embedded, plain), takes card + cash, prints the receipt, syncs the sale', async () => {
    const { page, virtual, register } = s;
    await page.getByTestId('signin-cashier').waitFor();
    await shot(page, '01-sign-in');
    await signInAndOpenShift(page, '15000');
    const v = virtual!;
    const plain = register.service.feed.catalog.book.products.get('SKU-00003')!;
    v.place(1250); // 1.250 kg of apples on the scale before the scan
    await v.scan(LOOSE_APPLES.gtins[0]!);
    await page.getByTestId('sale-line').nth(0).waitFor();
    await v.scan(deliLabel(789));
    await page.getByTestId('sale-line').nth(1).waitFor();
    await v.scan(plain.gtins[0]!);
    await page.getByTestId('sale-line').nth(2).waitFor();
    const lines = await page.getByTestId('sale-line').allTextContents();
    expect(lines[0]).toContain('Loose apples');
    expect(lines[0]).toContain('1.250 kg');
    expect(lines[0]).toContain('$3.74'); // 1.25 kg × $2.99 = 3.7375 → 3.74
    expect(lines[1]).toContain('Deli platter');
    expect(lines[1]).toContain('$7.89');
    expect(lines[2]).toContain(plain.name);
    await shot(page, '02-sale');

    const sale = await register.service.handle('sale.get', {}) as { total: { amount: number } };
    const total = sale.total.amount;
    await page.getByTestId('pay').click();
    // Split: $5.00 on the card, the rest in cash.
    await page.getByTestId('tender-input').fill('500');
    await page.getByTestId('tender-card').click();
    await page.getByTestId('tender-row').first().filter({ hasText: 'Approved' }).waitFor();
    await shot(page, '03-tender-split');
    const receipt = v.nextReceipt();
    await page.getByTestId('cash-exact').click();
    await page.getByTestId('sale-done').waitFor();
    await shot(page, '04-sale-done');
    const text = await receipt;
    expect(text).toContain('Loose apples');
    expect(text).toContain('476173******0119');
    expect(text).not.toMatch(/4761730{0,}\d{6}0119/);
    const head = register.journal.head().seq;
    const ev = register.journal.eventAt(head)!;
    expect(ev.type).toBe('sale.completed');
    const tenders = (ev.payload as { tenders: { kind: string; amount: number }[] }).tenders;
    expect(tenders.map((t) => t.kind)).toEqual(['card', 'cash']);
    expect(tenders[0]!.amount + tenders[1]!.amount).toBe(total);
    expect(v.payment.approvedSales().length).toBe(1);
    firstReceiptNo = `T01-${String(head).padStart(6, '0')}`;
    await waitFor(() => hubHas(head, 'sale.completed'), 20_000, 'the sale at the hub');
  });

  it('refunds one line of that receipt for cash', async () => {
    onFail('refund');
    const { page, register } = s;
    await page.getByTestId('new-sale').click();
    await page.getByTestId('returns').click();
    await page.getByTestId('refund-receipt').fill(firstReceiptNo);
    await page.getByTestId('refund-find').click();
    await page.getByTestId('original-line').nth(2).waitFor();
    await page.getByTestId('refund-line').nth(1).click(); // the deli platter
    await page.getByTestId('refund-line').nth(1).filter({ hasText: '✓' }).waitFor();
    await shot(page, '05-return');
    await page.getByTestId('refund-continue').click();
    await page.getByTestId('pay').click();
    await page.getByTestId('refund-pay').click();
    await page.getByTestId('sale-done').waitFor();
    const head = register.journal.head().seq;
    const ev = register.journal.eventAt(head)!;
    expect(ev.type).toBe('sale.refunded');
    const p = ev.payload as { lines: { sku: string }[]; totals: { total: number } };
    expect(p.lines.map((l) => l.sku)).toEqual([DELI_PLATTER.sku]);
    expect(p.totals.total).toBeGreaterThan(789); // platter + its sales tax
    await waitFor(() => hubHas(head, 'sale.refunded'), 20_000, 'the refund at the hub');
  });

  it('voids a sale only with a manager PIN', async () => {
    onFail('void');
    const { page, register, virtual } = s;
    await page.getByTestId('new-sale').click();
    await virtual!.scan(register.service.feed.catalog.book.products.get('SKU-00007')!.gtins[0]!);
    await page.getByTestId('sale-line').first().waitFor();
    await page.getByTestId('void-sale').click();
    await page.getByTestId('approval-pin').waitFor();
    await shot(page, '06-manager-approval');
    await approve(page, '0000');
    await page.getByText('PIN not accepted').waitFor();
    await approve(page, MANAGER.pin);
    await page.getByTestId('sale-done').waitFor();
    const ev = register.journal.eventAt(register.journal.head().seq)!;
    expect(ev.type).toBe('sale.voided');
    expect((ev.payload as { approved_by?: string }).approved_by).toBe(MANAGER.id);
  });

  it('shows an HQ price change on the register within a second', async () => {
    onFail('price');
    const { page, register, virtual } = s;
    await page.getByTestId('new-sale').click();
    const item = register.service.feed.catalog.book.products.get('SKU-00011')!;
    await virtual!.scan(item.gtins[0]!);
    await page.getByTestId('sale-line').first().waitFor();
    await page.evaluate(() => {
      (window as unknown as { __priceSeen: number | null }).__priceSeen = null;
    });
    const seen = new Promise<number>((resolve) => {
      const off = register.service.subscribe((stream, data) => {
        if (stream === 'price' && (data as { sku: string }).sku === item.sku) {
          off();
          resolve(Date.now());
        }
      });
    });
    const t0 = Date.now();
    const r = await s.hq('POST', '/api/prices', { target: { store_ids: ['store-001'] }, prices: [{ sku: item.sku, amount: item.price + 100 }], reason: 'e2e' });
    expect(r.status).toBeLessThan(300);
    const atRegister = (await seen) - t0;
    await page.getByTestId('alert-price_changed').waitFor();
    const onScreen = Date.now() - t0;
    console.log(`price change HQ → register main: ${atRegister} ms; → alert on the cashier screen: ${onScreen} ms`);
    expect(atRegister).toBeLessThan(10_000); // generous bound: the design target is < 1 s
    await page.getByTestId('sale-line').first().filter({ hasText: 'Price changed at HQ' }).waitFor();
    await shot(page, '07-price-change-alert');
    // The open sale keeps the price it was rung up at; the next one gets the new price.
    await page.getByTestId('pay').click();
    await page.getByTestId('cash-exact').click();
    await page.getByTestId('sale-done').waitFor();
    const ev = register.journal.eventAt(register.journal.head().seq)!;
    expect((ev.payload as { lines: { unit_price: number }[] }).lines[0]!.unit_price).toBe(item.price);
    expect(register.service.feed.catalog.book.products.get(item.sku)!.price).toBe(item.price + 100);
  });

  it('keeps selling with the hub down and syncs when it is back', async () => {
    onFail('offline');
    const { page, register, virtual } = s;
    // What the tests before sold is at the hub first: what is unsynced below was sold offline.
    await waitFor(() => register.service.syncStatus().unsynced === 0, 30_000, 'the earlier sales to sync before the hub stops');
    await s.stopHub();
    // The hub comes back even when a step here fails, so the tests after this one run online.
    let offlineSeq: number;
    try {
      await page.getByTestId('status-online').filter({ hasText: 'Offline' }).waitFor({ timeout: 20_000 });
      await page.getByTestId('new-sale').click();
      await virtual!.scan(register.service.feed.catalog.book.products.get('SKU-00002')!.gtins[0]!);
      await page.getByTestId('sale-line').first().waitFor();
      await page.getByTestId('pay').click();
      await page.getByTestId('cash-exact').click();
      await page.getByTestId('sale-done').waitFor();
      offlineSeq = register.journal.head().seq;
      // The sale at least (a drawer read open past its alert on a loaded machine journals one more event).
      await page.getByTestId('status-unsynced').filter({ hasText: /^[1-9]\d* unsynced$/ }).waitFor();
      expect(register.service.syncStatus().unsynced).toBeGreaterThanOrEqual(1);
      await shot(page, '08-offline');
    } finally {
      await s.restartHub();
    }
    await waitFor(() => register.service.syncStatus().unsynced === 0, 30_000, 'the offline sale to sync');
    await page.getByTestId('status-online').filter({ hasText: 'Online' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('status-unsynced').filter({ hasText: 'All synced' }).waitFor();
    expect(await hubHas(offlineSeq, 'sale.completed')).toBe(true);
  });

  it('shows the customer each line as scanned, the total, and what was paid with the change due (virtual display on a PTY)', async () => {
    onFail('display');
    const { page, register, virtual } = s;
    const v = virtual!;
    const screen = () => v.display.lines().join(' | ');
    await page.getByTestId('new-sale').click();
    await waitFor(() => screen().includes('Welcome'), 10_000, `the welcome text (display shows ${screen()})`);
    const a = register.service.feed.catalog.book.products.get('SKU-00004')!;
    const b = register.service.feed.catalog.book.products.get('SKU-00005')!;
    await v.scan(a.gtins[0]!);
    await page.getByTestId('sale-line').nth(0).waitFor();
    await waitFor(() => screen().startsWith(a.name.slice(0, 8)), 10_000, `the first line on the display (shows ${screen()})`);
    await v.scan(b.gtins[0]!);
    await page.getByTestId('sale-line').nth(1).waitFor();
    const sale = (await register.service.handle('sale.get', {})) as { total: { amount: number } };
    const money = (m: number) => `$${(m / 100).toFixed(2)}`;
    await waitFor(() => screen().startsWith(b.name.slice(0, 8)) && screen().includes(`TOTAL`) && screen().includes(money(sale.total.amount)), 10_000, `the second line and the total (shows ${screen()})`);
    const tendered = Math.ceil((sale.total.amount + 1) / 1000) * 1000; // the next $10 note above the total
    await page.getByTestId('pay').click();
    await page.getByTestId('tender-input').fill(String(tendered));
    await page.getByTestId('tender-cash').click();
    await page.getByTestId('sale-done').waitFor();
    await waitFor(() => screen().includes('Paid') && screen().includes(money(tendered)) && screen().includes('Change') && screen().includes(money(tendered - sale.total.amount)), 10_000, `paid and change (shows ${screen()})`);
    const [line1, line2] = v.display.lines();
    expect(line1).toMatch(new RegExp(`^Paid\\s+\\${money(tendered)}$`));
    expect(line2).toMatch(new RegExp(`^Change\\s+\\${money(tendered - sale.total.amount)}$`));
  });

  it('closes the shift blind with a Z report showing variance and unsynced count', async () => {
    onFail('z');
    const { page, register } = s;
    await page.getByTestId('new-sale').click();
    await page.getByTestId('nav-shift').click();
    await page.getByTestId('x-report').click();
    await page.getByTestId('report-X').waitFor();
    await shot(page, '09-x-report');
    await page.getByTestId('report-done').click();
    await page.getByTestId('close-shift').click();
    const x = await register.service.handle('report.x', {}) as { expected_cash: { amount: number } };
    // Counted $1.00 short.
    await page.getByTestId('shift-amount-input').fill(String(x.expected_cash.amount - 100));
    await page.getByTestId('shift-submit').click();
    await approve(page, MANAGER.pin);
    await page.getByTestId('report-Z').waitFor();
    await shot(page, '10-z-report');
    expect(await page.getByTestId('variance').textContent()).toContain('-$1.00');
    expect(await page.getByTestId('report-unsynced').textContent()).toContain('0');
    const ev = register.journal.eventAt(register.journal.head().seq)!;
    expect(ev.type).toBe('shift.closed');
    expect((ev.payload as { variance: number }).variance).toBe(-100);
    await waitFor(() => hubHas(ev.seq, 'shift.closed'), 20_000, 'the Z close at the hub');
  });

  it('tells the cashier when the printer runs out of paper, and clears it after a new roll', async () => {
    onFail('paper');
    const { page, virtual } = s;
    virtual!.printer.runOutOfPaper();
    await page.getByTestId('statusbar').filter({ hasText: 'out of paper' }).waitFor({ timeout: 20_000 });
    await shot(page, '13-paper-out');
    virtual!.printer.refill();
    await page.getByTestId('statusbar').filter({ hasNotText: 'out of paper' }).waitFor({ timeout: 20_000 });
  });

  it('tells the cashier when the drawer is left open too long, with what to do, and clears it when closed; HQ gets an alert', async () => {
    onFail('drawer');
    const { page, virtual } = s;
    // The drawer a cash sale kicked open may still be open (nobody here closes it; on a loaded
    // machine it is then reported left open too). Closed first, and for longer than a brief
    // closed read that still counts as the same opening (docs/devices.md), so what follows is
    // one new opening, which must add exactly one event.
    virtual!.printer.setDrawer(false);
    await page.getByTestId('status-drawer-too-long').waitFor({ state: 'detached', timeout: 20_000 });
    await new Promise((r) => setTimeout(r, CLOSED_FOR_A_NEW_OPENING_MS + 500));
    const leftOpen = () => s.register.journal.eventsAfter(0, 10_000).filter((e) => e.type === 'drawer.left_open');
    const before = leftOpen().length;
    virtual!.printer.setDrawer(true); // someone pulls the drawer open and walks away
    await page.getByTestId('status-drawer-too-long').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('status-drawer-too-long').textContent()).toContain('close it');
    for (const [w, h] of [[1024, 768], [1366, 768]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await shot(page, `14-drawer-open-too-long-${w}`);
    }
    virtual!.printer.setDrawer(false);
    await page.getByTestId('status-drawer-too-long').waitFor({ state: 'detached', timeout: 20_000 });
    // Journalled once for this opening, and through the hub an alert for HQ.
    const left = leftOpen();
    expect(left).toHaveLength(before + 1);
    expect(left[left.length - 1]!.payload.open_for_ms as number).toBeGreaterThan(0);
    await waitFor(() => s.register.service.syncStatus().unsynced === 0, 30_000, 'the drawer event at the hub');
    const alerts = (await s.hq('GET', '/api/alerts?limit=100')).body.alerts as Array<{ kind: string; terminal_id?: string }>;
    expect(alerts.filter((a) => a.kind === 'drawer_left_open' && a.terminal_id === 'T01')).toHaveLength(1);
  });
});
