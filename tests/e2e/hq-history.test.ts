import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createStore, createUser, migrate, openDb, startHub, type Db, type HubHandle } from '../../src/hub';
import { historyFile } from '../../src/hub/books/testing/history-gen';
import { trialBalance } from '../../src/hub/ledger-queries';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { CHROMIUM_ARGS, SCREENSHOTS, waitFor } from './harness';

// A historical import scheduled off-peak from the console, in German, end to end: a real hub
// (PGlite, or Postgres with DATABASE_URL) whose scheduler reads an injected clock, Chromium at
// 1366×768 and a 1024×768 tablet. The file is uploaded with a window 01:00–05:00 Europe/Berlin
// and waits ("Geplant", with its next start); the clock enters the window and the hub runs it;
// the window closes after 40 % ("Pausiert: Zeitfenster zu Ende", its progress); the next night
// it resumes to "Fertig". Screenshots: tests/e2e/screenshots/hq-de-books-history-*.png.

const USER = 'hanna';
const PASSWORD = 'altdaten passphrase';
const SALES = 500;

describe('HQ console: a historical import scheduled in an off-peak window (German)', { timeout: 240_000 }, () => {
  let dir: string;
  let db: Db;
  let hub: HubHandle;
  let browser: Browser;
  let page: Page;
  const schema = `e2e_hqhist_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL;
  let now = new Date('2026-12-02T10:00:00Z'); // 11:00 in Berlin: the window is closed
  let onBatch: (done: number) => void = () => undefined;

  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SCREENSHOTS, `hq-de-books-history-${name}.png`), fullPage: false });
  };
  const row = () => page.getByTestId('history-progress').first();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-hqhist-'));
    db = await openDb(url ? { databaseUrl: url, schema } : { dataDir: path.join(dir, 'hub-pg') });
    await migrate(db);
    hub = await startHub({ db, port: 0, host: '127.0.0.1', logLevel: 'silent', schedulerIntervalMs: 100, clock: () => now, afterHistoryBatch: (p) => onBatch(p.done_sales) });
    for (const s of ['store-001', 'store-002']) await createStore(db, { store_id: s, name: `Filiale ${s}`, currency: 'USD' });
    await createUser(db, { user_id: USER, name: 'Hanna Buchhaltung', role: 'hq', password: PASSWORD, token: false });
    writeFileSync(path.join(dir, 'altkasse-2025.jsonl'), historyFile({ count: SALES, seed: 31 }));
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await hub?.close().catch(() => {});
    if (url) await db?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it('schedules the file for 01:00–05:00 Berlin time; it waits outside the window', async () => {
    await page.goto(`${hub.url}/hq/`, { timeout: 60_000 });
    await page.getByTestId('language').selectOption('de');
    await page.getByTestId('signin-user').fill(USER);
    await page.getByTestId('signin-password').fill(PASSWORD);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('live-state').waitFor({ timeout: 60_000 });
    await page.evaluate(() => (location.hash = '#/books?tab=history'));
    await page.getByText('Noch kein Altdatenimport gelaufen.').waitFor({ timeout: 60_000 });

    await page.getByTestId('history-file').setInputFiles(path.join(dir, 'altkasse-2025.jsonl'));
    expect(await page.getByTestId('history-when').inputValue()).toBe('window');
    await page.getByTestId('history-start').fill('01:00');
    await page.getByTestId('history-end').fill('05:00');
    await page.getByTestId('history-zone').fill('Europe/Berlin');
    await page.getByTestId('history-batch').fill('50');
    await page.getByTestId('history-schedule').click();
    await page.getByTestId('history-note').filter({ hasText: `(${SALES} Verkäufe) geplant; er startet` }).waitFor({ timeout: 60_000 });
    await row().filter({ hasText: 'Geplant' }).waitFor({ timeout: 60_000 });
    // The next start, 01:00 Berlin time on 3 December, shown in the console's locale.
    expect(await page.getByTestId('history-next').textContent()).toMatch(/startet 03\.12\.2026, 01:00:00/);
    expect(await page.getByTestId('history').textContent()).toContain('01:00–05:00 Europe/Berlin');
    await shot('scheduled-1366');
    const j = (await db.query<{ status: string; done_sales: number }>(`SELECT status, done_sales FROM history_imports`)).rows;
    expect(j).toEqual([{ status: 'scheduled', done_sales: 0 }]);
    expect((await db.query<{ batch_size: number }>(`SELECT batch_size FROM history_imports`)).rows[0]!.batch_size).toBe(50);
  });

  it('runs when the window opens, pauses between batches when it closes, and shows where it stopped', async () => {
    onBatch = (done) => {
      if (done >= SALES * 0.4 && now.toISOString() === '2026-12-03T00:00:00.000Z') now = new Date('2026-12-03T04:00:00Z'); // 05:00 Berlin
    };
    now = new Date('2026-12-03T00:00:00Z'); // 01:00 Berlin
    await waitFor(async () => (await db.query<{ status: string }>(`SELECT status FROM history_imports`)).rows[0]?.status === 'window_paused', 120_000, 'the window to close on the import');
    const { done_sales } = (await db.query<{ done_sales: number }>(`SELECT done_sales FROM history_imports`)).rows[0]!;
    expect(done_sales).toBe(SALES * 0.4);
    await page.getByTestId('history-reload').click();
    await row().filter({ hasText: 'Pausiert: Zeitfenster zu Ende' }).filter({ hasText: `${SALES * 0.4} von ${SALES}` }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('history-next').textContent()).toMatch(/startet 04\.12\.2026, 01:00:00/);
    await shot('window-paused-1366');
    await page.setViewportSize({ width: 1024, height: 768 });
    await row().waitFor();
    await shot('window-paused-1024');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('resumes at the next window to done; the ledger balances', async () => {
    onBatch = () => undefined;
    now = new Date('2026-12-04T00:05:00Z');
    await page.getByTestId('history-reload').click();
    await row().filter({ hasText: 'Fertig' }).filter({ hasText: `${SALES} von ${SALES}` }).waitFor({ timeout: 120_000 });
    await shot('done-1366');
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n).toBe(SALES);
    expect((await trialBalance(db)).balanced).toBe(true);
  });
});
