import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startDemo } from '../../src/cli/commands/demo';
import { CHROMIUM_ARGS, signInAndOpenShift, waitFor } from './harness';
import { chromiumPath } from '../../tools/prerequisites.mjs';
import { pathWithout } from '../path-without';

// `npm start` as a user runs it: the demo on PGlite in a fresh folder, the register in
// Chromium, a scan through the demo's control port (what `tillstream demo scan` does), a cash
// sale, and the receipt saved by the virtual printer as text and PNG.
// Browser tests drive Chromium, a hub and virtual devices on 2 shared cores: each step gets time.
describe('tillstream demo', { timeout: 90_000 }, () => {
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-demo-'));
    demo = await startDemo({ dir, quiet: true });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sells through the demo and saves the receipt as text and PNG', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
    page.setDefaultTimeout(60_000);
    await page.goto(demo.registerUrl);
    await waitFor(() => demo.register.service.syncStatus().change_cursor > 0, 60_000, 'the demo register snapshot');
    await signInAndOpenShift(page);
    const control = JSON.parse(readFileSync(path.join(dir, 'control.json'), 'utf8')) as { port: number; token: string };
    const res = await fetch(`http://127.0.0.1:${control.port}/scan?code=4006381000000`, { method: 'POST', headers: { authorization: `Bearer ${control.token}` } });
    expect(res.status).toBe(200);
    const denied = await fetch(`http://127.0.0.1:${control.port}/scan?code=4006381000000`, { method: 'POST' });
    expect(denied.status).toBe(403);
    await page.getByTestId('sale-line').first().waitFor();
    await page.getByTestId('pay').click();
    await page.getByTestId('cash-exact').click();
    await page.getByTestId('sale-done').waitFor();
    const receipts = path.join(dir, 'receipts');
    await waitFor(() => readdirSync(receipts).some((f) => f.endsWith('.png')), 20_000, 'the receipt files');
    const files = readdirSync(receipts);
    const txt = files.find((f) => f.endsWith('.txt'))!;
    expect(readFileSync(path.join(receipts, txt), 'utf8')).toContain('Apple small');
    const png = readFileSync(path.join(receipts, files.find((f) => f.endsWith('.png'))!));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});

// Issue 21: `npm start` on a machine with only Node. socat is hidden from PATH, so the demo's
// scanner and scale fall back to in-process links behind the transport contract (the real
// serial drivers over the MockBinding); it says so in one line, and a scan still sells.
describe('tillstream demo without socat', { timeout: 90_000 }, () => {
  let dir: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;
  const lines: string[] = [];
  const noSocat = pathWithout(['socat']);
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-demo-nosocat-'));
    const before = process.env.PATH;
    process.env.PATH = noSocat.PATH;
    try {
      demo = await startDemo({ dir, log: (l) => lines.push(l) });
    } finally {
      process.env.PATH = before;
    }
    browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    noSocat.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says so in one line and sells an item scanned on the in-process scanner', async () => {
    expect(demo.virtual.serial).toBe('in-process');
    expect(lines.filter((l) => /\bsocat\b/.test(l.replace(dir, '')))).toEqual([expect.stringMatching(/^socat not found: the virtual scanner, scale and customer display run in-process/)]);
    expect(demo.virtual.deviceConfig.devices.scanner).toMatchObject({ connection: { transport: 'serial', path: 'virtual:scanner' } });
    const page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    page.setDefaultTimeout(60_000);
    await page.goto(demo.registerUrl);
    await waitFor(() => demo.register.service.syncStatus().change_cursor > 0, 60_000, 'the demo register snapshot');
    await signInAndOpenShift(page);
    await waitFor(() => demo.register.devices.status().some((s) => s.kind === 'scanner' && (s.state === 'idle' || s.state === 'busy')), 20_000, 'the in-process scanner');
    await demo.virtual.scan('4006381000000'); // what typing it at the scan> prompt does
    await page.getByTestId('sale-line').first().waitFor();
    await page.getByTestId('pay').click();
    await page.getByTestId('cash-exact').click();
    await page.getByTestId('sale-done').waitFor();
    await page.screenshot({ path: 'tests/e2e/screenshots/demo-no-socat-1024.png' });
    const receipt = await demo.virtual.nextReceipt().catch(() => demo.virtual.receipts().at(-1) ?? '');
    expect(receipt).toContain('Apple small');
  });
});
