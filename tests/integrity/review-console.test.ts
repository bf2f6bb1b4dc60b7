import { randomUUID } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { createUser } from '../../src/hub/auth';
import type { HubHandle } from '../../src/hub/server';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { trialBalance } from '../../src/hub/ledger-queries';
import { chromiumPath, findChromium } from '../../tools/prerequisites.mjs';
import { saleCompletedPayload } from '../sync/fixtures/sale-payload';
import { waitFor } from '../sync/helpers';

// The review queue in the HQ console (issue 15), in a real Chromium at 1366x768 against a real
// hub fed by a register over socket.io: a duplicate-looking sale and a voided card sale are
// listed with their counts, with a no-sale above the store's limit (nothing held); an HQ user clears one with a reason; the row shows who and why.
// Screenshots: tests/e2e/screenshots/hq-review-*.png.

const SCREENSHOTS = path.resolve(__dirname, '../e2e/screenshots');
const STORE = 'RVC';
const T = 'RVC-1';

describe.skipIf(!findChromium().path)('review queue in the HQ console', () => {
  let t: TestDb;
  let hub: HubHandle;
  let browser: Browser;
  let journal: Journal;
  let client: SyncClient;
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-review-console-'));
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, STORE, { A: 100, B: 100 });
    hub = await startTestHub(t.db);
    await createUser(t.db, { user_id: 'hq-anna', name: 'Anna (HQ)', role: 'hq', password: 'anna hq passphrase', token: false });
    expect((await api(hub, 'PUT', `/api/stores/${STORE}/integrity`, { review_rules: { duplicate_sale: {}, card_post_voided: {}, no_sales_per_shift: { max: 0 } } })).status).toBe(200);
    const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: T });
    const enrolled = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    journal = openJournal(path.join(dir, 'reg.db'), { terminalId: T, storeId: STORE });
    client = new SyncClient({ journal, url: hub.url, token: enrolled.body.token, appVersion: 'review-console', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
    client.start();
    const now = Date.now();
    const at = (s: number) => new Date(now + s * 1000).toISOString();
    const basket = [{ sku: 'A', qty: 2, price: 450 }];
    journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: basket }, STORE, T, at(0)));
    journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: basket }, STORE, T, at(6)));
    const card = saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'B', qty: 1, price: 2499 }] }, STORE, T, at(30));
    card.tenders = [{ tender_id: 'T1', kind: 'card', amount: 2499, processor: 'sim', auth_code: 'OK42' }];
    journal.append('sale.completed', card);
    journal.append('sale.post_voided', { post_void_id: randomUUID(), sale_id: card.sale_id, store_id: STORE, terminal_id: T, shift_id: card.shift_id, cashier_id: 'emp-1', approved_by: 'mgr-1', reason: 'wrong item', original: card, voided_at: at(50) });
    // A no-sale above the store's limit of none: flagged, posts no revenue, nothing held.
    journal.append('drawer.no_sale', { no_sale_id: randomUUID(), shift_id: card.shift_id, store_id: STORE, terminal_id: T, cashier_id: 'emp-1', opened_at: at(55) });
    await waitFor('synced', () => client.status.unsyncedCount === 0 && client.status.connected, 60_000);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
  }, 180_000);
  afterAll(async () => {
    client?.stop();
    journal?.close();
    await browser?.close();
    await hub?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the flagged sales with counts and clears one with a reason', { timeout: 180_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/hq/`, { timeout: 60_000 });
    await page.getByLabel('User name').fill('hq-anna');
    await page.getByLabel('Password').fill('anna hq passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('nav-review').click({ timeout: 60_000 });
    await page.locator('[data-testid="review-row"]').nth(2).waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="review-row"]').count()).toBe(3);
    expect(await page.getByTestId('review-counts').textContent()).toContain('3 open (possible duplicate: 1, card sale voided: 1, many no-sales in a shift: 1)');
    const noSaleRow = page.locator('[data-testid="review-row"][data-rule="no_sales_per_shift"]');
    expect(await noSaleRow.textContent()).toMatch(/Many no-sales in a shift.*not held \(posts no revenue\)/);
    const dupRow = page.locator('[data-testid="review-row"][data-rule="duplicate_sale"]');
    expect(await dupRow.textContent()).toContain('$9.00');
    expect(await page.locator('[data-testid="review-row"][data-rule="card_post_voided"]').textContent()).toContain('$24.99');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hq-review-open-1366.png') });

    await dupRow.getByTestId('review-clear').click();
    await page.getByTestId('review-reason').fill('Two customers bought the same item; checked the camera');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hq-review-clearing-1366.png') });
    await page.getByTestId('review-confirm').click();
    await page.getByTestId('review-note').filter({ hasText: 'moved from suspense to revenue' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('review-status').selectOption('all');
    await page.locator('[data-testid="review-row"][data-status="cleared"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="review-row"][data-status="cleared"]').textContent()).toMatch(/released: hq-anna, .*checked the camera/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hq-review-cleared-1366.png') });
    // German keeps a rule's nouns capitalised inside the counts sentence.
    await page.getByTestId('language').selectOption('de');
    await expect.poll(() => page.getByTestId('review-counts').textContent(), { timeout: 30_000 }).toContain('2 offen (Kartenverkauf storniert: 1, Viele Schubladenöffnungen in einer Schicht: 1) · 1 freigegeben');
    await page.close();

    const items = await api(hub, 'GET', `/api/review?store_id=${STORE}&status=all`);
    expect(items.body.counts).toEqual({ open: 2, cleared: 1, open_by_rule: { card_post_voided: 1, no_sales_per_shift: 1 } });
    expect((await trialBalance(t.db)).balanced).toBe(true);
  });
});
