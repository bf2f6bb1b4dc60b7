import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { MSG } from '../../src/core/protocol';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { Inbox } from '../../src/hub/testing/wait';
import type { HubHandle } from '../../src/hub/server';
import type { RegisterSim } from '../../src/hub/testing/register-sim';
import { chromiumPath, findChromium } from '../../tools/prerequisites.mjs';

// The HQ console in a real Chromium against a real hub: live sales, oversell alert, stock,
// and a price change that reaches a register.

describe.skipIf(!findChromium().path)('HQ console in Chromium', () => {
  let t: TestDb;
  let hub: HubHandle;
  let browser: Browser;
  let reg: RegisterSim;
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S', { A: 1, B: 5 });
    hub = await startTestHub(t.db);
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
    reg = await enrollRegister(t.db, 'S', 'S-1');
  });
  afterAll(async () => {
    reg?.close();
    await browser?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('shows live sales, stock and an oversell alert, and publishes a price change to the registers', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${hub.url}/hq/`);
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#connect');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live');
    await page.waitForSelector('#stock tr');
    expect(await page.textContent('#stock')).toContain('B');

    const socket = await reg.connect(hub.url);
    const changes = new Inbox(socket, MSG.changes);
    await reg.push([reg.sell([{ sku: 'A', units: 2, unit_price: 350 }])]);
    await page.waitForFunction(() => document.getElementById('sales')?.textContent?.includes('S-1'));
    expect(await page.textContent('#sales')).toContain('7.00 USD');
    await page.waitForFunction(() => document.getElementById('alerts')?.textContent?.includes('oversell'));
    await page.waitForFunction(() => document.querySelector('#stock .neg')?.textContent === '-1');

    await page.fill('#prices', 'A 777\nB 125');
    await page.fill('#reason', 'from the console');
    await page.click('#priceForm button');
    await page.waitForFunction(() => document.getElementById('priceResult')?.textContent?.startsWith('published to 1'));
    const m = await changes.waitFor((x) => x.changes.some((c: { payload: { reason?: string } }) => c.payload.reason === 'from the console'));
    expect(m.changes.find((c: { kind: string }) => c.kind === 'price').payload.prices).toEqual([
      { sku: 'A', amount: 777, currency: 'USD' },
      { sku: 'B', amount: 125, currency: 'USD' },
    ]);
    await page.close();
  });
});
