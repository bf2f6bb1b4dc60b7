import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEnrollmentCode, createUser, migrate, openDb, startHub, type Db, type HubHandle } from '../../src/hub';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { receiveTransfer, shipTransfer } from '../../src/hub/transfers';
import { hashPin, parseRegisterConfig, startRegister, type RunningRegister } from '../../src/main/register';
import { en } from '../../src/hq/locales/en';
import { de } from '../../src/hq/locales/de';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { CASHIER, CHROMIUM_ARGS, MANAGER, SCREENSHOTS, waitFor } from './harness';

// The console in German, page by page: a real hub (PGlite, or Postgres with DATABASE_URL) with
// two stores and a register that has sold and refunded, Chromium at 1366×768 and on a tablet
// (1024×768 landscape, 768×1024 portrait). On every page and Books tab, no visible text and no
// placeholder or accessible name may still be English: neither a text of the English catalog
// (src/hq/locales/en.ts, where German differs) nor one of the common English UI words below in
// the page's own texts (headings, labels, buttons, table heads; not the data in the cells).
// On the tablet the navigation collapses, a wide table scrolls inside its card and no button
// is cut off. Screenshots go to tests/e2e/screenshots/hq-de-*.png.

const USD = (amount: number) => ({ amount, currency: 'USD' });
const USER = 'greta';
const PASSWORD = 'zentrale passphrase';

// Words a hard-coded English label would carry (whole words, case-sensitive). Words that are
// German as well (Status, Name, Import, Export, Online, Version, Journal, Hash, Position, Live)
// are not here.
const ENGLISH_WORDS = [
  'Loading', 'Search', 'Refresh', 'Save', 'Cancel', 'Close', 'Store', 'Stores', 'Register', 'Registers', 'Receipt', 'Amount', 'Total', 'Price', 'Prices',
  'Quantity', 'Reason', 'Sales', 'Sale', 'Refund', 'Refunds', 'Product', 'Products', 'Stock', 'Page', 'Newer', 'Older', 'Next', 'Previous', 'Create', 'Edit',
  'Delete', 'Account', 'Accounts', 'Debit', 'Credit', 'Date', 'Time', 'Type', 'Tax', 'Rate', 'Rates', 'Users', 'User', 'Password', 'Role', 'Books', 'Channels',
  'Channel', 'Enroll', 'Revoke', 'Transfer', 'Book', 'From', 'Show', 'Open', 'Apply', 'Preview', 'Upload', 'Choose', 'Schedule', 'Scheduled', 'Change',
  'Changes', 'Balance', 'Trial', 'Entries', 'Items', 'None', 'Nothing', 'Reconciliation', 'History', 'Corrections', 'Category', 'Groups', 'Group',
  'Actions', 'Add', 'Remove', 'Back', 'Done', 'Failed', 'Pending', 'Running', 'Paused', 'Resume', 'Pause', 'Value', 'Level', 'Levels', 'Movements',
  'the', 'and', 'of', 'with', 'for', 'from', 'to', 'is', 'are', 'no', 'yet', 'this', 'here', 'each', 'every', 'when', 'not',
];

/** Every English catalog text that German writes differently, as a whole-text matcher ({{x}} matches anything). */
function englishCatalog(): RegExp[] {
  const out: RegExp[] = [];
  const walk = (e: unknown, d: unknown) => {
    if (typeof e === 'string') {
      // Too generic to tell English by ("{{done}} of {{total}}" matches any data with " of "): fewer than 4 letters of its own.
      const own = e.replace(/\{\{\w+\}\}/g, '').replace(/[^\p{L}]/gu, '');
      if (e === d || own.length < (e.includes('{{') ? 4 : 2)) return;
      const parts = e.split(/\{\{\w+\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      out.push(new RegExp(`^${parts.join('.+?')}$`));
      return;
    }
    for (const [k, v] of Object.entries(e as Record<string, unknown>)) walk(v, (d as Record<string, unknown>)[k]);
  };
  walk(en, de);
  return out;
}

interface Found {
  text: string;
  chrome: boolean;
  /** Marked `data-data` by the page: words the hub or a person wrote, shown as they are. */
  marked: boolean;
  where: string;
}

/** Visible text nodes and the placeholders and accessible names of visible elements. */
async function visibleTexts(page: Page): Promise<Found[]> {
  return page.evaluate(() => {
    const out: Array<{ text: string; chrome: boolean; marked: boolean; where: string }> = [];
    const marked = (el: Element) => Boolean(el.closest('[data-data]'));
    const visible = (el: Element) => (el as HTMLElement).checkVisibility?.({ checkVisibilityCSS: true }) ?? true;
    // Data, not the console's words: table cells, definitions, codes, store and product names in options.
    const isData = (el: Element) => Boolean(el.closest('td, dd, code, pre, .mono, .mono-ish, textarea, [data-data], .brand, option, .acct, .code'));
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = (n.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (!el || !text || el.closest('script, style') || !visible(el)) continue;
      out.push({ text, chrome: !isData(el), marked: marked(el), where: el.tagName.toLowerCase() });
    }
    for (const el of Array.from(document.body.querySelectorAll('[placeholder], [aria-label], [alt]'))) {
      if (!visible(el) && !el.classList.contains('sr-only') && el.getAttribute('role') !== 'progressbar') continue;
      for (const a of ['placeholder', 'aria-label', 'alt']) {
        const v = el.getAttribute(a)?.trim();
        if (v) out.push({ text: v, chrome: !isData(el), marked: marked(el), where: `${el.tagName.toLowerCase()}[${a}]` });
      }
    }
    return out;
  });
}

function englishLeft(found: Found[], catalog: RegExp[]): string[] {
  const words = new RegExp(`(^|[^\\p{L}])(${ENGLISH_WORDS.join('|')})(?=$|[^\\p{L}])`, 'u');
  const bad = new Set<string>();
  for (const f of found) {
    // A placeholder may show the format it wants ("T01", "-12.50"): those hold no words.
    if (!f.marked && catalog.some((re) => re.test(f.text))) bad.add(`${f.where}: "${f.text}" (English catalog)`);
    else if (f.chrome && words.test(f.text)) bad.add(`${f.where}: "${f.text}" (English word "${words.exec(f.text)![2]}")`);
  }
  return [...bad];
}

describe('HQ console in German, on a desktop and on a tablet', { timeout: 180_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let browser: Browser;
  let page: Page;
  let register: RunningRegister;
  const schema = `e2e_hqde_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  const catalog = englishCatalog();

  const sell = async (sku: string, units = 1) => {
    const svc = register.service;
    await svc.handle('sale.addSku', { sku, quantity: { units, scale: 0 } });
    const total = ((await svc.handle('sale.get', {})) as { total: { amount: number } }).total.amount;
    const done = (await svc.handle('sale.tender', { kind: 'cash', amount: USD(total) })) as { receipt_no: string };
    await svc.handle('sale.new', {});
    return done.receipt_no;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hqde-'));
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: `admin-${randomBytes(12).toString('hex')}`, schedulerIntervalMs: 100 });
    await seedDemoStore(db, { stores: ['store-001', 'store-002'], products: 40, currency: 'USD' });
    await createUser(db, { user_id: USER, name: 'Greta Zentrale', role: 'admin', password: PASSWORD, token: false });
    const { code } = await createEnrollmentCode(db, { store_id: 'store-001', terminal_id: 'T01' });
    const enrolled = (await (await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) })).json()) as { token: string };
    const config = parseRegisterConfig({
      terminal_id: 'T01',
      store_id: 'store-001',
      store_name: 'store-001',
      currency: 'USD',
      locale: 'en-US',
      language: 'en',
      journal_path: path.join(dir, 'T01', 'journal.sqlite'),
      hub: { url: hub.url, token: enrolled.token },
      cashiers: [
        { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
        { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
      ],
    });
    register = await startRegister({ config, browser: false, syncMonitorMs: 200 });
    await waitFor(() => register.service.syncStatus().change_cursor > 0, 30_000, 'T01 to take the store snapshot');
    await register.service.handle('session.signIn', { cashier_id: CASHIER.id, pin: CASHIER.pin });
    await register.service.handle('shift.open', { opening_float: USD(10_000) });
    await sell('SKU-00001', 2);
    const voided = await sell('SKU-00002');
    await register.service.handle('sale.postVoid', { receipt_no: voided, approval: { manager_pin: MANAGER.pin } });
    await waitFor(() => register.service.syncStatus().unsynced === 0, 30_000, 'the sales at the hub');
    // Transfers: one on the road, one received short (the Transfers tab and the in-transit card).
    const who = { user_id: USER, may: () => true };
    const item = (sku: string, units: number) => ({ sku, quantity: { units, scale: 0 } });
    await db.transaction((tx) => shipTransfer(tx, { from_store: 'store-001', to_store: 'store-002', items: [item('SKU-00003', 4), item('SKU-00005', 2)], note: 'Lieferwagen Dienstag', receive: false }, who));
    const short = await db.transaction((tx) => shipTransfer(tx, { from_store: 'store-002', to_store: 'store-001', items: [item('SKU-00006', 10)], receive: false }, who));
    await db.transaction((tx) => receiveTransfer(tx, short.transfer.transfer_id, { items: [item('SKU-00006', 8)], note: '2 zerdrückt' }, who));
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  }, 240_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await register?.close().catch(() => {});
    await hub?.close().catch(() => {});
    if (url) await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Waits until the page has loaded what it shows (no list busy, no "Lädt…"). Right after the
   * hash changes the previous page is still up, so first the navigation must mark the target
   * page (and Books its tab) as current; only then does "nothing busy" speak for the new page.
   */
  const settled = async (hash?: string) => {
    if (hash) {
      const [id, query] = hash.replace(/^#\/?/, '').split('?');
      await page.locator(`[data-testid="nav-${id}"][aria-current="page"]`).waitFor({ state: 'attached', timeout: 60_000 });
      const tab = new URLSearchParams(query ?? '').get('tab');
      if (tab) await page.locator(`[data-testid="${id}-tab-${tab}"][aria-current="page"]`).waitFor({ timeout: 60_000 });
    }
    await page.locator('h1').first().waitFor({ timeout: 60_000 });
    await waitFor(
      async () => (await page.locator('[aria-busy="true"]').count()) === 0 && !(await page.locator('body').innerText()).includes('Lädt…'),
      60_000,
      'the page to finish loading',
    );
  };
  // Pages, and the Books tabs, each with what to open on it first.
  const PAGES: Array<{ name: string; hash: string; open?: (p: Page) => Promise<void> }> = [
    { name: 'dashboard', hash: '#/dashboard' },
    {
      name: 'sales',
      hash: '#/sales',
      open: async (p) => {
        await p.getByTestId('sale-row').first().waitFor({ timeout: 60_000 });
        await p.getByTestId('sale-open').first().click();
        await p.getByTestId('ledger-entry').first().waitFor({ timeout: 60_000 });
      },
    },
    { name: 'products', hash: '#/products', open: (p) => p.getByTestId('product-row').first().waitFor({ timeout: 60_000 }) },
    { name: 'promotions', hash: '#/promotions' },
    { name: 'stock', hash: '#/stock', open: (p) => p.getByTestId('stock-row').first().waitFor({ timeout: 60_000 }) },
    {
      name: 'stock-transfers',
      hash: '#/stock?tab=transfers',
      open: async (p) => {
        await p.locator('[data-testid="transfer-row"][data-state="in_transit"] [data-testid="transfer-receive"]').click({ timeout: 60_000 });
        await p.getByTestId('receive-qty').first().waitFor({ timeout: 60_000 });
      },
    },
    { name: 'stores', hash: '#/stores' },
    { name: 'terminals', hash: '#/terminals', open: (p) => p.getByTestId('terminal-row').first().waitFor({ timeout: 60_000 }) },
    { name: 'alerts', hash: '#/alerts' },
    { name: 'review', hash: '#/review' },
    { name: 'integrity', hash: '#/integrity' },
    { name: 'books-map', hash: '#/books?tab=map' },
    { name: 'books-journal', hash: '#/books?tab=journal', open: (p) => p.getByTestId('journal-row').first().waitFor({ timeout: 60_000 }) },
    { name: 'books-trial', hash: '#/books?tab=trial' },
    { name: 'books-exports', hash: '#/books?tab=exports' },
    { name: 'books-corrections', hash: '#/books?tab=corrections' },
    { name: 'books-reconciliation', hash: '#/books?tab=reconciliation' },
    { name: 'books-history', hash: '#/books?tab=history' },
    { name: 'channels', hash: '#/channels' },
    { name: 'customers', hash: '#/customers' },
    { name: 'cards', hash: '#/cards' },
    { name: 'users', hash: '#/users' },
  ];

  it('signs in, switches to German, and no page keeps an English text (1366×768)', async () => {
    await page.goto(`${hub.url}/hq/`, { timeout: 60_000 });
    await page.getByTestId('language').selectOption('de');
    await page.getByTestId('signin-user').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 60_000 });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    const problems: string[] = [];
    for (const p of PAGES) {
      await page.evaluate((h) => (location.hash = h), p.hash);
      await settled(p.hash);
      await p.open?.(page);
      await settled();
      await page.screenshot({ path: path.join(SCREENSHOTS, `hq-de-${p.name}-1366.png`), fullPage: false });
      for (const b of englishLeft(await visibleTexts(page), catalog)) problems.push(`${p.name}: ${b}`);
    }
    // Amounts and dates in the German locale: "1.234,56 $" style and day.month.
    await page.evaluate(() => (location.hash = '#/sales'));
    const amount = await page.getByTestId('sale-amount').first().textContent({ timeout: 60_000 });
    expect(amount).toMatch(/^-?\d{1,3}(\.\d{3})*,\d{2}\s\$$/);
    expect(problems).toEqual([]);
  });

  it('the matcher finds English: the same pages in English fail it', async () => {
    await page.getByTestId('language').selectOption('en');
    await page.evaluate(() => (location.hash = '#/stock'));
    await page.getByTestId('stock-row').first().waitFor({ timeout: 60_000 });
    await settled('#/stock');
    const left = englishLeft(await visibleTexts(page), catalog);
    expect(left.length).toBeGreaterThan(5);
    await page.getByTestId('language').selectOption('de');
  });

  for (const [size, viewport] of [
    ['1024x768', { width: 1024, height: 768 }],
    ['768x1024', { width: 768, height: 1024 }],
  ] as const) {
    it(`is usable on a tablet at ${size}: navigation collapses, wide tables scroll in their card, no button is cut off`, async () => {
      await page.setViewportSize(viewport);
      for (const p of PAGES) {
        await page.evaluate((h) => (location.hash = h), p.hash);
        await settled(p.hash);
        await p.open?.(page);
        await settled();
        await page.screenshot({ path: path.join(SCREENSHOTS, `hq-de-${p.name}-${size}.png`), fullPage: false });
        const layout = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const side = document.querySelector('nav.side')!.getBoundingClientRect();
          const main = document.querySelector('main.main')!.getBoundingClientRect();
          // Nothing makes the page itself wider than the screen: wide tables scroll in their own box.
          const pageOverflow = document.documentElement.scrollWidth - vw;
          // The box an element scrolls in sideways, inside the screen (a card or the table's own box), if any.
          const scroller = (el: Element) => {
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              const o = getComputedStyle(p).overflowX;
              if ((o === 'auto' || o === 'scroll') && p.getBoundingClientRect().right <= vw + 1) return p;
            }
            return null;
          };
          const cut: string[] = [];
          for (const b of Array.from(document.querySelectorAll('main button, main .btn'))) {
            const el = b as HTMLElement;
            if (!el.checkVisibility()) continue;
            const r = el.getBoundingClientRect();
            // A button in a sideways-scrolling box may be scrolled out of view; it must still fit its own text.
            if (el.scrollWidth > el.clientWidth + 1) cut.push(`${el.textContent?.trim()} (text wider than the button)`);
            else if (!scroller(el) && (r.right > vw + 1 || r.left < -1)) cut.push(`${el.textContent?.trim()} (outside the screen)`);
          }
          const tables = Array.from(document.querySelectorAll('main table')).filter((t) => (t as HTMLElement).checkVisibility());
          const unboxed = tables.filter((t) => t.getBoundingClientRect().right > vw + 1 && !scroller(t)).length;
          return { sideWidth: side.width, sideHeight: side.height, mainLeft: main.left, vw, pageOverflow, cut, unboxed };
        });
        if (layout.pageOverflow > 1) {
          // Name what sticks out, so a failure says where to look.
          const wide = await page.evaluate(() => {
            const vw = document.documentElement.clientWidth;
            return Array.from(document.querySelectorAll('body *'))
              .filter((e) => e.getBoundingClientRect().right > vw + 1 && !Array.from(e.children).some((c) => c.getBoundingClientRect().right > vw + 1))
              .slice(0, 5)
              .map((e) => `${e.tagName.toLowerCase()}.${(e as HTMLElement).className} "${(e.textContent ?? '').trim().slice(0, 40)}"`);
          });
          expect.soft(wide, `${p.name} at ${size}: what is wider than the screen`).toEqual([]);
        }
        expect(layout.pageOverflow, `${p.name} at ${size}: page wider than the screen`).toBeLessThanOrEqual(1);
        expect(layout.unboxed, `${p.name} at ${size}: tables wider than the screen outside a scrolling box`).toBe(0);
        expect(layout.cut, `${p.name} at ${size}: buttons cut off`).toEqual([]);
        // Collapsed navigation: a top bar, the page below it using the whole width.
        expect(layout.mainLeft, `${p.name} at ${size}: navigation still beside the page`).toBeLessThan(40);
      }
      // The navigation is one tap away and goes to a page.
      await page.getByTestId('nav-toggle').click();
      await page.getByTestId('nav-stock').waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(SCREENSHOTS, `hq-de-menu-${size}.png`), fullPage: false });
      await page.getByTestId('nav-stock').click();
      await page.getByTestId('stock-row').first().waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('nav-stock').isVisible()).toBe(false);
      await page.setViewportSize({ width: 1366, height: 768 });
    });
  }
});
