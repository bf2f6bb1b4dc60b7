import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo } from '../../src/cli/commands/demo';
import { createEnrollmentCode } from '../../src/hub';
import { parseRegisterConfig, redeemWithHub, startRegister, type RunningRegister } from '../../src/main/register';
import { CHROMIUM_ARGS, SCREENSHOTS, signInAndOpenShift, waitFor } from './harness';
import { chromiumPath } from '../../tools/prerequisites.mjs';

// `tillstream demo --tls`: the hub on HTTPS/WSS with a CA made for the demo, the register
// enrolled over HTTPS with the CA's pin, syncing; the Store IT screen says the link is pinned.
// A second register enrolled with --insecure (no pin) works but its Store IT screen shows the
// link in red.
describe('tillstream demo --tls', { timeout: 120_000 }, () => {
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  let insecure: RunningRegister | null = null;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-demo-tls-'));
    demo = await startDemo({ dir, quiet: true, tls: true });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await insecure?.close();
    await browser?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function storeIt(page: Page, name: string): Promise<void> {
    await signInAndOpenShift(page);
    await page.getByTestId('nav-it').click();
    await page.getByTestId('it-screen').waitFor();
    for (const [w, h] of [[1024, 768], [1366, 768]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${w}x${h}.png`) });
    }
  }

  it('runs the hub on HTTPS and the register over WSS with the pinned CA', async () => {
    expect(demo.hub.url).toMatch(/^https:\/\//);
    const cfg = demo.register.config.hub!;
    expect(cfg.pin).toBe(demo.hub.tlsPin());
    expect(cfg.ca).toContain('BEGIN CERTIFICATE');
    await waitFor(() => demo.register.service.syncStatus().change_cursor > 0 && demo.register.service.syncStatus().online, 60_000, 'the snapshot over wss');
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(60_000);
    await page.goto(demo.registerUrl);
    await storeIt(page, '30-store-it-tls-pinned');
    const row = page.getByTestId('it-link-security');
    expect(await row.getAttribute('data-kind')).toBe('pinned');
    expect(await row.textContent()).toContain('TLS, pinned certificate');
    await page.close();
  });

  it('a register enrolled with --insecure syncs, and its Store IT screen shows the link in red', async () => {
    const { code } = await createEnrollmentCode(demo.hub.db, { store_id: 'store-001', terminal_id: 'T09' });
    const enrolled = await redeemWithHub({ hub: demo.hub.url, code, insecure: true });
    expect(enrolled.hub.ca).toBeUndefined();
    const config = parseRegisterConfig({ ...demo.register.config, terminal_id: 'T09', journal_path: path.join(dir, 't09', 'journal.sqlite'), device_config: null, hub: enrolled.hub });
    insecure = await startRegister({ config, browser: { port: 0 }, syncMonitorMs: 500 });
    await waitFor(() => insecure!.service.syncStatus().change_cursor > 0, 60_000, 'the insecure register snapshot');
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(60_000);
    await page.goto(insecure.host!.url);
    await storeIt(page, '31-store-it-tls-insecure');
    const row = page.getByTestId('it-link-security');
    expect(await row.getAttribute('data-kind')).toBe('insecure');
    const red = await row.locator('.pill-bad').evaluate((el) => getComputedStyle(el).color);
    expect(red).toMatch(/rgb\((1[5-9]\d|2\d\d), \d{1,2}, \d{1,2}\)/);
    await page.close();
  });
});
