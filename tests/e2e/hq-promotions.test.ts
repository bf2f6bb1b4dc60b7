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
import { CASHIER, CHROMIUM_ARGS, MANAGER, SCREENSHOTS, waitFor } from './harness';

// The console's Promotions page end to end (issue 12, "Promotions"): a real hub (PGlite, or
// Postgres with DATABASE_URL), a real register in store-002 syncing over socket.io, Chromium at
// 1366×768. A bad percentage is refused by the hub, naming the field; a 10 % off promotion on
// SKU-00004 created in the console is on the register's next sale of it; ended in the console,
// the next sale is at full price; one scheduled for tomorrow is listed and cancelled. The page
// is shot in English and in German.

const HQ_USER = 'petra';
const HQ_PASSWORD = 'promotions passphrase';
const SKU = 'SKU-00004';

describe('HQ console: promotions', { timeout: 180_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let browser: Browser;
  let page: Page;
  let reg: RunningRegister;
  const schema = `e2e_hqpr_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;

  const shot = async (name: string) => {
    await page.locator('h1').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SCREENSHOTS, `hq-promotions-${name}-1366.png`), fullPage: false });
  };
  /** Rings one SKU-00004 and tenders it: its line's promotion discounts as journalled. */
  const sell = async () => {
    const svc = reg.service;
    await svc.handle('sale.addSku', { sku: SKU, quantity: { units: 1, scale: 0 } });
    const total = ((await svc.handle('sale.get', {})) as { total: { amount: number } }).total.amount;
    await svc.handle('sale.tender', { kind: 'cash', amount: { amount: total, currency: 'USD' } });
    const seq = reg.journal.head().seq;
    await svc.handle('sale.new', {});
    const sale = reg.journal.eventAt(seq)!.payload as unknown as { lines: Array<{ discounts?: Array<{ kind: string; amount: { amount: number } | number; promotion_id?: string }> }> };
    return { total, promotions: (sale.lines[0]!.discounts ?? []).filter((d) => d.kind === 'promotion').map((d) => d.promotion_id) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hq-promotions-'));
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: `admin-${randomBytes(12).toString('hex')}`, schedulerIntervalMs: 100 });
    await seedDemoStore(db, { stores: ['store-001', 'store-002'], products: 20, currency: 'USD' });
    await createUser(db, { user_id: HQ_USER, name: 'Petra Promotions', role: 'hq', password: HQ_PASSWORD, token: false });
    const { code } = await createEnrollmentCode(db, { store_id: 'store-002', terminal_id: 'P2-T1' });
    const res = await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    const { token } = (await res.json()) as { token: string };
    const config = parseRegisterConfig({
      terminal_id: 'P2-T1', store_id: 'store-002', store_name: 'store-002', currency: 'USD', locale: 'en-US', language: 'en',
      journal_path: path.join(dir, 'P2-T1', 'journal.sqlite'), hub: { url: hub.url, token },
      cashiers: [
        { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
        { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
      ],
    });
    reg = await startRegister({ config, browser: false, syncMonitorMs: 200 });
    await waitFor(() => reg.service.syncStatus().change_cursor > 0, 30_000, 'P2-T1 to take the store snapshot');
    await reg.service.handle('session.signIn', { cashier_id: CASHIER.id, pin: CASHIER.pin });
    await reg.service.handle('shift.open', { opening_float: { amount: 0, currency: 'USD' } });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
    await page.goto(`${hub.url}/hq/#/promotions`);
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

  const form = () => page.getByTestId('promotion-form');
  const row = (id: string) => page.locator(`[data-testid="promotion-row"][data-promotion="${id}"]`);

  it('refuses a bad percentage naming the field; a 10 % off promotion created in the console is on the next sale, and ended it is not', async () => {
    await page.getByTestId('nav-promotions').click();
    await page.getByRole('heading', { name: 'Promotions', level: 1 }).waitFor({ timeout: 60_000 });
    const full = await sell();
    expect(full.promotions).toEqual([]);

    const f = form();
    await f.getByTestId('promo-kind').selectOption('percent_off');
    await f.getByTestId('promo-id').fill('TENOFF');
    await f.getByTestId('promo-name').fill('10% off widgets');
    await f.getByTestId('promo-skus').fill(SKU);
    await f.getByTestId('promo-percent').fill('150');
    await f.getByTestId('promo-target-store-001').uncheck();
    await f.getByTestId('promo-target-store-002').check();
    await f.getByTestId('promo-save').click();
    const err = f.getByTestId('promo-error');
    await err.filter({ hasText: 'BAD_REQUEST' }).waitFor({ timeout: 30_000 });
    expect(await err.textContent()).toContain('percent_bp');
    expect(await f.getByTestId('promo-percent').getAttribute('aria-invalid')).toBe('true');
    await shot('01-refused');

    await f.getByTestId('promo-percent').fill('10');
    await f.getByTestId('promo-save').click();
    await page.getByTestId('promotions-msg').filter({ hasText: 'sent to 1 store' }).waitFor({ timeout: 30_000 });
    await row('TENOFF').filter({ hasText: '10 % off each unit' }).waitFor({ timeout: 30_000 });
    expect(await row('TENOFF').locator('[data-testid="promotion-store"]').getAttribute('data-active')).toBe('yes');
    await shot('02-created');

    let discounted = full;
    await waitFor(async () => {
      discounted = await sell();
      return discounted.promotions.includes('TENOFF');
    }, 30_000, 'the register to apply the promotion');
    expect(discounted.total).toBeLessThan(full.total);

    await row('TENOFF').getByTestId('promotion-end').click();
    await page.getByTestId('promo-end-save').click();
    await page.getByTestId('promotions-msg').filter({ hasText: 'ended in 1 store' }).waitFor({ timeout: 30_000 });
    await row('TENOFF').and(page.locator('[data-active="no"]')).waitFor({ timeout: 30_000 });
    await shot('03-ended');
    await waitFor(async () => {
      const s = await sell();
      return s.promotions.length === 0 && s.total === full.total;
    }, 30_000, 'the register to sell at full price again');
  });

  it('schedules a buy 2 get 1 promotion for tomorrow, lists it, and cancels it; sends a mix and match to all stores', async () => {
    const f = form();
    await f.getByTestId('promo-kind').selectOption('buy_x_get_y');
    await f.getByTestId('promo-id').fill('B2G1');
    await f.getByTestId('promo-name').fill('Buy 2 get 1 free');
    await f.getByTestId('promo-skus').fill('SKU-00005, SKU-00006');
    await f.getByTestId('promo-buy').fill('2');
    await f.getByTestId('promo-get').fill('1');
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await f.getByTestId('promo-when').fill(local);
    await f.getByTestId('promo-save').click();
    await page.getByTestId('promotions-msg').filter({ hasText: 'is scheduled for' }).waitFor({ timeout: 30_000 });
    const sched = page.getByTestId('promo-scheduled-row').filter({ hasText: 'B2G1' });
    await sched.filter({ hasText: 'Buy X get Y' }).filter({ hasText: 'SKU-00005' }).waitFor({ timeout: 30_000 });
    expect(await row('B2G1').count()).toBe(0);
    await shot('04-scheduled');
    await sched.getByTestId('promo-scheduled-cancel').click();
    await page.getByTestId('promotions-msg').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await waitFor(async () => (await page.getByTestId('promo-scheduled-row').count()) === 0, 30_000, 'the cancelled change to leave the list');
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM scheduled_changes WHERE kind = 'promotion' AND canceled_at IS NOT NULL AND published_at IS NULL`);
    expect(rows[0]!.n).toBe(1);
    expect((await db.query(`SELECT 1 FROM promotions WHERE promotion_id = 'B2G1'`)).rows).toHaveLength(0);

    // Mix and match, to every store now: listed with its terms in the store's currency.
    await f.getByTestId('promo-kind').selectOption('mix_match');
    await f.getByTestId('promo-id').fill('MIX3');
    await f.getByTestId('promo-name').fill('Any 3 for 5');
    await f.getByTestId('promo-skus').fill('');
    await f.getByTestId('promo-categories').fill('general');
    await f.getByTestId('promo-qty').fill('3');
    await f.getByTestId('promo-price').fill('5.00');
    await f.getByTestId('promo-when').fill('');
    await f.getByTestId('promo-target-mode-all').check();
    await f.getByTestId('promo-save').click();
    await page.getByTestId('promotions-msg').filter({ hasText: 'sent to 2 stores' }).waitFor({ timeout: 30_000 });
    await row('MIX3').filter({ hasText: 'any 3 for $5.00' }).waitFor({ timeout: 30_000 });
    expect(await row('MIX3').locator('[data-testid="promotion-store"]').count()).toBe(2);

    // The page in German, for the eye (every text is also checked by hq-german.test.ts).
    await page.getByTestId('language').selectOption('de');
    await page.getByRole('heading', { name: 'Aktionen', level: 1 }).waitFor({ timeout: 60_000 });
    await row('TENOFF').waitFor({ timeout: 30_000 });
    await shot('05-german');
    await page.getByTestId('language').selectOption('en');
  });
});
