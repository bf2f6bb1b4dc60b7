import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../sync';
import { registerUpdateState } from './register-state';
import { createUpdateController, type AutoUpdaterLike } from './updater';
import type { UpdateState } from './update-policy';

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
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void {
    this.installs.push([isSilent, isForceRunAfter]);
  }
  feeds: unknown[] = [];
  setFeedURL(options: { provider: 'generic'; url: string }): void {
    this.feeds.push(options);
  }
}

function controller(state: Omit<UpdateState, 'downloaded'>, opts: { requireClosedShift?: boolean } = {}) {
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
    expect(c.installOnQuit()).toBe(false); // nothing downloaded
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(c.downloadedVersion()).toBe('0.2.0');
    expect(c.installOnQuit()).toBe(false);
    state.openSale = false;
    c.onStatusChange();
    expect(c.installOnQuit()).toBe(false);
    state.unsyncedCount = 0;
    c.onStatusChange();
    expect(decisions).toEqual(['not_downloaded', 'sale_open', 'unsynced_sales', 'install']);
    expect(updater.installs).toEqual([]);
    expect(c.installOnQuit()).toBe(true);
    expect(updater.installs).toEqual([[true, true]]);
    expect(c.installOnQuit()).toBe(false); // only once
  });

  it('re-reads the state at quit time (a sale opened after the last status change blocks)', () => {
    const { updater, c, state } = controller({ unsyncedCount: 0, openSale: false });
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(c.evaluate()).toEqual({ action: 'install' });
    state.openSale = true;
    expect(c.installOnQuit()).toBe(false);
    expect(updater.installs).toEqual([]);
  });

  it('an unreadable register state defers', () => {
    const updater = new FakeAutoUpdater();
    const c = createUpdateController({ updater, state: () => { throw new Error('journal closed'); } });
    updater.emit('update-downloaded', { version: '1' });
    expect(c.evaluate()).toMatchObject({ action: 'defer', reason: 'state_unknown' });
    expect(c.installOnQuit()).toBe(false);
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
