import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { verifyJournalFile } from '../../src/sync';
import { handheldBundle } from '../../src/hub/http/handheld-page';
import { SCREENSHOTS, startStore, waitFor, type Store } from './harness';

// Issue 17: the handheld register (src/handheld) in Chromium's phone emulation (390 × 844,
// touch), served by the hub at /handheld/. Enrolled from a one-time code, it sells three items
// by typed codes online, five more with the browser context offline, still shows the five
// queued after a reload (offline: the service worker opens the app, the journal is in OPFS),
// and delivers them once back online: the hub holds each sale exactly once with no rejection
// (it checks every hash on ingest), and the journal exported from the phone verifies with
// `tillstream journal verify`. The countertop register of the same store sees the handheld's
// sales move its stock.

const CASHIER = { id: '2001', name: 'Sam Floor', pin: '2468' };

describe('handheld register (PWA) on a phone', { timeout: 300_000 }, () => {
  let s: Store;
  let ctx: BrowserContext;
  let page: Page;
  let dir: string;
  beforeAll(async () => {
    s = await startStore();
    // The hub bundles the app on its first request (esbuild, ~20 s on a busy CI machine): do it
    // here, under the hook's timeout, not inside the page's first navigation.
    await handheldBundle();
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-handheld-'));
  }, 240_000);
  afterAll(async () => {
    await ctx?.close().catch(() => {});
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `handheld-${name}.png`) });
  const hubSales = async () =>
    (await s.db.query<{ seq: string; event_id: string; type: string }>(`SELECT seq::text, event_id::text, type FROM journal_events WHERE terminal_id = 'H01' ORDER BY seq`)).rows;
  const queue = async () => Number(await page.getByTestId('queue').getAttribute('data-unsynced'));
  const barcodeOf = (sku: string): string => {
    const item = s.register.journal.catalogEntry(sku)!.item as { gtins?: string[] };
    return item.gtins![0]!;
  };
  /** Rings up `code` (typed, or a still photo of it fed to the camera's decoder), pays cash; returns when "done" showed. */
  const sellOne = async (code: string, how: 'typed' | 'photo' = 'typed', onDone?: () => Promise<void>) => {
    if (how === 'typed') {
      // On a loaded machine the phone can refuse the very first code ("no item with code …")
      // while the catalog it just received is still being indexed: a refusal is final for that
      // try, so typing it again is safe. Bounded.
      const scan = page.getByLabel('Scan or type a code');
      const line = page.getByTestId('lines').locator('li .amt').first();
      for (let attempt = 1; ; attempt++) {
        await scan.fill(code);
        await scan.press('Enter');
        const seen = await Promise.race([
          line.waitFor().then(() => 'line', () => 'timeout'),
          page.getByRole('alert').filter({ hasText: /no item with code/ }).waitFor().then(() => 'refused', () => 'timeout'),
        ]);
        if (seen !== 'refused') break;
        await page.waitForTimeout(2_000);
        if ((await line.count()) > 0 || attempt >= 20) break;
      }
    } else {
      await page.getByRole('button', { name: 'Scan with the camera' }).tap();
      const png = await QRCode.toBuffer(code, { margin: 4, width: 360 });
      await page.getByLabel('Scan from photo').setInputFiles({ name: 'code.png', mimeType: 'image/png', buffer: png });
    }
    await page.getByTestId('lines').locator('li .amt').first().waitFor();
    await page.getByRole('button', { name: /^Cash / }).tap();
    await page.getByTestId('done').waitFor();
    const doneAt = Date.now();
    await onDone?.();
    const receipt = await page.getByTestId('receipt-no').textContent();
    await page.getByRole('button', { name: 'Next sale' }).tap();
    await page.getByText('Scan the first item.').waitFor();
    return { receipt: receipt!, doneAt };
  };

  it('enrolls from a code, sells online and offline, keeps the queue across a reload, and delivers each sale once', async () => {
    const codeRes = await s.hq('POST', '/api/enrollment-codes', { store_id: 'store-001', terminal_id: 'H01' });
    expect(codeRes.status).toBe(201);
    ctx = await s.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    page = await ctx.newPage();
    page.setDefaultTimeout(60_000); // a busy CI machine: the first sale once took over 20 s to show its line
    await page.goto(`${s.hub.url}/handheld/?monitor_ms=500`);

    // Enroll: the one-time code read from the HQ console's QR (Registers page: JSON {hub, code, pin}),
    // here as a still photo; the person enrolling sets their cashier number and PIN.
    await page.getByRole('button', { name: 'Scan QR code' }).tap();
    const hqQr = await QRCode.toBuffer(JSON.stringify({ hub: s.hub.url, code: codeRes.body.code }), { margin: 4, width: 400 });
    await page.getByLabel('Scan from photo').setInputFiles({ name: 'enroll.png', mimeType: 'image/png', buffer: hqQr });
    await waitFor(async () => (await page.getByLabel('Enrollment code').inputValue()) === codeRes.body.code, 10_000, 'the code read from the QR photo');
    await page.getByLabel('Cashier number').fill(CASHIER.id);
    await page.getByLabel('Name').fill(CASHIER.name);
    await page.getByLabel('PIN (4–8 digits)').fill(CASHIER.pin);
    await shot('1-enroll');
    await page.getByRole('button', { name: 'Enroll' }).tap();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Cashier number').fill(CASHIER.id);
    await page.getByLabel('PIN').fill(CASHIER.pin);
    await page.getByRole('button', { name: 'Sign in' }).tap();
    await page.getByRole('button', { name: 'Open shift' }).tap();
    await page.getByTestId('link-state').filter({ hasText: 'Online' }).waitFor({ timeout: 30_000 });
    // The store's catalog arrives by the downlink after the hello (snapshot, then the change log).
    await waitFor(async () => Number(await page.getByTestId('queue').getAttribute('data-change-cursor')) > 0, 30_000, 'the catalog on the phone');

    // Three sales online, codes typed. The countertop register's stock for the first item drops too.
    const skus = ['SKU-00001', 'SKU-00002', 'SKU-00003', 'SKU-00004', 'SKU-00005', 'SKU-00006', 'SKU-00007', 'SKU-00008'];
    const counterBefore = s.register.journal.getStockLevel(skus[0]!)!.units;
    let stockMs = -1;
    await sellOne(barcodeOf(skus[0]!), 'typed', async () => {
      const t0 = Date.now();
      await waitFor(() => s.register.journal.getStockLevel(skus[0]!)!.units === counterBefore - 1, 5_000, 'the countertop register sees the handheld sale move stock');
      stockMs = Date.now() - t0;
    });
    console.log(`handheld sale → countertop stock: ${stockMs} ms`);
    expect(stockMs).toBeLessThan(5_000); // generous bound on a shared CI machine: the design target is < 1 s (printed; handheld-kill holds the median to it)
    // The camera path: a still image of the code fed to the decoder (ZXing in WebAssembly here: headless Chromium has no BarcodeDetector).
    await sellOne(barcodeOf(skus[1]!), 'photo');
    await page.getByLabel('Scan or type a code').fill(barcodeOf(skus[2]!));
    await page.getByLabel('Scan or type a code').press('Enter');
    await page.getByTestId('lines').locator('li .amt').first().waitFor();
    await shot('2-sale');
    await page.getByRole('button', { name: /^Cash / }).tap();
    await page.getByTestId('done').waitFor();
    await shot('3-done');
    await page.getByRole('button', { name: 'Next sale' }).tap();
    await waitFor(async () => (await queue()) === 0 && (await hubSales()).filter((e) => e.type === 'sale.completed').length === 3, 20_000, 'three sales at the hub');

    // Offline: five more sales stay on the phone, queued.
    await ctx.setOffline(true);
    await page.getByTestId('link-state').filter({ hasText: 'Offline' }).waitFor({ timeout: 20_000 });
    for (const sku of skus.slice(3)) await sellOne(barcodeOf(sku));
    await waitFor(async () => (await queue()) === 5, 5_000, 'five sales queued');
    await shot('4-offline-queue');
    expect((await hubSales()).filter((e) => e.type === 'sale.completed')).toHaveLength(3);

    // A reload while offline: the service worker opens the app, the journal still holds the five.
    await page.reload();
    await waitFor(async () => (await page.getByTestId('queue').count()) === 1 && (await queue()) === 5, 20_000, 'five still queued after the reload');
    await shot('5-reloaded-offline');
    expect((await hubSales()).filter((e) => e.type === 'sale.completed')).toHaveLength(3);

    // Back online: delivered, each exactly once, no rejection.
    await ctx.setOffline(false);
    await waitFor(async () => (await queue()) === 0, 30_000, 'the queue drained');
    await shot('6-synced');
    const events = await hubSales();
    const sales = events.filter((e) => e.type === 'sale.completed');
    expect(sales).toHaveLength(8);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
    expect(events.map((e) => Number(e.seq))).toEqual(events.map((_, i) => i + 1));
    const rejected = await s.db.query(`SELECT 1 FROM event_rejections WHERE terminal_id = 'H01'`);
    expect(rejected.rows).toHaveLength(0);

    // The phone's journal, exported, verifies with the CLI: the same chain the hub holds.
    const file = path.join(dir, 'handheld-journal.sqlite');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export journal (store IT)' }).tap()]);
    await download.saveAs(file);
    const v = verifyJournalFile(file);
    expect(v.ok).toBe(true);
    expect(v.terminalId).toBe('H01');
    const cli = execFileSync(process.execPath, ['bin/tillstream.mjs', 'journal', 'verify', file], { encoding: 'utf8' });
    expect(cli).toMatch(/^OK \d+ events, terminal H01/);
    console.log(`handheld: countertop stock moved ${stockMs} ms after the handheld showed the sale done; ${events.length} events at the hub; CLI: ${cli.trim().split('\n')[0]}`);
  });
});
