import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, signInAndOpenShift, startStore, type Store } from './harness';

// The cashier screen on the terminals stores buy (1024×768 and 1366×768): every action of the
// current step on screen without scrolling, touch targets of at least 44 px, quick keys and a
// name search adding lines, every tender visible on the payment step, and line amounts that
// are the ones the printed receipt shows.

const SIZES = [{ width: 1024, height: 768 }, { width: 1366, height: 768 }];

/** Every visible, enabled-or-not button: inside the viewport and at least 44 × 44 px. */
async function checkTargets(page: Page, scope: string): Promise<void> {
  const bad = await page.evaluate((sel) => {
    const out: string[] = [];
    const vw = window.innerWidth;
    const vh = window.innerHeight;
    for (const el of document.querySelectorAll<HTMLElement>(`${sel} button, ${sel} input:not(.sr-only)`)) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const name = (el.textContent || el.getAttribute('aria-label') || el.getAttribute('placeholder') || el.tagName).trim().slice(0, 30);
      if (r.height < 44 || r.width < 44) out.push(`${name}: ${Math.round(r.width)}×${Math.round(r.height)} px`);
      if (r.top < 0 || r.left < 0 || r.bottom > vh + 0.5 || r.right > vw + 0.5) out.push(`${name}: outside the ${vw}×${vh} screen (${Math.round(r.left)},${Math.round(r.top)} → ${Math.round(r.right)},${Math.round(r.bottom)})`);
    }
    const se = document.scrollingElement!;
    if (se.scrollHeight > vh + 1 || se.scrollWidth > vw + 1) out.push(`page scrolls: ${se.scrollWidth}×${se.scrollHeight}`);
    return out;
  }, scope);
  expect(bad).toEqual([]);
}

describe('cashier screen at terminal sizes', { timeout: 120_000 }, () => {
  let s: Store;
  beforeAll(async () => {
    s = await startStore({ virtual: true });
    s.page.setDefaultTimeout(60_000);
    await s.page.setViewportSize(SIZES[0]!);
    await s.page.getByTestId('signin-cashier').waitFor();
    await signInAndOpenShift(s.page, '15000');
  }, 180_000);
  afterAll(async () => {
    await s?.close();
  });

  for (const size of SIZES) {
    const tag = `${size.width}x${size.height}`;
    it(`${tag}: quick keys and a name search add lines; all actions fit; the payment step shows every tender`, async () => {
      const { page, virtual } = s;
      await page.setViewportSize(size);
      const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `screen-${tag}-${name}.png`) });
      const lines = page.getByTestId('sale-line');

      // Quick keys from the hub's catalog: bakery and coffee without barcodes, loose produce weighed.
      await page.getByTestId('quick-keys').waitFor();
      await page.getByRole('tab', { name: 'Bakery' }).click();
      await page.locator('[data-testid="quick-key"][data-sku="BAKERY-ROLL"]').click();
      await lines.nth(0).waitFor();
      await page.getByRole('tab', { name: 'Coffee' }).click();
      await page.locator('[data-testid="quick-key"][data-sku="COFFEE-LARGE"]').click();
      await lines.nth(1).waitFor();
      await page.getByRole('tab', { name: 'Produce' }).click();
      virtual!.place(850);
      await page.locator('[data-testid="quick-key"][data-sku="WEIGHED-002"]').click();
      await lines.nth(2).waitFor();
      expect(await lines.nth(2).textContent()).toContain('0.850 kg');
      await shot('1-quick-keys');

      // Name search by typing in the scan field: results as you type, picked with the keys…
      const input = page.getByTestId('code-input');
      await input.fill('med yog');
      await page.getByTestId('search-result').first().waitFor();
      const found = await page.getByTestId('search-result').allTextContents();
      expect(found.length).toBeGreaterThan(0);
      for (const f of found) expect(f.toLowerCase()).toMatch(/yogurt medium/);
      await shot('2-name-search');
      await input.press('ArrowDown');
      await input.press('Enter');
      await lines.nth(3).waitFor();
      expect((await lines.nth(3).textContent())!.toLowerCase()).toContain('yogurt medium');
      // …and by touch, by SKU.
      await input.fill('SKU-0000');
      await page.locator('[data-testid="search-result"][data-sku="SKU-00007"]').click();
      await lines.nth(4).waitFor();
      expect(await input.inputValue()).toBe('');
      await checkTargets(page, '.app');
      await shot('3-sale');

      // Line amounts are what the receipt prints: quantity × price, before discounts and tax.
      const view = await s.register.service.handle('sale.get', {}) as { lines: { extended: { amount: number } }[]; subtotal: { amount: number } };
      const shown = await page.getByTestId('line-amount').allTextContents();
      expect(shown).toEqual(view.lines.map((l) => `$${(l.extended.amount / 100).toFixed(2)}`));
      expect(view.lines.reduce((a, l) => a + l.extended.amount, 0)).toBe(view.subtotal.amount);

      // Payment: every tender and the keypad on screen, nothing below the fold.
      await page.getByTestId('pay').click();
      await page.getByTestId('tender-panel').waitFor();
      for (const id of ['tender-cash', 'tender-card', 'tender-gift', 'cash-exact']) await expect(page.getByTestId(id).isVisible()).resolves.toBe(true);
      await checkTargets(page, '.app');
      await shot('4-payment');

      const receipt = virtual!.nextReceipt();
      await page.getByTestId('cash-exact').click();
      await page.getByTestId('sale-done').waitFor();
      const text = await receipt;
      for (const amount of shown) expect(text).toContain(amount);
      await checkTargets(page, '.app');
      await shot('5-done');
      await page.getByTestId('new-sale').click();
      await page.getByTestId('sale-line').first().waitFor({ state: 'detached' });
    });
  }
});
