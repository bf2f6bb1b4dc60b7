import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import https from 'node:https';
import path from 'node:path';
import { AppImageUpdater } from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter';
import { createEnrollmentCode, createStore, startHub, type HubHandle } from '../../src/hub';
import { stageBucket } from '../../src/hub/lifecycle/updates';
import { tlsInit, type TlsInitResult } from '../../src/hub/tls/init';
import { deviceSigner, openJournal, SyncClient, type Journal } from '../../src/sync';
import { redeemWithHub } from '../../src/main/register';
import { attachHubFeed, BootGuard, createUpdateController, registerUpdateState, sendUpdateReports, type HubFeed, type UpdateController } from '../../src/main/updates';
import { tempDir, waitFor } from '../sync/helpers';

// The register's side of fleet updates, end to end with the real parts: a hub on HTTPS from a
// private CA (`hub tls init`), registers enrolled with the pin, and electron-updater's own
// AppImageUpdater (the class the Linux register runs) reading the hub's feed with the
// terminal's credential through the pinned executor (src/main/updates/hub-feed.ts), downloading
// the release file and checking its sha512 itself. Only Electron's `app` is replaced (by the
// small adapter below: version, paths, quit), because the Electron binary is not available
// here. The "AppImages" are shell scripts that write their version to a marks file when
// started, so the install (electron-updater moves the file over $APPIMAGE and starts it) and
// the boot guard's rollback (the kept previous file put back and started) are observed as
// real processes.

const ADMIN = `admin-${randomUUID()}`;
const sha512 = (b: Buffer) => createHash('sha512').update(b).digest('base64');
const APP_FILE = 'TillstreamRegister.AppImage';

describe('register updates from the hub (real electron-updater, real hub over HTTPS)', { timeout: 180_000 }, () => {
  const tmp = tempDir('tillstream-regupd-');
  const marks = path.join(tmp.dir, 'marks.txt');
  const releases = path.join(tmp.dir, 'releases');
  let ca: TlsInitResult;
  let other: TlsInitResult;
  let hub: HubHandle;
  const feeds = new Map<string, HubFeed>();
  const deviceKeys = new Map<string, string>();
  const script = (v: string) => Buffer.from(`#!/bin/sh\n# Tillstream Register ${v} (test stand-in for an AppImage)\necho "${v} $TILLSTREAM_ROLLED_BACK_FROM" >> "${marks}"\n`);
  const startedVersions = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n').map((l) => l.trim()) : []);

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads the hub's JSON answers as they come
  const api = (method: string, p: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any }> =>
    new Promise((resolve, reject) => {
      const req = https.request(`${hub.url}${p}`, { method, ca: readFileSync(ca.caCert), headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
        let t = '';
        res.on('data', (c) => (t += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: t ? JSON.parse(t) : null }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });

  const publish = async (v: string, bytes: Buffer, claimed = bytes) => {
    mkdirSync(path.join(releases, v), { recursive: true });
    const name = `Tillstream-Register-${v}.AppImage`;
    writeFileSync(path.join(releases, v, name), bytes);
    const r = await api('POST', '/api/updates/releases', { version: v, platform: 'linux', files: [{ url: name, sha512: sha512(claimed), size: claimed.length }], path: name, sha512: sha512(claimed) });
    expect(r.status).toBe(201);
  };

  /** One register's installation: its AppImage, electron-updater's config and cache, its user data. */
  interface Install {
    terminal: string;
    dir: string;
    appImage: string;
    updater: AppImageUpdater;
    downloaded: string[];
    errors: string[];
    log: string[];
  }
  const install = (terminal: string, version: string, feed: HubFeed = feeds.get(terminal)!): Install => {
    const dir = path.join(tmp.dir, `${terminal}-${version}-${randomUUID().slice(0, 8)}`);
    mkdirSync(path.join(dir, 'userData'), { recursive: true });
    const appImage = path.join(dir, APP_FILE);
    writeFileSync(appImage, script(version), { mode: 0o755 });
    // What electron-builder writes into every package (resources/app-update.yml).
    writeFileSync(path.join(dir, 'app-update.yml'), 'provider: generic\nurl: https://updates.tillstream.invalid/\nupdaterCacheDirName: tillstream-register-updater\n');
    const adapter: AppAdapter = {
      version,
      name: 'Tillstream Register',
      isPackaged: true,
      appUpdateConfigPath: path.join(dir, 'app-update.yml'),
      userDataPath: path.join(dir, 'userData'),
      baseCachePath: path.join(dir, 'cache'),
      whenReady: () => Promise.resolve(),
      relaunch: () => {},
      quit: () => {},
      onQuit: () => {},
    };
    const updater = new AppImageUpdater(null, adapter);
    const log: string[] = [];
    updater.logger = { info: (m: unknown) => log.push(String(m)), warn: (m: unknown) => log.push(String(m)), error: (m: unknown) => log.push(String(m)) };
    attachHubFeed(updater, feed);
    const i: Install = { terminal, dir, appImage, updater, downloaded: [], errors: [], log };
    updater.on('update-downloaded', (info) => i.downloaded.push(info.version));
    updater.on('error', (e) => i.errors.push(e.message));
    return i;
  };
  /** electron-updater reads $APPIMAGE (this process is "that" register for the call). */
  const check = async (i: Install) => {
    process.env.APPIMAGE = i.appImage;
    const r = await i.updater.checkForUpdates();
    if (r?.downloadPromise) await r.downloadPromise;
    return r;
  };
  const guardOf = (i: Install, readyTimeoutMs = 60_000) => new BootGuard({ file: path.join(i.dir, 'userData', 'update-guard.json'), keepDir: path.join(i.dir, 'userData', 'previous'), readyTimeoutMs });

  beforeAll(async () => {
    ca = await tlsInit({ dir: path.join(tmp.dir, 'ca'), names: ['localhost', '127.0.0.1'] });
    other = await tlsInit({ dir: path.join(tmp.dir, 'other'), names: ['localhost', '127.0.0.1'] });
    mkdirSync(releases);
    hub = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN, updatesDir: releases, tls: { certFile: ca.cert, keyFile: ca.key } });
    await createStore(hub.db, { store_id: 'north-1', name: 'North 1', currency: 'USD', groups: ['north'] });
    await createStore(hub.db, { store_id: 'north-2', name: 'North 2', currency: 'USD', groups: ['north'] });
    const enroll = async (store: string, terminal: string) => {
      const { code } = await createEnrollmentCode(hub.db, { store_id: store, terminal_id: terminal });
      const e = await redeemWithHub({ hub: hub.url, code, pin: ca.pin });
      feeds.set(terminal, { url: e.hub.url, token: e.hub.token, ca: e.hub.ca, pin: e.hub.pin });
      // Enrollment registers the device's key: its pushes must be signed (docs/sync-protocol.md 4.2a).
      if (e.hub.device_key) deviceKeys.set(terminal, e.hub.device_key);
    };
    for (let n = 0; n < 12; n++) await enroll('north-1', `N1-${String(n).padStart(2, '0')}`);
    await enroll('north-2', 'N2-01');
    await publish('1.0.0', script('1.0.0'));
    await publish('1.1.0', script('1.1.0'));
    expect((await api('PUT', '/api/updates/channels/north', { version: '1.0.0' })).status).toBe(200);
    expect((await api('PUT', '/api/updates/channels/north', { version: '1.1.0', staged_percent: 50 })).json).toMatchObject({ version: '1.1.0', previous_version: '1.0.0', staged_percent: 50 });
  });
  afterAll(async () => {
    delete process.env.APPIMAGE;
    await hub?.close();
    tmp.cleanup();
  });

  const inStage = () => [...feeds.keys()].filter((t) => t.startsWith('N1-') && stageBucket(t, '1.1.0') < 50);
  const outOfStage = () => [...feeds.keys()].filter((t) => t.startsWith('N1-') && stageBucket(t, '1.1.0') >= 50);

  it('the 50 % stage: a register inside downloads 1.1.0 (sha512 checked by electron-updater), one outside and a pinned store get nothing', async () => {
    expect(inStage().length).toBeGreaterThan(0);
    expect(outOfStage().length).toBeGreaterThan(0);
    const a = install(inStage()[0]!, '1.0.0');
    const r = await check(a);
    expect(r?.isUpdateAvailable).toBe(true);
    expect(a.downloaded).toEqual(['1.1.0']);
    const file = path.join(a.dir, 'cache', 'tillstream-register-updater', 'pending', 'Tillstream-Register-1.1.0.AppImage');
    expect(readFileSync(file).equals(script('1.1.0'))).toBe(true);

    const b = install(outOfStage()[0]!, '1.0.0');
    expect((await check(b))?.isUpdateAvailable).toBe(false);
    expect(b.downloaded).toEqual([]);

    expect((await api('PUT', '/api/updates/pins/north-2', { version: '1.0.0' })).status).toBe(200);
    const c = install('N2-01', '1.0.0');
    expect((await check(c))?.isUpdateAvailable).toBe(false);
    expect([a.errors, b.errors, c.errors]).toEqual([[], [], []]);
  });

  it('a file that does not match the feed is refused; so is a hub with another certificate, and a revoked credential', async () => {
    await publish('1.2.0', Buffer.from('#!/bin/sh\necho tampered\n'), script('1.2.0'));
    expect((await api('PUT', '/api/updates/pins/north-2', { version: '1.2.0' })).status).toBe(200);
    const c = install('N2-01', '1.0.0');
    await expect(check(c)).rejects.toThrow(/sha512 checksum mismatch/);
    expect(c.downloaded).toEqual([]);
    expect((await api('PUT', '/api/updates/pins/north-2', { version: '1.0.0' })).status).toBe(200);

    // The same hub address, but the register pinned another CA: the executor refuses the handshake.
    const wrong = install('N2-01', '1.0.0', { ...feeds.get('N2-01')!, ca: readFileSync(other.caCert, 'utf8'), pin: other.pin });
    await expect(check(wrong)).rejects.toThrow(/certificate|self-signed|pinned/i);

    const stolen = install('N2-01', '1.0.0', { ...feeds.get('N2-01')!, token: `tsr_${'x'.repeat(43)}` });
    await expect(check(stolen)).rejects.toThrow(/401/);
  });

  it('an update never starts while a sale is open or unsynced; then installs, and a failed start rolls back to 1.0.0 and the hub is told', async () => {
    const terminal = inStage()[0]!;
    const a = install(terminal, '1.0.0');
    const journal: Journal = openJournal(path.join(a.dir, 'userData', 'journal.sqlite'), { terminalId: terminal, storeId: 'north-1' });
    const feed = feeds.get(terminal)!;
    const key = deviceKeys.get(terminal);
    const sync = new SyncClient({ journal, url: feed.url, token: feed.token, ...(key ? { sign: deviceSigner(key) } : {}), trust: feed, appVersion: '1.0.0', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } });
    const guard = guardOf(a);
    let c: UpdateController | undefined;
    try {
      c = createUpdateController({
        updater: a.updater,
        follow: 'hub',
        state: () => registerUpdateState(journal),
        refused: () => guard.refused(),
        beforeInstall: (to) => guard.prepareInstall({ from: '1.0.0', to, appImage: a.appImage }),
        installFailed: () => guard.abandon(),
      });
      // A sale is open (the register persists its cart) while the update arrives.
      journal.saveOpenSale({ sale_id: randomUUID(), lines: [{ line_id: 'L1', sku: 'APPLE' }] });
      await check(a);
      expect(c.downloadedVersion()).toBe('1.1.0');
      expect(c.evaluate()).toMatchObject({ action: 'defer', reason: 'sale_open' });
      expect(c.decideAtQuit()).toBe(false);
      expect(c.install()).toBe(false);
      // The sale is committed: one journal event the hub has not acknowledged (the register is offline).
      journal.clearOpenSale();
      journal.append('shift.opened', { shift_id: randomUUID(), store_id: 'north-1', terminal_id: terminal, cashier_id: '1001', currency: 'USD', opening_float: 10_000, opened_at: new Date().toISOString() } as never);
      expect(c.evaluate()).toMatchObject({ action: 'defer', reason: 'unsynced_sales' });
      expect(c.decideAtQuit()).toBe(false);
      expect(startedVersions()).toEqual([]);
      // Back online: the hub acknowledges, the policy allows, the quit sequence installs.
      sync.start();
      await waitFor('synced', () => sync.status.appliedThrough === 1);
      sync.stop();
      expect(c.evaluate()).toEqual({ action: 'install' });
      expect(c.decideAtQuit()).toBe(true);
    } finally {
      sync.stop();
      journal.close();
    }
    process.env.APPIMAGE = a.appImage;
    expect(c!.install()).toBe(true);
    // electron-updater moved the verified file over $APPIMAGE and started it.
    expect(readFileSync(a.appImage).equals(script('1.1.0'))).toBe(true);
    await waitFor('1.1.0 started', () => startedVersions().some((l) => l.startsWith('1.1.0')));
    expect(readFileSync(path.join(a.dir, 'userData', 'previous', '1.0.0.AppImage')).equals(script('1.0.0'))).toBe(true);

    // The new version starts (its shell runs the guard first) and never reaches ready.
    const exits: string[] = [];
    const started = guardOf(a, 300).supervise('1.1.0', { running: a.appImage, exit: (code, msg) => exits.push(`${code} ${msg}`) });
    expect(started.decision).toMatchObject({ action: 'watch', attempt: 1 });
    await waitFor('rolled back', () => exits.length === 1, 5_000);
    expect(exits[0]).toMatch(/^0 rolled back from 1.1.0 to 1.0.0: version 1.1.0 did not reach ready within 300 ms/);
    expect(started.ready()).toBeNull(); // too late
    expect(readFileSync(a.appImage).equals(script('1.0.0'))).toBe(true);
    await waitFor('1.0.0 started again', () => startedVersions().includes('1.0.0 1.1.0'));
    expect(guard.refused()).toEqual(['1.1.0']);

    // The previous version, running again, tells the hub; the hub stops offering 1.1.0 to this terminal.
    const back = guardOf(a);
    expect(back.supervise('1.0.0', { exit: () => { throw new Error('no exit expected'); } }).decision).toEqual({ action: 'run' });
    expect(await sendUpdateReports(back, feed)).toEqual({ sent: 1 });
    expect(await sendUpdateReports(back, feed)).toEqual({ sent: 0 });
    const status = (await api('GET', '/api/updates?store_id=north-1')).json;
    const row = status.terminals.find((t: { terminal_id: string }) => t.terminal_id === terminal);
    expect(row.last_report).toMatchObject({ version: '1.1.0', from_version: '1.0.0', outcome: 'failed_start' });
    expect(row.offered).toEqual({ version: '1.0.0', why: 'failed_here' });
    const again = install(terminal, '1.0.0');
    expect((await check(again))?.isUpdateAvailable).toBe(false);
    // The same report twice is one row.
    const dup = await api('POST', '/api/register/update-reports', { reports: [{ version: '1.1.0', from_version: '1.0.0', outcome: 'failed_start', detail: 'x', at: row.last_report.reported_at }] }, feed.token);
    expect(dup.json).toEqual({ accepted: 1, new: 0 });
    expect((await api('POST', '/api/register/update-reports', { reports: [{ version: 'one', from_version: null, outcome: 'failed_start', detail: '', at: 'now' }] }, feed.token)).status).toBe(400);
    expect((await api('POST', '/api/register/update-reports', { reports: [] }, ADMIN)).status).toBe(400);
  });

  it('a store pinned to an older version, or a channel rolled back, takes registers back (allowDowngrade); a register that only upgrades stays', async () => {
    const terminal = inStage()[1] ?? outOfStage()[0]!;
    expect((await api('PUT', '/api/updates/channels/north', { version: '1.1.0', staged_percent: 100 })).status).toBe(200);
    const d = install(terminal, '1.1.0');
    const dc = createUpdateController({ updater: d.updater, follow: 'hub', state: () => ({ unsyncedCount: 0, openSale: false }) });
    expect((await check(d))?.isUpdateAvailable).toBe(false); // runs what the hub offers

    const back = await api('POST', '/api/updates/channels/north/rollback');
    expect(back.json).toMatchObject({ version: '1.0.0' });
    await check(d);
    expect(d.downloaded).toEqual(['1.0.0']);
    expect(dc.evaluate()).toEqual({ action: 'install' });

    const plain = install(terminal, '1.1.0');
    createUpdateController({ updater: plain.updater, follow: 'newer', state: () => ({ unsyncedCount: 0, openSale: false }) });
    expect((await check(plain))?.isUpdateAvailable).toBe(false);

    // A pin to an older version wins over the channel the same way.
    expect((await api('PUT', '/api/updates/channels/north', { version: '1.1.0', staged_percent: 100 })).status).toBe(200);
    expect((await api('PUT', '/api/updates/pins/north-2', { version: '1.0.0' })).status).toBe(200);
    const e = install('N2-01', '1.1.0');
    createUpdateController({ updater: e.updater, follow: 'hub', state: () => ({ unsyncedCount: 0, openSale: false }) });
    await check(e);
    expect(e.downloaded).toEqual(['1.0.0']);
    copyFileSync(path.join(e.dir, 'cache', 'tillstream-register-updater', 'pending', 'Tillstream-Register-1.0.0.AppImage'), path.join(e.dir, 'downloaded'));
    expect(readFileSync(path.join(e.dir, 'downloaded')).equals(script('1.0.0'))).toBe(true);
  });
});
