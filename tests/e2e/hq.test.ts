import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEnrollmentCode, createUser, migrate, openDb, startHub, type Db, type HubHandle } from '../../src/hub';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { hashPin, parseRegisterConfig, startRegister, type RunningRegister } from '../../src/main/register';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { HAS_HLEDGER } from '../../src/hub/books/testing/tools';
import { CASHIER, CHROMIUM_ARGS, MANAGER, SCREENSHOTS, waitFor } from './harness';

// The HQ console end to end: a real hub (PGlite, or Postgres with DATABASE_URL) with two
// stores and three registers (T01, T02 in store-001; T03 in store-002), each a real register
// process core with its SQLite journal syncing over socket.io, and Chromium at 1366×768
// driving the console served by the hub. Screenshots of every page go to tests/e2e/screenshots.

const USD = (amount: number) => ({ amount, currency: 'USD' });
// The console signs in with a user name and password (the API calls below use a token).
const HQ_USER = 'hanna';
const HQ_PASSWORD = 'head office passphrase';

describe('HQ console', { timeout: 120_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let adminToken: string;
  let browser: Browser;
  let page: Page;
  const registers = new Map<string, RunningRegister>();
  const schema = `e2e_hq_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;

  const hq = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${hub.url}${p}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  const startTerminal = async (store: string, terminal: string, token: string) => {
    const config = parseRegisterConfig({
      terminal_id: terminal,
      store_id: store,
      store_name: store,
      currency: 'USD',
      locale: 'en-US',
      language: 'en',
      journal_path: path.join(dir, terminal, 'journal.sqlite'),
      hub: { url: hub.url, token },
      cashiers: [
        { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
        { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
      ],
    });
    const r = await startRegister({ config, browser: false, syncMonitorMs: 200 });
    registers.set(terminal, r);
    await waitFor(() => r.service.syncStatus().change_cursor > 0, 30_000, `${terminal} to take the store snapshot`);
    await r.service.handle('session.signIn', { cashier_id: CASHIER.id, pin: CASHIER.pin });
    await r.service.handle('shift.open', { opening_float: USD(10_000) });
    return r;
  };
  const enroll = async (store: string, terminal: string) => {
    const { code } = await createEnrollmentCode(db, { store_id: store, terminal_id: terminal });
    const res = await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    return ((await res.json()) as { token: string }).token;
  };
  const sell = async (terminal: string, sku: string, units = 1) => {
    const svc = registers.get(terminal)!.service;
    await svc.handle('sale.addSku', { sku, quantity: { units, scale: 0 } });
    const total = ((await svc.handle('sale.get', {})) as { total: { amount: number } }).total.amount;
    const done = (await svc.handle('sale.tender', { kind: 'cash', amount: USD(total) })) as { receipt_no: string };
    const seq = registers.get(terminal)!.journal.head().seq;
    await svc.handle('sale.new', {});
    return { seq, total, receipt: done.receipt_no };
  };
  const priceAt = async (terminal: string, sku: string) => {
    const items = (await registers.get(terminal)!.service.handle('catalog.search', { query: sku, limit: 5 })) as Array<{ sku: string; price: { amount: number } }>;
    return items.find((i) => i.sku === sku)?.price.amount;
  };
  const priceAtRate = async (terminal: string) => {
    const { seq } = await sell(terminal, 'SKU-00004');
    const sale = registers.get(terminal)!.journal.eventAt(seq)!.payload as unknown as { lines: Array<{ taxes: Array<{ code: string; rate_ppm: number }> }> };
    return sale.lines[0]!.taxes.find((t) => t.code === 'US-NY-STATE')!.rate_ppm;
  };
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SCREENSHOTS, `hq-${name}-1366.png`), fullPage: false });
  };
  /** The same page at a tablet's size, then back to 1366×768. */
  const shotAt = async (name: string, width: number, height: number) => {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(SCREENSHOTS, `hq-${name}-${width}x${height}.png`), fullPage: false });
    await page.setViewportSize({ width: 1366, height: 768 });
  };
  const go = async (id: string) => {
    await page.getByTestId(`nav-${id}`).click();
    await page.locator('h1').first().waitFor();
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hq-'));
    adminToken = `admin-${randomBytes(12).toString('hex')}`;
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken, schedulerIntervalMs: 100 });
    await seedDemoStore(db, { stores: ['store-001', 'store-002'], products: 40, currency: 'USD' });
    await createUser(db, { user_id: HQ_USER, name: 'Hanna Head-Office', role: 'admin', password: HQ_PASSWORD, token: false });
    await startTerminal('store-001', 'T01', await enroll('store-001', 'T01'));
    await startTerminal('store-001', 'T02', await enroll('store-001', 'T02'));
    await startTerminal('store-002', 'T03', await enroll('store-002', 'T03'));
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    for (const r of registers.values()) await r.close().catch(() => {});
    await hub?.close().catch(() => {});
    if (url) await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs in, and a sale on a register appears on the dashboard within a second', async () => {
    // Some history for the day: two sales in each store.
    await sell('T01', 'SKU-00001', 2);
    await sell('T02', 'SKU-00002');
    await sell('T03', 'SKU-00003', 3);
    await waitFor(() => [...registers.values()].every((r) => r.service.syncStatus().unsynced === 0), 30_000, 'the first sales at the hub');

    await page.goto(`${hub.url}/hq/`);
    await page.getByTestId('signin-user').fill(HQ_USER);
    await page.getByTestId('signin-password').fill('not the password');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-error').filter({ hasText: 'SIGN_IN_FAILED' }).waitFor();
    await page.getByTestId('signin-password').fill(HQ_PASSWORD);
    await shot('01-signin');
    await page.keyboard.press('Enter');
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    // The session is an httpOnly cookie: the page's script cannot read it, and a reload keeps it.
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'tillstream_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    expect(await page.evaluate(() => document.cookie)).not.toContain('tillstream_session');
    await page.reload();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    await page.getByTestId('feed-row').first().waitFor();
    expect(await page.getByTestId('feed-row').count()).toBe(3);

    await page.getByTestId('net-store-001').filter({ hasNotText: '$0.00' }).waitFor();
    const before = await page.getByTestId('net-store-001').textContent();
    const t0 = performance.now();
    const { seq, total } = await sell('T01', 'SKU-00004', 2);
    const soldAt = performance.now();
    await page.locator(`[data-testid="feed-row"][data-event="T01/${seq}"]`).waitFor({ timeout: 10_000 });
    const shownAt = performance.now();
    await page.getByTestId('net-store-001').filter({ hasNotText: before! }).waitFor({ timeout: 10_000 });
    const figuresAt = performance.now();
    console.log(
      `sale on T01 → dashboard: row ${(shownAt - soldAt).toFixed(0)} ms, store figures ${(figuresAt - soldAt).toFixed(0)} ms after the sale was journalled (${(figuresAt - t0).toFixed(0)} ms from the first scan)`,
    );
    const cents = (t: string | null) => Number(t!.replace(/[^0-9-]/g, ''));
    expect(cents(await page.getByTestId('net-store-001').textContent()) - cents(before)).toBe(total);
    await page.waitForTimeout(300);
    await shot('02-dashboard');
  });

  it('opens a sale in the sales explorer down to its ledger entry; a post-void shows negative and links to its sale', async () => {
    // A sale on T02 voided after the fact under a manager's PIN.
    const voided = await sell('T02', 'SKU-00011');
    await registers.get('T02')!.service.handle('sale.postVoid', { receipt_no: voided.receipt, approval: { manager_pin: MANAGER.pin } });
    await waitFor(() => registers.get('T02')!.service.syncStatus().unsynced === 0, 20_000, 'the post-void at the hub');
    await go('sales');
    await page.getByTestId('sales-type').selectOption('sale.post_voided');
    const pv = page.getByTestId('sale-row').first();
    await pv.waitFor();
    expect(await pv.getByTestId('sale-amount').textContent()).toBe(`-$${(voided.total / 100).toFixed(2)}`);
    await pv.getByTestId('sale-open').click();
    await page.getByTestId('detail-original').waitFor();
    expect(await page.getByTestId('detail-total').textContent()).toMatch(/^-\$/);
    await shot('03b-sales-post-void');
    await page.getByTestId('detail-original').getByRole('link').click();
    await page.getByTestId('detail-reversals').waitFor();
    await page.getByTestId('sales-type').selectOption('');
    await page.getByTestId('sale-row').first().waitFor();
    await page.getByTestId('sales-store').selectOption('store-001');
    await page.getByTestId('sales-terminal').fill('T01');
    await page.getByTestId('sales-terminal').press('Enter');
    await waitFor(async () => {
      const events = await page.getByTestId('sale-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')));
      return events.length === 2 && events.every((e) => e!.startsWith('T01/'));
    }, 10_000, 'the explorer to show only T01 sales');
    const row = page.getByTestId('sale-row').first();
    await row.getByTestId('sale-open').click();
    await page.getByTestId('ledger-entry').first().waitFor();
    expect(await page.getByTestId('ledger-line').count()).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('detail-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);
    await shot('03-sales-explorer');
    // The receipt as T01 printed it (rebuilt by the hub with the register's receipt code).
    const receiptNo = (await row.getByTestId('sale-open').textContent())!.trim();
    const printed = page.getByTestId('printed-receipt');
    await printed.waitFor({ timeout: 30_000 });
    expect(await printed.textContent()).toMatch(new RegExp(`Receipt ${receiptNo} `));
    expect(await printed.textContent()).toContain('TOTAL');
    await printed.scrollIntoViewIfNeeded();
    await shot('03c-sales-printed-receipt');
  });

  it('sorts lists by a column header (mouse and keyboard), kept in the URL across a reload; paging starts again', async () => {
    const cents = (t: string | null) => Number(t!.replace(/[^0-9-]/g, ''));
    const amounts = async () => (await page.getByTestId('sale-amount').allTextContents()).map(cents);
    const sortOf = (name: string) => page.locator('th').filter({ has: page.getByTestId(`sort-${name}`) });
    await go('stock');
    await go('sales');
    await page.getByTestId('sale-row').first().waitFor();
    expect(await sortOf('time').getAttribute('aria-sort')).toBe('descending');
    expect(await sortOf('total').getAttribute('aria-sort')).toBe('none');
    await page.getByTestId('sort-total').click();
    await waitFor(async () => (await sortOf('total').getAttribute('aria-sort')) === 'descending', 10_000, 'the amount column sorted');
    await waitFor(async () => {
      const a = await amounts();
      return a.length > 3 && a.every((x, i) => i === 0 || a[i - 1]! >= x);
    }, 10_000, 'sales by amount, biggest first');
    expect(await sortOf('time').getAttribute('aria-sort')).toBe('none');
    expect(await page.evaluate(() => location.hash)).toBe('#/sales?sort=-total');
    // The keyboard: the header is a button (Tab reaches it), Enter turns the order round.
    await page.getByTestId('sort-total').focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await sortOf('total').getAttribute('aria-sort')) === 'ascending', 10_000, 'ascending by keyboard');
    await waitFor(async () => {
      const a = await amounts();
      return a.length > 3 && a[0]! < 0 && a.every((x, i) => i === 0 || a[i - 1]! <= x);
    }, 10_000, 'sales by amount, the post-void (negative) first');
    await page.reload();
    await page.getByTestId('sale-row').first().waitFor();
    expect(await sortOf('total').getAttribute('aria-sort')).toBe('ascending');
    const after = await amounts();
    expect(after).toEqual([...after].sort((x, y) => x - y));
    await page.waitForTimeout(200);
    await shot('03d-sales-sorted');
    // Opening a sale keeps the sort in the URL; a third click returns to the list's own order.
    await page.getByTestId('sale-open').first().click();
    await page.getByTestId('ledger-entry').first().waitFor();
    expect(await page.evaluate(() => location.hash)).toMatch(/^#\/sales\?sort=total&open=/);
    await page.getByTestId('sort-total').click();
    await waitFor(async () => (await sortOf('time').getAttribute('aria-sort')) === 'descending', 10_000, 'back to newest first');
    expect(await page.evaluate(() => location.hash)).not.toContain('sort=');

    // Stock by value, biggest first, and back by SKU.
    await go('stock');
    await page.getByTestId('stock-row').first().waitFor();
    await page.getByTestId('sort-value').click();
    await waitFor(async () => (await sortOf('value').getAttribute('aria-sort')) === 'descending', 10_000, 'stock by value');
    await waitFor(async () => {
      const v = (await page.getByTestId('stock-row').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('td')[4]!.textContent))).map(cents); // product, on hand, in transit, price, value
      return v.length > 3 && v.every((x, i) => i === 0 || v[i - 1]! >= x);
    }, 10_000, 'stock rows by value, biggest first');
    expect(await page.evaluate(() => location.hash)).toBe('#/stock?sort=-value');
    await shot('07b-stock-by-value');
  });

  it.skipIf(!HAS_HLEDGER)('shows a correction from the books on the sale: tender and store changed in hledger, the sale marked in the list and explained under its ledger entry', async () => {
    // A cash sale on T01 (store-001) that the finance team finds was paid by card in store-002.
    const sold = await sell('T01', 'SKU-00020');
    await waitFor(() => registers.get('T01')!.service.syncStatus().unsynced === 0, 20_000, 'the sale at the hub');
    const ev = await db.query<{ entry_id: string }>(
      `SELECT le.entry_id FROM journal_events e JOIN ledger_entries le ON le.event_id = e.event_id WHERE e.terminal_id = 'T01' AND e.seq = $1 AND e.type = 'sale.completed'`, [sold.seq]);
    const { entry_id } = ev.rows[0]!;
    const batch = await hq('POST', '/api/books/exports', { target: 'accountant', format: 'hledger', mode: 'per_transaction' });
    expect(batch.status).toBe(201);
    const file = await (await fetch(`${hub.url}/api/books/exports/${batch.body.batch_id}/file`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    const blocks = file.split('\n\n');
    const i = blocks.findIndex((b) => b.includes(`(${entry_id})`));
    const cardAccount = /^account (\S*Card\S*)/m.exec(file)![1]!;
    blocks[i] = blocks[i]!.replace(/^(\s+)(\S+)(\s+[\d.]+ USD\s+; store:store-001, tender:cash)/m, `$1${cardAccount}$3`).replaceAll('store:store-001', 'store:store-002');
    const imported = await hq('POST', '/api/books/corrections', { format: 'hledger', content: blocks.join('\n\n'), file_name: 'november-fixed.journal' });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.adjusted).toHaveLength(1);

    await go('sales');
    await page.getByTestId('sales-type').selectOption('');
    await page.getByTestId('sales-store').selectOption('');
    await page.getByTestId('sales-terminal').fill('');
    await page.getByTestId('sales-receipt').fill(sold.receipt);
    await page.getByTestId('sales-receipt').press('Enter');
    // The list finds it as sold (store-001) and marks it corrected.
    const row = page.locator('[data-testid="sale-row"]').filter({ has: page.getByTestId('sale-adjusted') });
    await row.waitFor();
    // The list before the filter also holds this sale: wait for the filtered answer.
    await expect.poll(() => page.getByTestId('sale-row').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('sales-as-sold').textContent()).toContain('as the register sold it');
    await row.getByTestId('sale-open').click();
    await page.getByTestId('detail-books').waitFor();
    expect(await page.getByTestId('detail-books').textContent()).toMatch(/ · card \$/);
    const adj = page.getByTestId('sale-adjustment');
    await adj.waitFor();
    const changes = await adj.getByTestId('adjustment-change').allTextContents();
    expect(changes).toContain(`Tender: cash → card · $${(sold.total / 100).toFixed(2)}`);
    expect(changes).toContainEqual(expect.stringMatching(new RegExp(`^Store: .+ → .+ · \\$${(sold.total / 100).toFixed(2)}$`)));
    expect(await adj.getByTestId('adjustment-source').textContent()).toMatch(/^Imported by admin on .* from november-fixed\.journal \(hledger, export batch \d+, import #\d+\)$/);
    await shot('03f-sales-corrected');
    await adj.scrollIntoViewIfNeeded();
    await shot('03g-sales-correction-detail');
  });

  it('imports a price book with two bad rows (shown and skipped) into one store, and both of its registers take the prices', async () => {
    await go('products');
    await page.getByTestId('product-row').first().waitFor();
    await shot('04-products');
    const csv = ['sku,price,name', 'SKU-00005,3.49,Five', 'SKU-00006,"1,25",Six', 'SKU-99999,2.00,Unknown', 'SKU-00007,abc,Bad price', 'SKU-00008,12.5,Eight'].join('\n');
    await page.getByTestId('import-file').setInputFiles({ name: 'spring-prices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByTestId('import-target-store-001').check();
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-preview').waitFor();
    expect(await page.getByTestId('import-good').textContent()).toBe('3 prices');
    expect(await page.getByTestId('bad-row').count()).toBe(2);
    await expect(page.getByTestId('import-bad').textContent()).resolves.toMatch(/unknown SKU SKU-99999[\s\S]*price "abc"/);
    await shot('05-price-import-preview');
    await page.getByTestId('import-apply').click();
    await page.getByTestId('import-result').waitFor();
    await page.getByTestId('prop-store-001').waitFor();
    // The propagation view shows both registers of store-001 applying it (as they report to the hub).
    for (const t of ['T01', 'T02']) await page.locator(`[data-testid="prop-register"][data-terminal="${t}"][data-applied="yes"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="prop-register"][data-terminal="T03"]').count()).toBe(0);
    expect(await priceAt('T01', 'SKU-00005')).toBe(349);
    expect(await priceAt('T02', 'SKU-00005')).toBe(349);
    expect(await priceAt('T01', 'SKU-00006')).toBe(125);
    expect(await priceAt('T02', 'SKU-00008')).toBe(1250);
    expect(await priceAt('T03', 'SKU-00005')).not.toBe(349); // the other store is untouched
    await shot('06-price-published');

    // One price, entered in dollars, scheduled for later.
    await page.getByTestId('products-search').fill('SKU-00009');
    await page.locator('[data-testid="product-row"][data-sku="SKU-00009"]').getByTestId('edit-price').click();
    await page.getByTestId('price-input').fill('4.99');
    await page.getByTestId('price-when').fill('2030-01-01T09:00');
    await page.getByTestId('price-save').click();
    await page.getByTestId('scheduled-info').waitFor();
    const row = page.getByTestId('scheduled-row').first();
    await row.waitFor();
    const changeId = Number(await row.getAttribute('data-change'));
    await shot('06b-price-scheduled');
    await row.getByTestId('scheduled-cancel').click();
    await page.getByTestId('scheduled-msg').filter({ hasText: 'cancelled' }).waitFor();
    await page.getByTestId('scheduled-row').waitFor({ state: 'detached' });
    const { body } = await hq('GET', '/api/scheduled-changes?state=all');
    expect((body.scheduled as Array<{ change_id: number; state: string }>).find((c) => c.change_id === changeId)!.state).toBe('canceled');
  });

  it('shows stock with names, books a delivery, and an oversell alert is acknowledged', async () => {
    await go('stock');
    await page.getByTestId('stock-store').selectOption('store-002');
    await page.getByTestId('stock-search').fill('SKU-00010');
    await page.getByTestId('stock-row').first().waitFor();
    // Take the store's stock of SKU-00010 to zero, then sell one on T03: an oversell.
    await page.getByTestId('adjust-sku').fill('SKU-00010');
    await page.getByTestId('adjust-qty').fill('-40');
    await page.getByTestId('adjust-reason').selectOption('count');
    await page.getByTestId('adjust-save').click();
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00010"] [data-testid="stock-qty"]').filter({ hasText: /^0/ }).waitFor();
    await sell('T03', 'SKU-00010');
    await page.getByTestId('open-alerts').waitFor({ timeout: 20_000 });
    await page.getByTestId('stock-search').fill('');
    await page.getByTestId('stock-oversold').check();
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00010"] [data-testid="stock-qty"]').filter({ hasText: '-1' }).waitFor();
    await page.getByTestId('stock-oversold').uncheck();
    await page.getByTestId('stock-search').fill('SKU-0001');
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00010"] [data-testid="stock-qty"]').filter({ hasText: '-1' }).waitFor();

    // Ship 5 of SKU-00012 from store-002 to store-001: out of store-002 now, in transit.
    await page.getByTestId('transfer-to').selectOption('store-001');
    await page.getByTestId('transfer-sku').fill('SKU-00012');
    await page.getByTestId('transfer-qty').fill('5');
    await page.getByTestId('transfer-note').fill('Tuesday van');
    await page.getByTestId('transfer-save').click();
    await page.getByTestId('transfer-msg').filter({ hasText: 'in transit' }).waitFor();
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00012"] [data-testid="stock-qty"]').filter({ hasText: /^35$/ }).waitFor();
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00012"] [data-testid="stock-transit"]').filter({ hasText: '−5' }).waitFor();
    await page.locator('[data-testid="in-transit-row"][data-sku="SKU-00012"] [data-testid="in-transit-out"]').filter({ hasText: '−5' }).waitFor();
    const level = async (store: string) => ((await hq('GET', `/api/stock?store_id=${store}&q=SKU-00012`)).body.stock as Array<{ sku: string; on_hand_decimal: string }>).find((x) => x.sku === 'SKU-00012')!.on_hand_decimal;
    expect([await level('store-002'), await level('store-001')]).toEqual(['35', '40']);
    // An oversized transfer is refused and changes nothing.
    await page.getByTestId('transfer-sku').fill('SKU-00012');
    await page.getByTestId('transfer-qty').fill('1000');
    await page.getByTestId('transfer-save').click();
    await page.getByTestId('transfer-msg').filter({ hasText: 'CONFLICT' }).waitFor();
    expect(await level('store-002')).toBe('35');
    await page.getByTestId('transfer-qty').fill('');
    await shot('07-stock');
    // At the destination it shows as on the way there.
    await page.getByTestId('stock-store').selectOption('store-001');
    await page.locator('[data-testid="stock-row"][data-sku="SKU-00012"] [data-testid="stock-transit"]').filter({ hasText: '+5' }).waitFor();
    await page.locator('[data-testid="in-transit-row"][data-sku="SKU-00012"] [data-testid="in-transit-in"]').filter({ hasText: '+5' }).waitFor();
    await shot('07b-stock-in-transit');
    await shotAt('07b-stock-in-transit', 1024, 768);

    // Received at store-001 with one missing: 4 arrive, 1 is written off, HQ is alerted.
    await page.getByTestId('transfers-link').click();
    await page.getByTestId('stock-tab-transfers').and(page.locator('[aria-current="page"]')).waitFor();
    const row = page.locator('[data-testid="transfer-row"][data-state="in_transit"]').first();
    await row.waitFor();
    const transferId = Number(await row.getAttribute('data-transfer'));
    await shotAt('07c-transfers', 768, 1024);
    await row.getByTestId('transfer-receive').click();
    await page.getByTestId('receive-qty').fill('4');
    await page.getByTestId('receive-note').fill('1 crushed');
    await page.getByTestId('receive-save').filter({ hasText: 'shortfall' }).waitFor();
    await shot('07c-transfer-receive');
    await shotAt('07c-transfer-receive', 1024, 768);
    await page.getByTestId('receive-save').click();
    await page.locator(`[data-testid="transfer-row"][data-transfer="${transferId}"][data-state="received_short"]`).waitFor();
    await page.getByTestId('transfers-msg').filter({ hasText: 'shortfall' }).waitFor();
    expect([await level('store-002'), await level('store-001')]).toEqual(['35', '44']);
    const moves = (await hq('GET', '/api/stock/movements?store_id=store-001&sku=SKU-00012')).body.movements as Array<{ reason: string; quantity_decimal: string; transfer_id: number }>;
    expect(moves.filter((m) => m.transfer_id === transferId).map((m) => `${m.reason} ${m.quantity_decimal}`).sort()).toEqual(['transfer_in 5', 'transfer_loss -1']);
    // A second transfer, cancelled while on the road: the goods go back.
    const second = await hq('POST', '/api/stock/transfers', { from_store: 'store-001', to_store: 'store-002', items: [{ sku: 'SKU-00012', quantity: { units: 2, scale: 0 } }], receive: false });
    expect(second.status).toBe(201);
    await page.getByTestId('transfers-state').selectOption('open');
    const open = page.locator(`[data-testid="transfer-row"][data-transfer="${second.body.transfer_id}"]`);
    await open.getByTestId('transfer-cancel').click();
    await open.getByTestId('transfer-cancel-confirm').click();
    await page.getByTestId('transfers-msg').filter({ hasText: 'cancelled' }).waitFor();
    await page.getByTestId('transfers-state').selectOption('');
    await page.locator(`[data-testid="transfer-row"][data-transfer="${second.body.transfer_id}"][data-state="cancelled"]`).waitFor();
    expect(await level('store-001')).toBe('44');
    await shot('07c-transfers');
    await shotAt('07c-transfers', 1024, 768);

    await go('alerts');
    const alert = page.locator('[data-testid="alert-row"][data-kind="oversell"]').first();
    await alert.waitFor();
    await shot('08-alerts');
    await alert.getByTestId('alert-ack').click();
    await page.locator('[data-testid="alert-row"][data-kind="oversell"]').first().waitFor({ state: 'detached' });
    const { body } = await hq('GET', '/api/alerts?store_id=store-002');
    const oversell = (body.alerts as Array<{ kind: string; acknowledged_at: string | null }>).find((a) => a.kind === 'oversell')!;
    expect(oversell.acknowledged_at).not.toBeNull();
  });

  it('creates an enrollment code that enrolls a register, and revoking it takes the register offline', async () => {
    await go('terminals');
    await page.locator('[data-testid="terminal-row"][data-terminal="T03"] [data-testid="terminal-status"]').filter({ hasText: 'Online' }).waitFor();
    await page.getByTestId('enroll-store').selectOption('store-002');
    await page.getByTestId('enroll-terminal').fill('T04');
    await page.getByTestId('enroll-create').click();
    const code = (await page.getByTestId('enroll-code').textContent())!.trim();
    await page.getByTestId('enroll-qr').waitFor();
    const res = await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect(res.status).toBe(201);
    const t04 = await startTerminal('store-002', 'T04', ((await res.json()) as { token: string }).token);
    expect(t04.service.syncStatus().online).toBe(true);
    await page.locator('[data-testid="terminal-row"][data-terminal="T04"] [data-testid="terminal-status"]').filter({ hasText: 'Online' }).waitFor({ timeout: 10_000 });
    // Every register, the new one included, has told the hub it holds the store's latest change.
    await waitFor(async () => ((await hq('GET', '/api/terminals')).body.terminals as Array<{ changes_behind: number }>).every((t) => t.changes_behind === 0), 10_000, 'every register to report the latest change');
    await page.locator('[data-testid="terminal-row"][data-terminal="T04"] [data-testid="terminal-changes"]').filter({ hasText: '✓' }).waitFor({ timeout: 10_000 });
    await shot('09-registers');

    const row = page.locator('[data-testid="terminal-row"][data-terminal="T04"]');
    await row.getByTestId('revoke').click();
    await row.getByTestId('revoke-confirm').click();
    await page.getByTestId('terminals-msg').filter({ hasText: 'revoked' }).waitFor();
    await row.getByTestId('terminal-status').filter({ hasText: 'Revoked' }).waitFor();
    await waitFor(() => !t04.service.syncStatus().online, 20_000, 'T04 to go offline after the revoke');
  });

  it("changes a store's tax rate, and its register charges it on the next sale; shows the books", async () => {
    await go('stores');
    await page.getByTestId('store-line').nth(1).waitFor();
    const form = page.getByTestId('tax-store-002');
    await form.getByTestId('tax-edit').click();
    await form.getByTestId('tax-rate-input').first().fill('5.5');
    await shot('10-stores');
    await form.getByTestId('tax-save').click();
    await form.getByTestId('tax-msg').filter({ hasText: 'Saved' }).waitFor();
    await form.getByTestId('tax-rate').first().filter({ hasText: '5.5 %' }).waitFor();
    const stateRate = async () => {
      const { seq } = await sell('T03', 'SKU-00004');
      const sale = registers.get('T03')!.journal.eventAt(seq)!.payload as unknown as { lines: Array<{ taxes: Array<{ code: string; rate_ppm: number }> }> };
      return sale.lines[0]!.taxes.find((t) => t.code === 'US-NY-STATE')!.rate_ppm;
    };
    await waitFor(async () => (await stateRate()) === 55_000, 20_000, 'T03 to charge the new state rate');
    expect(await priceAtRate('T01')).toBe(40_000); // the other store keeps its rate

    await go('books');
    await page.getByTestId('books-tab-trial').click();
    await page.getByTestId('trial-balance').waitFor();
    expect(await page.getByTestId('tb-balanced').textContent()).toBe('Balanced');
    await shot('11-books');

    // Keyboard: Alt+<n> (and Alt+U, Alt+G: Customers and Gift cards, shown in the navigation)
    // reaches every page, and on each every form control has an accessible name.
    expect(await page.getByTestId('nav-customers').textContent()).toContain('Alt U');
    expect(await page.getByTestId('nav-cards').getAttribute('aria-keyshortcuts')).toBe('Alt+G');
    for (const [key, id] of [['1', 'Today'], ['2', 'Sales'], ['3', 'Products & prices'], ['4', 'Stock'], ['5', 'Stores'], ['6', 'Registers'], ['7', 'Alerts'], ['8', 'Books'], ['9', 'Sales channels'], ['0', 'Users'], ['u', 'Customers'], ['g', 'Gift cards']] as const) {
      await page.keyboard.press(`Alt+${key}`);
      await page.locator('h1').filter({ hasText: id }).waitFor();
      await page.waitForTimeout(200);
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, button, textarea')]
          .filter((el) => {
            const e = el as HTMLInputElement;
            const name = (e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent!.trim());
            return !name;
          })
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      expect(unnamed, `unlabelled controls on ${id}`).toEqual([]);
    }
  });

  it('switches to German: texts, dates and money in de-DE; the choice outlives a reload', async () => {
    await go('dashboard');
    await page.getByTestId('net-store-001').filter({ hasNotText: '$0.00' }).waitFor();
    await page.getByTestId('language').selectOption('de');
    await page.locator('h1').filter({ hasText: 'Heute' }).waitFor();
    expect(await page.getByTestId('nav-dashboard').textContent()).toContain('Übersicht');
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    // de-DE money: decimal comma, the symbol after the amount ("1.234,56 $").
    await waitFor(async () => /^-?[\d.]+,\d{2}\s\$$/.test(((await page.getByTestId('net-store-001').textContent()) ?? '').trim()), 10_000, 'de-DE money on the dashboard');
    await page.waitForTimeout(300);
    await shot('13-dashboard-de');
    await page.reload();
    await page.locator('h1').filter({ hasText: 'Heute' }).waitFor();
  });

  it('creates a store manager in the console, who signs in with their password and sees only their store; signs out', async () => {
    await go('users');
    await page.locator('h1').filter({ hasText: 'Benutzer' }).waitFor();
    await page.getByTestId('new-user-id').fill('sofia');
    await page.getByTestId('new-user-name').fill('Sofia Store-Manager');
    await page.getByTestId('new-user-role').selectOption('store_manager');
    await page.getByTestId('new-user-stores-store-002').check();
    await page.getByTestId('new-user-password').fill('store two passphrase');
    await shot('12-users-new');
    await page.getByTestId('new-user-save').click();
    await page.getByTestId('users-msg').filter({ hasText: 'Benutzer sofia angelegt' }).waitFor();
    await page.locator('[data-testid="user-row"][data-user="sofia"]').waitFor();
    await shot('12-users');
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-user').waitFor();
    // The ended session's cookie is refused by the hub.
    await page.getByTestId('signin-user').fill('sofia');
    await page.getByTestId('signin-password').fill('store two passphrase');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('live-state').or(page.getByTestId('signin-error')).first().waitFor({ timeout: 20_000 });
    if (await page.getByTestId('signin-error').count()) {
      await shot('14-signin-error');
      throw new Error(`sign-in refused: ${await page.getByTestId('signin-error').textContent()}`);
    }
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    await go('stores');
    await page.getByTestId('store-line').first().waitFor();
    expect(await page.getByTestId('store-line').count()).toBe(1);
    const refused = await page.evaluate(async () => (await fetch('/api/stock?store_id=store-001')).status);
    expect(refused).toBe(403);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-user').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Bei der Zentrale anmelden');
    await shot('14-signin-de');
  });
});
