import { EventEmitter } from 'node:events';
import type { UpdateInfo } from 'builder-util-runtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../sync';
import { registerUpdateState } from './register-state';
import { createUpdateController, type AutoUpdaterLike, type UpdateController } from './controller';
import type { UpdateState } from './policy';

class FakeAutoUpdater extends EventEmitter implements AutoUpdaterLike {
  autoDownload = false;
  autoInstallOnAppQuit = true;
  allowDowngrade = true;
  allowPrerelease = true;
  checks = 0;
  installs: [boolean | undefined, boolean | undefined][] = [];
  failCheck = false;
  async checkForUpdates(): Promise<unknown> {
    this.checks++;
    if (this.failCheck) throw new Error('offline');
    return null;
  }
  isUpdateSupported: (info: UpdateInfo) => boolean | Promise<boolean> = () => true;
  installWorks = true;
  install(isSilent?: boolean, isForceRunAfter?: boolean): boolean {
    this.installs.push([isSilent, isForceRunAfter]);
    return this.installWorks;
  }
  feeds: unknown[] = [];
  setFeedURL(options: { provider: 'generic'; url: string }): void {
    this.feeds.push(options);
  }
}

/** The shell's quit sequence: decide with the journal open, then (register closed) install. */
const quit = (c: UpdateController) => c.decideAtQuit() && c.install();

function controller(state: Omit<UpdateState, 'downloaded'>, opts: Partial<Parameters<typeof createUpdateController>[0]> = {}) {
  const updater = new FakeAutoUpdater();
  const log: string[] = [];
  const decisions: string[] = [];
  const c = createUpdateController({
    updater,
    state: () => state,
    log: (m) => log.push(m),
    onDecision: (d) => decisions.push(d.action === 'install' ? 'install' : d.reason),
    ...opts,
  });
  return { updater, c, log, decisions, state };
}

describe('update controller', () => {
  it('downloads automatically, never installs on quit by itself, no downgrades or prereleases', () => {
    const { updater } = controller({ unsyncedCount: 0, openSale: false });
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(false);
    expect(updater.allowDowngrade).toBe(false);
    expect(updater.allowPrerelease).toBe(false);
  });

  it('does not install at quit while sales are unsynced or a sale is open; does once both clear', () => {
    const { updater, c, state, decisions } = controller({ unsyncedCount: 2, openSale: true });
    expect(quit(c)).toBe(false); // nothing downloaded
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(c.downloadedVersion()).toBe('0.2.0');
    expect(quit(c)).toBe(false);
    state.openSale = false;
    c.onStatusChange();
    expect(quit(c)).toBe(false);
    state.unsyncedCount = 0;
    c.onStatusChange();
    expect(decisions).toEqual(['not_downloaded', 'sale_open', 'unsynced_sales', 'install']);
    expect(updater.installs).toEqual([]);
    expect(quit(c)).toBe(true);
    expect(updater.installs).toEqual([[true, true]]);
    expect(quit(c)).toBe(false); // only once
  });

  it('re-reads the state at quit time (a sale opened after the last status change blocks)', () => {
    const { updater, c, state } = controller({ unsyncedCount: 0, openSale: false });
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(c.evaluate()).toEqual({ action: 'install' });
    state.openSale = true;
    expect(quit(c)).toBe(false);
    expect(updater.installs).toEqual([]);
  });

  it('an unreadable register state defers', () => {
    const updater = new FakeAutoUpdater();
    const c = createUpdateController({ updater, state: () => { throw new Error('journal closed'); } });
    updater.emit('update-downloaded', { version: '1' });
    expect(c.evaluate()).toMatchObject({ action: 'defer', reason: 'state_unknown' });
    expect(quit(c)).toBe(false);
  });

  it('shift-close requirement', () => {
    const { updater, c, state } = controller({ unsyncedCount: 0, openSale: false, shiftOpen: true }, { requireClosedShift: true });
    updater.emit('update-downloaded', { version: '1' });
    expect(c.evaluate()).toMatchObject({ reason: 'shift_open' });
    state.shiftOpen = false;
    expect(c.evaluate()).toEqual({ action: 'install' });
  });

  it('uses store IT\'s feed URL when given (https only)', () => {
    const updater = new FakeAutoUpdater();
    createUpdateController({ updater, state: () => ({ unsyncedCount: 0, openSale: false }), feedUrl: 'https://updates.store.example/register' });
    expect(updater.feeds).toEqual([{ provider: 'generic', url: 'https://updates.store.example/register' }]);
    expect(() => createUpdateController({ updater: new FakeAutoUpdater(), state: () => ({ unsyncedCount: 0, openSale: false }), feedUrl: 'http://updates.store.example/' })).toThrow(/https/);
  });

  it('a failed check is logged, not thrown', async () => {
    const { updater, c, log } = controller({ unsyncedCount: 0, openSale: false });
    updater.failCheck = true;
    await c.check();
    expect(updater.checks).toBe(1);
    expect(log.some((l) => /update check failed: offline/.test(l))).toBe(true);
    updater.emit('error', new Error('signature mismatch'));
    expect(log.some((l) => /signature mismatch/.test(l))).toBe(true);
  });
});

describe('update controller: following the hub, the boot guard, the update window', () => {
  it("follows the hub's feed both ways (downgrades for pins and rollbacks); a plain server only upgrades", () => {
    expect(controller({ unsyncedCount: 0, openSale: false }, { follow: 'hub' }).updater.allowDowngrade).toBe(true);
    expect(controller({ unsyncedCount: 0, openSale: false }, { follow: 'newer' }).updater.allowDowngrade).toBe(false);
  });

  it('refuses a version that failed to start here, whatever the feed says', async () => {
    const failed = ['1.1.0'];
    const { updater } = controller({ unsyncedCount: 0, openSale: false }, { follow: 'hub', refused: () => failed });
    expect(await updater.isUpdateSupported({ version: '1.1.0' } as UpdateInfo)).toBe(false);
    expect(await updater.isUpdateSupported({ version: '1.2.0' } as UpdateInfo)).toBe(true);
  });

  it('the boot guard is told before the installer starts; a guard that refuses cancels the install', () => {
    const seen: string[] = [];
    const ok = controller({ unsyncedCount: 0, openSale: false }, { beforeInstall: (v) => seen.push(`before ${v}`), installFailed: (v) => seen.push(`failed ${v}`) });
    ok.updater.emit('update-downloaded', { version: '1.1.0' });
    expect(quit(ok.c)).toBe(true);
    expect(seen).toEqual(['before 1.1.0']);

    const refusing = controller({ unsyncedCount: 0, openSale: false }, { beforeInstall: () => { throw new Error('disk full'); } });
    refusing.updater.emit('update-downloaded', { version: '1.1.0' });
    expect(quit(refusing.c)).toBe(false);
    expect(refusing.updater.installs).toEqual([]);
    expect(refusing.log.some((l) => /not installed: disk full/.test(l))).toBe(true);

    const broken = controller({ unsyncedCount: 0, openSale: false }, { beforeInstall: (v) => seen.push(`before ${v}`), installFailed: (v) => seen.push(`failed ${v}`) });
    broken.updater.installWorks = false;
    broken.updater.emit('update-downloaded', { version: '1.2.0' });
    expect(quit(broken.c)).toBe(false);
    expect(seen).toEqual(['before 1.1.0', 'before 1.2.0', 'failed 1.2.0']);
  });

  it('install() without decideAtQuit() (or after it said no) never starts the installer', () => {
    const { updater, c, state } = controller({ unsyncedCount: 0, openSale: true });
    updater.emit('update-downloaded', { version: '1.1.0' });
    expect(c.install()).toBe(false);
    expect(c.decideAtQuit()).toBe(false);
    expect(c.install()).toBe(false);
    state.openSale = false;
    expect(c.install()).toBe(false);
    expect(updater.installs).toEqual([]);
  });

  it('with an update window: waits outside it, and asks the shell to restart once inside it with nothing open', () => {
    let clock = new Date(2026, 0, 5, 14, 30);
    let quits = 0;
    const { updater, c, state } = controller(
      { unsyncedCount: 0, openSale: true },
      { window: { from: '22:00', to: '04:00' }, now: () => clock, requestQuit: () => quits++ },
    );
    updater.emit('update-downloaded', { version: '1.1.0' });
    expect(c.evaluate()).toMatchObject({ reason: 'sale_open' });
    state.openSale = false;
    expect(c.evaluate()).toMatchObject({ reason: 'outside_window', message: expect.stringMatching(/22:00-04:00/) });
    expect(quit(c)).toBe(false);
    clock = new Date(2026, 0, 5, 23, 10);
    state.openSale = true;
    c.onStatusChange();
    expect(quits).toBe(0); // inside the window but a sale is open
    state.openSale = false;
    c.onStatusChange();
    c.onStatusChange();
    expect(quits).toBe(1);
    expect(quit(c)).toBe(true);
  });
});

describe('register state for the update policy (real SQLite journal)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('counts unsynced events, sees the persisted open cart and the open shift', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ts-electron-'));
    dirs.push(dir);
    const journal = openJournal(path.join(dir, 'journal.db'), { terminalId: 'T1', storeId: 'S1' });
    try {
      expect(registerUpdateState(journal)).toEqual({ unsyncedCount: 0, openSale: false, shiftOpen: false });
      journal.saveOpenSale({ sale_id: 'a', lines: [{ line_id: 'L1' }] });
      expect(registerUpdateState(journal)).toMatchObject({ openSale: true });
      journal.clearOpenSale();
      expect(registerUpdateState(journal)).toMatchObject({ openSale: false });
      journal.appendUnchecked('drawer.no_sale', { no_sale_id: 'n1' });
      expect(registerUpdateState(journal).unsyncedCount).toBe(1);
      journal.recordHubMark(1);
      expect(registerUpdateState(journal).unsyncedCount).toBe(0);
    } finally {
      journal.close();
    }
  });
});
