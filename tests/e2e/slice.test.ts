import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAndOpenShift, startStore, waitFor, wedgeScan, type Store } from './harness';

// Browser tests drive Chromium, a hub and virtual devices on 2 shared cores: each step gets time.
describe('register vertical slice (browser host + journal + hub)', { timeout: 90_000 }, () => {
  let s: Store;
  beforeAll(async () => {
    s = await startStore();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('sells one scanned item for cash and the sale reaches the hub', async () => {
    const { page, register } = s;
    await signInAndOpenShift(page);
    const item = register.service.feed.catalog.book.products.get('SKU-00001')!;
    await page.locator('body').click();
    await wedgeScan(page, item.gtins[0]!);
    await page.getByTestId('sale-line').first().waitFor();
    expect(await page.getByTestId('sale-line').count()).toBe(1);
    await page.getByTestId('pay').click();
    await page.getByTestId('cash-exact').click();
    await page.getByTestId('sale-done').waitFor();
    const head = register.journal.head().seq;
    const ev = register.journal.eventAt(head)!;
    expect(ev.type).toBe('sale.completed');
    await waitFor(() => register.service.syncStatus().unsynced === 0, 15_000, 'the sale to sync');
    const sales = await s.hq('GET', '/api/events?store_id=store-001');
    expect(sales.body.events.some((e: { seq: number; type: string }) => e.seq === head && e.type === 'sale.completed')).toBe(true);
  });
});
