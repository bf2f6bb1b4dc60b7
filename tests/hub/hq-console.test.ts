import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { MSG } from '../../src/core/protocol';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { Inbox } from '../../src/hub/testing/wait';
import { createUser } from '../../src/hub/auth';
import type { HubHandle } from '../../src/hub/server';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import { chromiumPath, findChromium } from '../../tools/prerequisites.mjs';

// The HQ console in a real Chromium against a real hub with a simulated register: live sales,
// the oversell alert count, stock with names, and a price change that reaches the register.
// (tests/e2e/hq.test.ts runs the whole flow with real registers and takes the screenshots.)

describe.skipIf(!findChromium().path)('HQ console in Chromium', () => {
  let t: TestDb;
  let hub: HubHandle;
  let browser: Browser;
  let reg: RegisterSim;
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S', { A: 1, B: 5 });
    hub = await startTestHub(t.db);
    await createUser(t.db, { user_id: 'hq-user', name: 'HQ user', role: 'hq', password: 'hq user passphrase', token: false });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
    reg = await enrollRegister(t.db, 'S', 'S-1');
  });
  afterAll(async () => {
    reg?.close();
    await browser?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('shows live sales, stock and an oversell alert, and publishes a price typed in dollars to the registers', { timeout: 120_000 }, async () => {
    const product = (sku: string, name: string) => ({ sku, gtins: [], name, category: 'grocery', tax_category: 'food', unit: 'each', price: 100, currency: 'USD', active: true });
    await api(hub, 'POST', '/api/catalog', { products: [product('A', 'Apple juice'), product('B', 'Bagel')] });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${hub.url}/hq/`);
    await page.getByLabel('User name').fill('hq-user');
    await page.getByLabel('Password').fill('hq user passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();

    const socket = await reg.connect(hub.url);
    const changes = new Inbox(socket, MSG.changes);
    await reg.push([reg.sell([{ sku: 'A', units: 2, unit_price: 350 }])]);
    await page.locator('[data-testid="feed-row"][data-event="S-1/1"]').waitFor();
    expect(await page.locator('[data-testid="feed-row"][data-event="S-1/1"]').textContent()).toContain('$7.00');
    await page.getByTestId('open-alerts').filter({ hasText: '1' }).waitFor();

    await page.getByTestId('nav-stock').click();
    await page.locator('[data-testid="stock-row"][data-sku="A"] [data-testid="stock-qty"]').filter({ hasText: '-1' }).waitFor();
    expect(await page.locator('[data-testid="stock-row"][data-sku="B"]').textContent()).toContain('Bagel');

    await page.getByTestId('nav-products').click();
    await page.locator('[data-testid="product-row"][data-sku="A"]').getByTestId('edit-price').click();
    await page.getByLabel('New price (USD)').fill('7.77');
    await page.getByTestId('price-save').click();
    await page.getByTestId('prop-S').waitFor();
    const m = await changes.waitFor((x) => x.changes.some((c: { kind: string }) => c.kind === 'price'));
    expect(m.changes.find((c: { kind: string }) => c.kind === 'price').payload.prices).toEqual([{ sku: 'A', amount: 777, currency: 'USD' }]);
    await page.locator('[data-testid="product-row"][data-sku="A"] [data-testid="product-price"]').filter({ hasText: '$7.77' }).waitFor();
    await page.close();
  });
});
