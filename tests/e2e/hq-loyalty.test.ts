import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createUser, migrate, openDb, startHub, type Db, type HubHandle } from '../../src/hub';
import { createStore } from '../../src/hub/stores';
import { enrollRegister } from '../../src/hub/testing/hub-fixture';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import { giftCardSale, goodsSale } from '../../src/hub/value/testing';
import { reconcileValue } from '../../src/hub/value/reconcile';
import { trialBalance } from '../../src/hub/ledger-queries';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { CHROMIUM_ARGS, SCREENSHOTS } from './harness';

// The HQ console's Customers and Gift cards pages end to end: a real hub (PGlite, or Postgres
// with DATABASE_URL) whose balances come from register batches over socket.io, Chromium at
// 1366×768 signed in with a password: search a customer by name and by loyalty card, open
// their points and movements, adjust points by hand with a reason (the second click of the
// same form is the same key: once), the same for a gift card and store credit; the ledger's
// liabilities still equal the balances and the trial balance is zero. Screenshots go to
// tests/e2e/screenshots (hq-customers-1366.png, hq-cards-1366.png).

const HQ_USER = 'hanna';
const HQ_PASSWORD = 'head office passphrase';

describe('HQ console: customers, points, gift cards', { timeout: 180_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let browser: Browser;
  let page: Page;
  let reg: RegisterSim;
  const schema = `e2e_hql_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  const ada = randomUUID();
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `hq-${name}-1366.png`), fullPage: false });
  const hq = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${hub.url}${p}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  let adminToken: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hql-'));
    adminToken = `admin-${randomBytes(12).toString('hex')}`;
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken, schedulerIntervalMs: 60_000 });
    await createStore(db, { store_id: 'store-001', name: 'Main Street', currency: 'USD', groups: [] });
    await createStore(db, { store_id: 'store-002', name: 'Harbour', currency: 'USD', groups: [] });
    await createUser(db, { user_id: HQ_USER, name: 'Hanna Head-Office', role: 'hq', password: HQ_PASSWORD, token: false });
    const people = [
      { customer_id: ada, name: 'Ada Lovelace', phone: '5550001234', loyalty_id: 'LOY-000777', email: 'ada@example.org', consent: { marketing: true } },
      { name: 'Alan Turing', loyalty_id: 'LOY-000778', consent: { marketing: false } },
      { name: 'Grace Hopper', phone: '5550009876', consent: { marketing: false } },
      { name: 'Katherine Johnson', loyalty_id: 'LOY-000779', consent: { marketing: true } },
    ];
    for (const p of people) expect((await hq('POST', '/api/customers', p)).status).toBe(201);
    reg = await enrollRegister(db, 'store-001', 'T01');
    await reg.connect(hub.url);
    const sale = (payload: object) => reg.append('sale.completed', payload as Record<string, unknown>);
    const ack = await reg.push([
      sale(goodsSale('store-001', 'T01', 4200, { loyalty: { customer_id: ada, points_earned: 42 } })),
      sale(goodsSale('store-001', 'T01', 1800, { loyalty: { customer_id: ada, points_earned: 18 } })),
      sale(goodsSale('store-001', 'T01', 1000, { points: { customer_id: ada, points: 25 } })),
      sale(giftCardSale('store-001', 'T01', 'GC-100001', 5000)),
      sale(giftCardSale('store-001', 'T01', 'GC-100002', 2500)),
      sale(goodsSale('store-001', 'T01', 3000, { gift: [{ id: 'GC-100001', amount: 1750 }] })),
    ]);
    expect(ack).toMatchObject({ ok: true, rejected: [] });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/hq/`, { timeout: 60_000 });
    await page.getByTestId('signin-user').fill(HQ_USER, { timeout: 60_000 });
    await page.getByTestId('signin-password').fill(HQ_PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('nav-customers').waitFor({ timeout: 60_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    reg?.close();
    await hub?.close().catch(() => {});
    if (url) await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds a customer, shows points and movements, adjusts points once with a reason', async () => {
    await page.getByTestId('nav-customers').click();
    await page.getByTestId('customer-row').nth(3).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('customer-row').count()).toBe(4);
    await page.getByTestId('customer-search').fill('LOY-000777');
    await page.locator('[data-testid="customer-row"]').filter({ hasText: 'Ada Lovelace' }).waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="customer-row"]').length === 1, undefined, { timeout: 60_000 });
    await page.getByTestId('customer-search').fill('ada');
    await page.getByTestId('customer-open').first().click();
    await page.getByTestId('customer-points').filter({ hasText: '35' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('movement-row').nth(2).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('movement-row').count()).toBe(3);

    // Nothing typed: refused in the form, nothing sent.
    await page.getByTestId('adjust-amount').fill('50');
    await page.getByTestId('adjust-submit').click();
    await page.getByText('Say why').waitFor();
    await page.getByTestId('adjust-reason').fill('goodwill: order arrived late');
    // Two clicks in a row: one key, one adjustment.
    await page.getByTestId('adjust-submit').dblclick();
    await page.getByTestId('adjust-msg').filter({ hasText: 'balance now 85' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('customer-points').filter({ hasText: '85' }).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="movement-row"][data-kind="adjust"]').filter({ hasText: 'hanna: goodwill: order arrived late' }).waitFor({ timeout: 60_000 });
    // Take away more than there is: the hub refuses with its code.
    await page.getByTestId('adjust-remove').click();
    await page.getByTestId('adjust-amount').fill('86');
    await page.getByTestId('adjust-reason').fill('too many');
    await page.getByTestId('adjust-submit').click();
    await page.getByTestId('adjust-msg').filter({ hasText: 'INSUFFICIENT_BALANCE' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('adjust-amount').fill('10');
    await page.getByTestId('adjust-reason').fill('earned on an order cancelled by phone');
    await page.getByTestId('adjust-submit').click();
    await page.getByTestId('customer-points').filter({ hasText: '75' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('adjust-msg').filter({ hasText: 'balance now 75' }).waitFor({ timeout: 60_000 });
    await shot('customers');

    const moves = await db.query<{ amount: string; created_by: string }>(`SELECT amount::text, created_by FROM value_movements WHERE account_id = $1 AND kind = 'adjust' ORDER BY movement_id`, [`points:${ada}`]);
    expect(moves.rows).toEqual([
      { amount: '50', created_by: HQ_USER },
      { amount: '-10', created_by: HQ_USER },
    ]);
  });

  it('lists gift cards with balances, adjusts one, issues nothing twice; the ledger agrees', async () => {
    // Store credit issued by HQ on a new card (API), so the list shows both kinds.
    expect((await hq('POST', '/api/gift-cards/SC-200001/adjustments', { key: `sc-${randomUUID()}`, amount: 1500, reason: 'store credit for a complaint', currency: 'USD' })).status).toBe(201);
    await page.getByTestId('nav-cards').click();
    await page.getByTestId('card-row').nth(2).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('card-row').count()).toBe(3);
    await page.locator('[data-testid="card-row"][data-card="SC-200001"]').filter({ hasText: 'Store credit' }).waitFor();
    await page.getByTestId('card-search').fill('GC-1000');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="card-row"]').length === 2, undefined, { timeout: 60_000 });
    await page.locator('[data-testid="card-row"][data-card="GC-100001"] [data-testid="card-open"]').click();
    await page.getByTestId('card-balance').filter({ hasText: '$32.50' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('movement-row').nth(1).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('movement-row').count()).toBe(2);
    await page.getByTestId('adjust-remove').click();
    await page.getByTestId('adjust-amount').fill('2.50');
    await page.getByTestId('adjust-reason').fill('partly spent before the system change');
    await page.getByTestId('adjust-submit').click();
    await page.getByTestId('card-balance').filter({ hasText: '$30.00' }).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="movement-row"][data-kind="adjust"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="card-row"][data-card="GC-100001"]').filter({ hasText: '$30.00' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('card-search').fill('');
    await page.getByTestId('card-row').nth(2).waitFor({ timeout: 60_000 });
    await shot('cards');

    const r = await reconcileValue(db, { gift_card: '2100', points: '2110' });
    expect(r.gift_cards).toEqual([{ currency: 'USD', balances: 3000 + 2500 + 1500, ledger: 7000, difference: 0 }]);
    expect(r.points).toMatchObject({ points: 75, difference: 0 });
    expect(r.drift).toEqual([]);
    expect((await trialBalance(db)).balanced).toBe(true);
  });
});
