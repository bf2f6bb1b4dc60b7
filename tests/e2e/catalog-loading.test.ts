import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SyncClient, openJournal } from '../../src/sync';
import { hashPin } from '../../src/main/register';
import { loadCatalogView } from '../../src/main/register/catalog-view';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { CASHIER, CHROMIUM_ARGS, SCREENSHOTS, startStoreHub, waitFor, type StoreHub } from './harness';
import { startChildRegister, writeRegisterConfig, type ChildRegister } from './child-register';

// A new register whose store catalog is still arriving (docs/sync-protocol.md 4.5b), as the
// cashier sees it: the first pages of its snapshot were taken, then the hub went away. The
// register (its own process, German UI) shows in its status bar how much of the catalog it
// has; when the hub is back it takes the rest from where it stopped, the bar goes and a
// product of the last pages is found. Screenshots at the register's sizes, 1024x768 and 1366x768.

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

describe('the register while its catalog arrives in pages', { timeout: 300_000 }, () => {
  let store: StoreHub;
  let browser: Browser;
  let page: Page;
  let reg: ChildRegister | null = null;

  beforeAll(async () => {
    store = await startStoreHub();
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(30_000);
  }, 240_000);

  afterAll(async () => {
    await reg?.kill9().catch(() => {});
    await browser?.close().catch(() => {});
    await store?.close();
  });

  it('shows the catalog loading, resumes when the hub is back, and then holds every product once', async () => {
    const { token } = await store.enroll('T01');
    const dir = path.join(store.dir, 'register');
    mkdirSync(path.join(dir, 'data'), { recursive: true });
    const journalPath = path.join(dir, 'data', 'journal.sqlite');
    // The first pages, taken by the register's own sync client in small pages, then cut.
    const journal = openJournal(journalPath, { terminalId: 'T01', storeId: 'store-001' });
    const client = new SyncClient({ journal, url: store.hub.url, token, appVersion: 'e2e', monitorIntervalMs: 50, snapshotPageItems: 10 });
    client.on('status', (s) => {
      if (s.snapshot && s.snapshot.received >= 40) client.stop();
    });
    client.start();
    await waitFor(() => !client.status.connected && (journal.snapshotProgress()?.received ?? 0) >= 40, 60_000, 'the first snapshot pages');
    const cut = journal.snapshotProgress()!;
    journal.close();
    await store.stopHub();

    const configFile = writeRegisterConfig(dir, {
      terminal_id: 'T01', store_id: 'store-001', store_name: 'Demo store 1', store_lines: ['12 Market Street'],
      currency: 'USD', locale: 'de-DE', language: 'de', journal_path: journalPath,
      hub: { url: store.hub.url, token },
      cashiers: [{ cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) }],
    });
    reg = await startChildRegister(configFile);
    await page.goto(reg.url);
    const pill = page.getByTestId('status-catalog-loading');
    await pill.waitFor();
    const percent = Math.floor((cut.received / cut.total) * 100);
    expect(await pill.textContent()).toContain(`Artikelstamm ${percent} %`);
    expect(await pill.getAttribute('title')).toMatch(/^Artikelstamm wird von der Zentrale geladen: \d+ von [\d.]+ Zeilen$/);
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe(String(percent));
    // The status bar stays one line beside the offline notice (the sign-in keypad keeps its room).
    const bar = await page.getByTestId('statusbar').boundingBox();
    expect(bar!.height).toBeLessThan(50);
    await shot(page, '60-catalog-loading-de-1024');
    await page.setViewportSize({ width: 1366, height: 768 });
    await shot(page, '60-catalog-loading-de-1366');

    await store.restartHub();
    await pill.waitFor({ state: 'detached', timeout: 60_000 });
    const st = (await reg.call('sync.status')) as { change_cursor: number; catalog_loading?: unknown };
    expect(st.change_cursor).toBeGreaterThan(0);
    expect(st.catalog_loading ?? null).toBeNull();
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, '61-catalog-loaded-de-1024');

    // What the register's journal holds: every product of the chain once, the last one found.
    await reg.kill9();
    reg = null;
    const hubSkus = (await store.db.query<{ sku: string }>(`SELECT sku FROM products ORDER BY sku`)).rows.map((r) => r.sku);
    const j = openJournal(journalPath, { terminalId: 'T01', storeId: 'store-001' });
    try {
      expect(j.catalogSize()).toBe(hubSkus.length);
      expect(j.listCatalog(hubSkus.length + 1).map((p) => p.sku)).toEqual(hubSkus);
      const view = loadCatalogView(j, 'USD');
      const lastSku = hubSkus.at(-1)!;
      expect(view.lookup(lastSku)?.sku).toBe(lastSku);
      view.close();
    } finally {
      j.close();
    }
  });
});
