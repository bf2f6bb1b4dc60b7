import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openDb, startHub, migrate, createEnrollmentCode, type Db, type HubHandle } from '../../src/hub';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { startRegister, hashPin, parseRegisterConfig, DriverDevices, journalPaymentHooks, startVirtualDevices, type RunningRegister, type VirtualDevices } from '../../src/main/register';
import { withCheckDigit } from '../../src/core/barcode';
import { bundleRenderer, type RendererBundle } from '../../src/main/browser-host/bundle';
import { chromiumPath } from '../../tools/prerequisites.mjs';

// One store end to end for the browser tests: a real hub (PGlite in a temp folder, real
// socket.io on loopback), the demo catalog, one enrolled register with its SQLite journal and
// browser host, and Chromium driving the cashier UI.

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

export const CASHIER = { id: '1001', pin: '1234', name: 'Alex Cashier' };
export const MANAGER = { id: '9001', pin: '9876', name: 'Morgan Manager' };

export const LOOSE_APPLES = { sku: 'LOOSE-APPLES', gtins: [withCheckDigit('400638199001')], name: 'Loose apples', category: 'grocery', tax_category: 'food', unit: 'kg' as const, price: 299, currency: 'USD', active: true };
export const DELI_PLATTER = { sku: 'DELI-PLATTER', gtins: [withCheckDigit('201234500000')], name: 'Deli platter', category: 'grocery', tax_category: 'general', unit: 'each' as const, price: 0, currency: 'USD', active: true };
/** The deli label for a platter priced at `cents` (EU layout: 20 IIIII PPPPP C). */
export const deliLabel = (cents: number) => withCheckDigit(`2012345${String(cents).padStart(5, '0')}`);

let bundlePromise: Promise<RendererBundle> | null = null;
export const sharedBundle = () => (bundlePromise ??= bundleRenderer());

export interface Store {
  dir: string;
  db: Db;
  hub: HubHandle;
  hubPort: number;
  adminToken: string;
  register: RunningRegister;
  virtual: VirtualDevices | null;
  browser: Browser;
  page: Page;
  stopHub(): Promise<void>;
  restartHub(): Promise<void>;
  restartRegister(): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- HTTP JSON from the hub, inspected loosely by the tests
  hq(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface StoreHub {
  dir: string;
  db: Db;
  readonly hub: HubHandle;
  hubPort: number;
  adminToken: string;
  /** Enrolls a terminal of store-001 and returns its hub credential. */
  enroll(terminalId: string): Promise<{ token: string }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- HTTP JSON from the hub, inspected loosely by the tests
  hq(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }>;
  stopHub(): Promise<void>;
  restartHub(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The hub half of a store: a real hub (Postgres when DATABASE_URL is set, else PGlite in a
 * temp folder) with the demo catalog and two counter items, and a way to enroll registers.
 * `startStore` adds an in-process register and Chromium; a test that runs the register as a
 * child process (kill -9) uses this alone.
 */
export async function startStoreHub(): Promise<StoreHub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-e2e-'));
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  // Real Postgres when DATABASE_URL is set (fresh schema per store), else PGlite on disk.
  const schema = `e2e_${randomBytes(5).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  const db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
  await migrate(db);
  let hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken, schedulerIntervalMs: 100 });
  const hubPort = hub.port;
  await seedDemoStore(db, { stores: ['store-001'], products: 60, currency: 'USD' });
  // Two counter items the demo catalog lacks: loose produce weighed on the scale (its own
  // EAN-13), and a deli platter whose price is printed into a restricted-circulation label.
  const post = (p: string, body: unknown) => fetch(`${hub.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify(body) });
  await post('/api/catalog', { target: { all: true }, products: [LOOSE_APPLES, DELI_PLATTER] });
  await post('/api/prices', { target: { all: true }, prices: [{ sku: LOOSE_APPLES.sku, amount: LOOSE_APPLES.price }, { sku: DELI_PLATTER.sku, amount: DELI_PLATTER.price }] });
  await post('/api/stock/adjustments', { store_id: 'store-001', reason: 'opening', items: [{ sku: LOOSE_APPLES.sku, quantity: { units: 20_000, scale: 3 } }, { sku: DELI_PLATTER.sku, quantity: { units: 10, scale: 0 } }] });
  const hq = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${hubPort}${p}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  let hubUp = true;
  return {
    dir, db, get hub() { return hub; }, hubPort, adminToken, hq,
    async enroll(terminalId: string) {
      const { code } = await createEnrollmentCode(db, { store_id: 'store-001', terminal_id: terminalId });
      const res = await fetch(`${hub.url}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
      return (await res.json()) as { token: string };
    },
    async stopHub() {
      if (!hubUp) return;
      hubUp = false;
      await hub.close();
    },
    async restartHub() {
      if (hubUp) return;
      hub = await startHub({ db, port: hubPort, host: '127.0.0.1', logLevel: 'silent', adminToken, schedulerIntervalMs: 100 });
      hubUp = true;
    },
    async close() {
      if (hubUp) await hub.close().catch(() => {});
      if (url) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startStore(opts: { virtual?: boolean; language?: 'en' | 'de'; locale?: string } = {}): Promise<Store> {
  const T = Date.now(); const lap = (w: string) => process.env.E2E_TIMING && console.log(w, Date.now() - T);
  const sh = await startStoreHub();
  const { dir, db, hubPort, adminToken, hq } = sh;
  lap('hub+seed');
  const enrolled = await sh.enroll('T01');
  // The drawer alert after 4 s (the virtual drawer shuts itself 1.5 s after a kick), so a test can leave it open too long.
  const virtual = opts.virtual ? await startVirtualDevices({ currency: 'USD', receiptDir: path.join(dir, 'receipts'), drawerAlertSeconds: 4 }) : null;
  const config = parseRegisterConfig({
    terminal_id: 'T01',
    store_id: 'store-001',
    store_name: 'Demo store 1',
    store_lines: ['12 Market Street', 'New York, NY'],
    currency: 'USD',
    locale: opts.locale ?? 'en-US',
    language: opts.language ?? 'en',
    journal_path: path.join(dir, 'register', 'journal.sqlite'),
    hub: { url: sh.hub.url, token: enrolled.token },
    cashiers: [
      { cashier_id: CASHIER.id, name: CASHIER.name, role: 'cashier', pin_hash: hashPin(CASHIER.pin) },
      { cashier_id: MANAGER.id, name: MANAGER.name, role: 'manager', pin_hash: hashPin(MANAGER.pin) },
    ],
    // The demo's device configuration, in the drivers' format, in its own file (printer on the virtual USB bus).
    ...(virtual ? { device_config: deviceFile(dir, virtual), receipt_dir: path.join(dir, 'receipts') } : {}),
  });
  lap('config');
  // Devices are built once the journal is open, with its payment state (an unresolved card payment survives a restart).
  const start = async () =>
    startRegister({
      config,
      devices: virtual ? (journal) => DriverDevices.start(config, { bindings: virtual.bindings, hooks: journalPaymentHooks(journal) }) : undefined,
      browser: { bundle: await sharedBundle() },
      syncMonitorMs: 200,
    });
  let register = await start();
  await waitFor(() => register.service.syncStatus().change_cursor > 0, 20_000, 'register to take the store snapshot');
  lap('snapshot');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  await page.goto(register.host!.url);
  return {
    dir, db, get hub() { return sh.hub; }, hubPort, adminToken, get register() { return register; }, virtual, browser, page, hq,
    /** Stops the register (journal, devices, browser host) and starts it again on the same journal; the page opens the new URL. */
    async restartRegister() {
      await register.close();
      register = await start();
      await page.goto(register.host!.url);
    },
    stopHub: () => sh.stopHub(),
    restartHub: () => sh.restartHub(),
    async close() {
      await browser.close().catch(() => {});
      await register.close().catch(() => {});
      await virtual?.close().catch(() => {});
      await sh.close();
    },
  };
}

function deviceFile(dir: string, virtual: VirtualDevices): string {
  const file = path.join(dir, 'devices.json');
  writeFileSync(file, `${JSON.stringify(virtual.deviceConfig, null, 2)}\n`);
  return file;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A keyboard-wedge scanner: the code "typed" 5 ms apart, then Enter, with focus wherever it
 * is. Sent through CDP with explicit event timestamps, so a busy test machine cannot stretch
 * the gaps the way real-time typing would (the renderer reads KeyboardEvent.timeStamp).
 */
export async function wedgeScan(page: Page, code: string): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const t0 = Date.now() / 1000;
  const keys = [...code, 'Enter'];
  // All key events are sent without waiting for each reply, so they reach the page as one burst
  // as a real scanner's do: awaited one by one on a loaded machine, the gaps in real time let the
  // renderer's idle timer (60 ms, real clock) flush a half-read code as typing.
  const sends: Array<Promise<unknown>> = [];
  for (const [i, k] of keys.entries()) {
    const timestamp = t0 + i * 0.005;
    const enter = k === 'Enter';
    const base = enter ? { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, text: '\r' } : { key: k, text: k, unmodifiedText: k, code: /\d/.test(k) ? `Digit${k}` : `Key${k.toUpperCase()}`, windowsVirtualKeyCode: k.toUpperCase().charCodeAt(0) };
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', timestamp, ...base }));
    sends.push(cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', timestamp: timestamp + 0.001, key: base.key, code: base.code, windowsVirtualKeyCode: base.windowsVirtualKeyCode }));
  }
  await Promise.all(sends);
  await cdp.detach();
}

export async function signInAndOpenShift(page: Page, floatDigits = '10000'): Promise<void> {
  await page.getByTestId('signin-cashier').fill(CASHIER.id);
  await page.getByTestId('signin-pin').fill(CASHIER.pin);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('float-input').fill(floatDigits);
  await page.getByTestId('open-shift').click();
  await page.getByTestId('code-input').waitFor();
}

export async function approve(page: Page, pin = MANAGER.pin): Promise<void> {
  await page.getByTestId('approval-pin').fill(pin);
  await page.getByTestId('approval-ok').click();
}
