import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { SCREENSHOTS, signInAndOpenShift, startStore, waitFor, wedgeScan, type Store } from './harness';

// The same register in German with a de-DE store locale: texts from the de resources,
// money and dates through Intl for the store's locale; the store IT screen with devices.
// Browser tests drive Chromium, a hub and virtual devices on 2 shared cores: each step gets time.
describe('register UI in German', { timeout: 90_000 }, () => {
  let s: Store;
  beforeAll(async () => {
    s = await startStore({ virtual: true, language: 'de', locale: 'de-DE' });
    s.page.setDefaultTimeout(60_000);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  it('shows German texts and de-DE money, and the store IT screen lists the devices', async () => {
    const { page, register } = s;
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    await signInAndOpenShift(page);
    const item = register.service.feed.catalog.book.products.get('SKU-00001')!;
    await page.locator('body').click();
    await wedgeScan(page, item.gtins[0]!);
    await page.getByTestId('sale-line').first().waitFor();
    const total = await page.getByTestId('sale-total').textContent();
    const euros = `${Math.floor(item.price / 100)},${String(item.price % 100).padStart(2, '0')}`;
    expect(total).toContain(euros); // decimal comma: de-DE formatting of a USD amount
    expect(await page.getByTestId('pay').textContent()).toContain('Bezahlen');
    await page.screenshot({ path: path.join(SCREENSHOTS, '11-sale-de.png') });
    await page.getByTestId('nav-it').click();
    await page.getByTestId('it-screen').waitFor();
    await waitFor(async () => (await page.getByTestId('test-printer').count()) > 0, 10_000, 'devices on the IT screen');
    await page.getByTestId('test-drawer').click();
    await page.getByTestId('notice').filter({ hasText: 'kick pulse sent' }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, '12-store-it-de.png') });
  });
});
