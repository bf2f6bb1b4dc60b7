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
import { deviceReports } from '../../src/main/register/device-report';
import { CASHIER, CHROMIUM_ARGS, MANAGER, SCREENSHOTS, waitFor } from './harness';

// The console's Stores page end to end (issue 12, "Stores and tax"): a real hub (PGlite, or
// Postgres with DATABASE_URL), a real register in store-002 syncing over socket.io, Chromium at
// 1366×768. An admin edits the store (name, receipt lines, time zone): the register shows the
// name and prints the lines on its next receipt. The tax table gets a second jurisdiction and
// a new rate, effective now: the register charges both on its next sale. A change scheduled
// for later is listed, not charged, and cancelled. Bad input is shown with the field marked.

const HQ_USER = 'sven';
const HQ_PASSWORD = 'stores and tax passphrase';

describe('HQ console: stores and tax', { timeout: 120_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let browser: Browser;
  let page: Page;
  let reg: RunningRegister;
  const schema = `e2e_hqst_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SCREENSHOTS, `hq-stores-${name}-1366.png`), fullPage: false });
  };
  /** Rings SKU-00004 and tenders it: the sale's taxes as journalled, and the receipt text. */
  const sell = async () => {
    const svc = reg.service;
    await svc.handle('sale.addSku', { sku: 'SKU-00004', quantity: { units: 1, scale: 0 } });
    const total = ((await svc.handle('sale.get', {})) as { total: { amount: number } }).total.amount;
    await svc.handle('sale.tender', { kind: 'cash', amount: { amount: total, currency: 'USD' } });
    const seq = reg.journal.head().seq;
    const receipt = ((await svc.handle('receipt.last', {})) as { text: string }).text;
    await svc.handle('sale.new', {});
    const sale = reg.journal.eventAt(seq)!.payload as unknown as { lines: Array<{ taxes: Array<{ code: string; rate_ppm: number }> }> };
    return { taxes: sale.lines[0]!.taxes.map((t) => `${t.code}@${t.rate_ppm}`).sort(), receipt };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hq-stores-'));
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: `admin-${randomBytes(12).toString('hex')}`, schedulerIntervalMs: 100 });
    await seedDemoStore(db, { stores: ['store-001', 'store-002'], products: 20, currency: 'USD' });
    await createUser(db, { user_id: HQ_USER, name: 'Sven Stores', role: 'hq', password: HQ_PASSWORD, token: false });
    const { code } = await createEnrollmentCode(db, { store_id: 'store-002', terminal_id: 'S2-T1' });
    const res = await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const { token } = (await res.json()) as { token: string };
    const config = parseRegisterConfig({
      terminal_id: 'S2-T1', store_id: 'store-002', store_name: 'store-002', store_lines: ['configured locally'], currency: 'USD', locale: 'en-US', language: 'en',
      journal_path: path.join(dir, 'S2-T1', 'journal.sqlite'), hub: { url: hub.url, token },
      cashiers: [
        { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
        { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
      ],
    });
    reg = await startRegister({ config, browser: false, syncMonitorMs: 200 });
    await waitFor(() => reg.service.syncStatus().change_cursor > 0, 30_000, 'S2-T1 to take the store snapshot');
    await reg.service.handle('session.signIn', { cashier_id: CASHIER.id, pin: CASHIER.pin });
    await reg.service.handle('shift.open', { opening_float: { amount: 0, currency: 'USD' } });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/hq/#/stores`);
    await page.getByTestId('signin-user').fill(HQ_USER);
    await page.getByTestId('signin-password').fill(HQ_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 });
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await reg?.close().catch(() => {});
    await hub?.close().catch(() => {});
    if (url) await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("edits a store: bad input is marked, the name and receipt lines reach its register's next receipt", async () => {
    await page.getByTestId('nav-stores').click();
    const row = page.locator('[data-testid="store-line"][data-store="store-002"]');
    await row.getByTestId('store-edit').click({ timeout: 60_000 });
    const form = page.getByTestId('store-form');
    await form.getByTestId('store-zone').fill('Europe/Atlantis');
    await form.getByTestId('store-save').click();
    await form.getByTestId('store-msg').filter({ hasText: 'BAD_REQUEST' }).waitFor({ timeout: 30_000 });
    expect(await form.getByTestId('store-zone').getAttribute('aria-invalid')).toBe('true');
    await shot('01-edit-refused');

    await form.getByTestId('store-name').fill('Tillstream Harbour');
    await form.getByTestId('store-lines').fill('12 Quay Road\nPortland, ME 04101\nTax ID 01-2345678');
    await form.getByTestId('store-zone').fill('America/New_York');
    await form.getByTestId('store-save').click();
    await form.getByTestId('store-msg').filter({ hasText: 'saved and sent' }).waitFor({ timeout: 30_000 });
    await row.filter({ hasText: 'Tillstream Harbour' }).filter({ hasText: '12 Quay Road' }).waitFor({ timeout: 30_000 });
    await shot('02-edited');
    await waitFor(async () => ((await reg.service.handle('store.info', {})) as { store_name: string }).store_name === 'Tillstream Harbour', 30_000, 'the register to show the new name');
    const { receipt } = await sell();
    expect(receipt).toContain('Tillstream Harbour');
    expect(receipt).toContain('Portland, ME 04101');
    expect(receipt).not.toContain('configured locally');
  });

  it('adds a jurisdiction and changes a rate effective now: the next sale is charged both; a later change waits and is cancelled', async () => {
    const before = (await sell()).taxes;
    expect(before).toContain('US-NY-STATE@40000');
    const form = page.getByTestId('tax-store-002');
    await form.getByTestId('tax-edit').click();
    await form.getByTestId('tax-rate-input').first().fill('4.5');
    await form.getByTestId('tax-add').click();
    const added = form.getByTestId('tax-draft-row').last();
    await added.getByTestId('tax-label-input').fill('Harbour district');
    await added.getByTestId('tax-code-input').fill('US-ME-HARBOUR');
    await added.getByTestId('tax-jurisdiction-input').fill('US-ME-PORT');
    await added.getByTestId('tax-rate-input').fill('1,25');
    await added.getByTestId('tax-categories-input').fill('general');
    await form.getByTestId('tax-save').scrollIntoViewIfNeeded();
    await shot('03-tax-edit');
    const versions = async () => Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM store_tax_versions WHERE store_id = 'store-002'`)).rows[0]!.n);
    const versionsBefore = await versions();
    // A double click publishes one version: the button is disabled ("Saving…") while the first is on its way.
    await form.getByTestId('tax-save').dblclick();
    await form.getByTestId('tax-msg').waitFor({ timeout: 30_000 });
    expect(await versions()).toBe(versionsBefore + 1);
    expect(await form.getByTestId('tax-msg').textContent()).toContain('Saved');
    await form.getByTestId('tax-rate').filter({ hasText: '1.25 %' }).waitFor({ timeout: 30_000 });
    await waitFor(async () => (await sell()).taxes.includes('US-ME-HARBOUR@12500'), 30_000, 'the register to charge the new jurisdiction');
    const now = (await sell()).taxes;
    expect(now).toContain('US-NY-STATE@45000');
    expect(now).toContain('US-ME-HARBOUR@12500');

    // A change a day ahead: listed as scheduled, not charged, cancelled.
    await form.getByTestId('tax-edit').click();
    await form.getByTestId('tax-rate-input').first().fill('9');
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await form.getByTestId('tax-when').fill(local);
    await form.getByTestId('tax-save').click();
    await form.getByTestId('tax-msg').filter({ hasText: 'Scheduled' }).waitFor({ timeout: 30_000 });
    await form.getByTestId('tax-scheduled').waitFor({ timeout: 30_000 });
    await form.getByTestId('tax-scheduled').scrollIntoViewIfNeeded();
    await shot('04-tax-scheduled');
    expect((await sell()).taxes).toContain('US-NY-STATE@45000');
    await form.getByTestId('tax-scheduled-cancel').click();
    await form.getByTestId('tax-msg').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await form.getByTestId('tax-scheduled').waitFor({ state: 'detached', timeout: 30_000 }); // the list is read again after the cancel
    const pending = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_changes WHERE kind = 'tax' AND published_at IS NULL AND canceled_at IS NULL`);
    expect(Number(pending.rows[0]!.n)).toBe(0);

    // The page in German.
    await page.getByTestId('language').selectOption('de');
    await page.locator('h1').filter({ hasText: 'Filialen' }).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="store-line"][data-store="store-002"]').getByTestId('store-edit').click();
    await page.getByTestId('store-form').filter({ hasText: 'Bonzeilen' }).waitFor({ timeout: 30_000 });
    // Rates with the German decimal mark.
    await page.getByTestId('tax-store-002').getByTestId('tax-rate').filter({ hasText: '1,25 %' }).waitFor({ timeout: 30_000 });
    await shot('05-german');
    await page.getByTestId('language').selectOption('en');
  });

  it("edits a product: a bad barcode is caught, the price goes to a store group, the group's register sells it under the new name", async () => {
    const item = async () =>
      ((await reg.service.handle('catalog.search', { query: 'SKU-00005', limit: 5 })) as Array<{ sku: string; name: string; price: { amount: number } }>).find((i) => i.sku === 'SKU-00005');
    const before = await item();
    await page.getByTestId('nav-products').click();
    await page.getByTestId('products-store').selectOption('store-002');
    await page.getByTestId('products-search').fill('SKU-00005');
    const row = page.locator('[data-testid="product-row"][data-sku="SKU-00005"]');
    await row.getByTestId('edit-product').click({ timeout: 60_000 });
    const form = page.getByTestId('product-editor');
    await form.getByTestId('product-name').fill('Harbour roast coffee 250 g');
    await form.getByTestId('product-category').fill('coffee');
    await form.getByTestId('product-gtins').fill('4006381333932'); // check digit should be 1
    await form.getByTestId('product-gtins-check').filter({ hasText: 'not a GTIN' }).waitFor({ timeout: 30_000 });
    await form.getByTestId('product-save').click();
    await form.getByTestId('product-msg').filter({ hasText: 'not a GTIN' }).waitFor({ timeout: 30_000 });
    await form.getByTestId('product-gtins').fill('4006381333931');
    await form.getByTestId('product-gtins-check').filter({ hasText: 'check digits valid' }).waitFor({ timeout: 30_000 });
    await form.getByTestId('product-price-input').fill('7.25');
    await form.getByTestId('product-target-mode-groups').check();
    await form.getByTestId('product-target-group-south').check();
    await shot('06-product-edit');
    await form.getByTestId('product-save').click();
    await page.getByTestId('propagation').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="prop-register"][data-terminal="S2-T1"][data-applied="yes"]').first().waitFor({ timeout: 30_000 });
    await row.filter({ hasText: 'Harbour roast coffee 250 g' }).waitFor({ timeout: 30_000 });
    await shot('07-product-saved');
    await waitFor(async () => (await item())?.name === 'Harbour roast coffee 250 g' && (await item())?.price.amount === 725, 30_000, 'the register to sell the product under its new name and price');
    expect(before?.name).not.toBe('Harbour roast coffee 250 g');
    // store-001 is not in the group: its price did not change; the catalog entry has a new version.
    const p1 = await db.query<{ amount: string }>(`SELECT amount::text AS amount FROM prices WHERE store_id = 'store-001' AND sku = 'SKU-00005'`);
    expect(p1.rows[0]?.amount).not.toBe('725');
    const v = await db.query<{ v: number }>(`SELECT max(version) AS v FROM product_versions WHERE sku = 'SKU-00005'`);
    expect(Number(v.rows[0]!.v)).toBeGreaterThanOrEqual(1);
  });

  it('shows what the register reports about itself on the Registers page: events at the hub, open shift, devices', async () => {
    // The register's printer reports paper low (as its driver's paper sensor would); the
    // register sends that, its open shift and its journal state in its next status report.
    reg.sync!.reportDevices(() =>
      deviceReports([
        { kind: 'printer', name: 'Receipt printer', state: 'idle', flags: ['paper_near_end'], advice: 'paper low' },
        { kind: 'drawer', name: 'Cash drawer', state: 'closed', flags: [] },
      ]),
    );
    await page.getByTestId('nav-terminals').click();
    const row = page.locator('[data-testid="terminal-row"][data-terminal="S2-T1"]');
    await row.getByTestId('reported-shift').filter({ hasText: 'shift open since' }).waitFor({ timeout: 60_000 });
    await row.locator('[data-testid="reported-device"][data-state="warning"]').filter({ hasText: 'paper low' }).waitFor({ timeout: 60_000 });
    expect(await row.getByTestId('reported-unsynced').textContent()).toBe('all events at the hub');
    await shot('08-registers');
  });
});
