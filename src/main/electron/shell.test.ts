import { spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPin } from '../register';
import { buildElectron, type BuildResult } from './build';

// The Electron binary cannot be downloaded here, so this test runs the real bundled shell
// (dist/main/electron/main.cjs as build.ts makes it) in plain Node with a fake `electron`
// module that records what the shell asks of Electron and then plays the part of the window:
// loads the page through the app:// handler, sends IPC (trusted and not), tries to navigate,
// open windows, fetch remote URLs and ask for permissions, then quits. The register behind it
// is the real one (real SQLite journal, real RegisterService).

const ROOT = path.resolve(__dirname, '../../..');

const FAKE_ELECTRON = String.raw`
const { EventEmitter } = require('node:events');
const fs = require('node:fs');
const rec = { calls: [], checks: {} };
const app = new EventEmitter();
let ready;
const readyP = new Promise((r) => (ready = r));
Object.assign(app, {
  isPackaged: false,
  enableSandbox() { rec.calls.push('enableSandbox'); },
  requestSingleInstanceLock() { rec.calls.push('requestSingleInstanceLock'); return true; },
  whenReady() { setImmediate(ready); return readyP; },
  getPath(name) { return process.env.FAKE_USERDATA + '/' + name; },
  getVersion() { return '0.3.0'; },
  quit() { rec.calls.push('quit'); const ev = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } }; app.emit('before-quit', ev); },
  exit(code) {
    rec.calls.push('exit:' + code);
    fs.writeFileSync(process.env.FAKE_RESULT, JSON.stringify(rec));
    process.exit(code);
  },
});
const protocol = {
  registerSchemesAsPrivileged(s) { rec.calls.push('registerSchemesAsPrivileged'); rec.schemes = s; },
  handle(scheme, h) { rec.calls.push('protocol.handle:' + scheme); protocol.handler = h; },
};
const webRequest = {
  onBeforeRequest(filter, fn) { rec.beforeRequestFilter = filter; webRequest.before = fn; },
  onHeadersReceived(fn) { webRequest.headers = fn; },
};
const defaultSession = new EventEmitter();
Object.assign(defaultSession, {
  webRequest,
  setPermissionRequestHandler(fn) { defaultSession.permReq = fn; },
  setPermissionCheckHandler(fn) { defaultSession.permCheck = fn; },
  setDevicePermissionHandler(fn) { defaultSession.devicePerm = fn; },
  setDisplayMediaRequestHandler(fn) { defaultSession.displayMedia = fn; },
});
const ipcMain = {
  handlers: new Map(),
  handle(ch, fn) { if (ipcMain.handlers.has(ch)) throw new Error('second handler for ' + ch); ipcMain.handlers.set(ch, fn); },
  removeHandler(ch) { ipcMain.handlers.delete(ch); },
  async invoke(ch, event, ...args) { const h = ipcMain.handlers.get(ch); if (!h) throw new Error("No handler registered for '" + ch + "'"); return h(event, ...args); },
};
const prevent = () => { const e = { prevented: false, preventDefault() { e.prevented = true; } }; return e; };
class WebContents extends EventEmitter {
  constructor() { super(); this.id = 5; this.sent = []; }
  send(ch, ...args) { this.sent.push([ch, ...args]); }
  isDestroyed() { return false; }
  setWindowOpenHandler(fn) { this.openHandler = fn; }
  closeDevTools() {}
  loadURL(url) { return Promise.resolve(); }
}
async function scenario(win, url) {
  const c = rec.checks;
  const wc = win.webContents;
  c.loadURL = url;
  c.windowOptions = win.options;
  const page = await protocol.handler({ method: 'GET', url });
  c.page = { status: page.status, csp: page.headers.get('content-security-policy'), body: (await page.text()).slice(0, 400) };
  const js = await protocol.handler({ method: 'GET', url: 'app://register/app.js' });
  c.js = { status: js.status, type: js.headers.get('content-type'), bytes: (await js.arrayBuffer()).byteLength };
  const traversal = await protocol.handler({ method: 'GET', url: 'app://register/../../etc/passwd' });
  c.traversal = traversal.status;
  const post = await protocol.handler({ method: 'POST', url: 'app://register/index.html' });
  c.post = post.status;
  const cancel = (u) => new Promise((r) => webRequest.before({ url: u }, (res) => r(res.cancel)));
  c.cancel = { remote: await cancel('https://example.com/x.js'), file: await cancel('file:///etc/passwd'), own: await cancel('app://register/app.js') };
  c.headers = await new Promise((r) => webRequest.headers({ responseHeaders: {} }, (res) => r(res.responseHeaders)));
  c.permission = await new Promise((r) => defaultSession.permReq(wc, 'media', r, { requestingUrl: url }));
  c.permissionCheck = defaultSession.permCheck(wc, 'serial', 'app://register');
  c.devicePermission = defaultSession.devicePerm({});
  const nav = prevent(); wc.emit('will-navigate', nav, 'https://evil.example/');
  const navOwn = prevent(); wc.emit('will-navigate', navOwn, 'app://register/index.html');
  const redirect = prevent(); wc.emit('will-redirect', redirect, 'https://evil.example/');
  const webview = prevent(); wc.emit('will-attach-webview', webview, {}, {});
  c.navigation = { evil: nav.prevented, own: navOwn.prevented, redirect: redirect.prevented, webview: webview.prevented };
  c.windowOpen = wc.openHandler({ url: 'https://evil.example/' });
  const trusted = { sender: { id: wc.id }, senderFrame: { url, parent: null } };
  c.ipcChannels = [...ipcMain.handlers.keys()];
  c.storeInfo = await ipcMain.invoke('tillstream:invoke', trusted, 'store.info', {});
  c.badPin = await ipcMain.invoke('tillstream:invoke', trusted, 'session.signIn', { cashier_id: 'c1', pin: '1' });
  c.wrongPin = await ipcMain.invoke('tillstream:invoke', trusted, 'session.signIn', { cashier_id: 'c1', pin: '9999' });
  c.signIn = await ipcMain.invoke('tillstream:invoke', trusted, 'session.signIn', { cashier_id: 'c1', pin: '1234' });
  c.untrusted = await ipcMain.invoke('tillstream:invoke', { sender: { id: wc.id }, senderFrame: { url: 'https://evil.example/', parent: null } }, 'store.info', {});
  c.unknown = await ipcMain.invoke('tillstream:invoke', trusted, 'fs.readFile', {});
  try { await ipcMain.invoke('tillstream:other', trusted, 'store.info', {}); } catch (e) { c.otherChannel = String(e.message); }
  c.streams = wc.sent.map((s) => s[0] + ':' + s[1]);
  // Kiosk keys: what the page may see, and the manager-PIN exit (typed blind, never reaching the page).
  const key = (k, mods = {}) => { const e = prevent(); wc.emit('before-input-event', e, { type: 'keyDown', key: k, control: false, alt: false, shift: false, meta: false, ...mods }); return e.prevented; };
  c.keys = { devtools: key('I', { control: true, shift: true }), altF4: key('F4', { alt: true }), reload: key('F5'), ctrlAlt: key('Backspace', { control: true, alt: true }), letter: key('a'), digit: key('5'), enter: key('Enter') };
  const tick = () => new Promise((r) => setTimeout(r, 20));
  const typePin = async (pin) => { key('End', { control: true, shift: true, alt: true }); await tick(); return [...pin, 'Enter'].map((k) => key(k)); };
  c.wrongExit = await typePin('1234');
  await tick();
  c.afterWrong = { boxes: rec.boxes.slice(), quit: rec.calls.includes('quit') };
  c.rightExit = await typePin('9876');
}
async function attachedScenario(win, url) {
  const c = rec.checks;
  const wc = win.webContents;
  c.loadURL = url;
  c.windowOptions = win.options;
  const host = new URL(url).host;
  const cancel = (u) => new Promise((r) => webRequest.before({ url: u }, (res) => r(res.cancel)));
  c.cancel = {
    page: await cancel(url), script: await cancel('http://' + host + '/app.js'), ws: await cancel('ws://' + host + '/ws?token=x'),
    otherPort: await cancel('http://127.0.0.1:1/'), otherWs: await cancel('ws://127.0.0.1:1/'), remote: await cancel('https://example.com/x.js'), file: await cancel('file:///etc/passwd'),
  };
  c.headers = await new Promise((r) => webRequest.headers({ responseHeaders: {} }, (res) => r(res.responseHeaders)));
  c.permission = await new Promise((r) => defaultSession.permReq(wc, 'media', r, { requestingUrl: url }));
  const nav = prevent(); wc.emit('will-navigate', nav, 'https://evil.example/');
  const navOwn = prevent(); wc.emit('will-navigate', navOwn, url);
  const navApp = prevent(); wc.emit('will-navigate', navApp, 'app://register/index.html');
  const navOtherPort = prevent(); wc.emit('will-navigate', navOtherPort, 'http://127.0.0.1:1/');
  c.navigation = { evil: nav.prevented, own: navOwn.prevented, app: navApp.prevented, otherPort: navOtherPort.prevented };
  c.windowOpen = wc.openHandler({ url: 'https://evil.example/' });
  c.ipcChannels = [...ipcMain.handlers.keys()];
  app.quit();
}
class BrowserWindow extends EventEmitter {
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    app.emit('web-contents-created', {}, this.webContents);
  }
  show() {}
  isMinimized() { return false; }
  restore() {}
  focus() {}
  loadURL(url) { setImmediate(() => (url.startsWith('http:') ? attachedScenario : scenario)(this, url).catch((e) => { rec.error = String(e && e.stack || e); app.exit(3); })); return Promise.resolve(); }
}
rec.boxes = [];
const dialog = {
  showErrorBox(t, m) { rec.calls.push('showErrorBox'); rec.errorBox = t + ': ' + m; },
  showMessageBox(w, o) { rec.boxes.push(o.message); return Promise.resolve({ response: 0 }); },
};
module.exports = { app, protocol, session: { defaultSession }, ipcMain, BrowserWindow, dialog };
`;

const HOOK = String.raw`
const Module = require('node:module');
const orig = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'electron') return process.env.FAKE_ELECTRON;
  return orig.call(this, request, ...rest);
};
`;

let dir: string;
let built: BuildResult;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ts-electron-shell-'));
  built = await buildElectron({ outDir: path.join(dir, 'dist'), minify: false });
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runShell(config: unknown, args?: string[]): Promise<{ code: number | null; rec: Record<string, unknown> & { checks: Record<string, unknown>; calls: string[] }; stdout: string; stderr: string }> {
  const cfgFile = path.join(dir, `register-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(cfgFile, JSON.stringify(config));
  writeFileSync(path.join(dir, 'fake-electron.cjs'), FAKE_ELECTRON);
  writeFileSync(path.join(dir, 'hook.cjs'), HOOK);
  const result = path.join(dir, `result-${Math.random().toString(36).slice(2)}.json`);
  const child = spawn(process.execPath, ['-r', path.join(dir, 'hook.cjs'), path.join(built.outDir, 'main/electron/main.cjs'), ...(args ?? ['--config', cfgFile])], {
    env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), FAKE_ELECTRON: path.join(dir, 'fake-electron.cjs'), FAKE_RESULT: result, FAKE_USERDATA: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      let rec = { checks: {}, calls: [] } as unknown as Awaited<ReturnType<typeof runShell>>['rec'];
      try {
        rec = JSON.parse(readFileSync(result, 'utf8'));
      } catch {
        /* reported through code/stderr below */
      }
      resolve({ code, rec, stdout, stderr });
    });
  });
}

describe('electron build', () => {
  it('bundles main, preload and renderer; only electron and native modules stay external', () => {
    const main = readFileSync(built.files[0]!, 'utf8');
    const preload = readFileSync(built.files[1]!, 'utf8');
    const requires = (s: string) => [...new Set([...s.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!))];
    const nodeBuiltins = new Set(builtinModules);
    const external = requires(main).filter((r) => !r.startsWith('node:') && !nodeBuiltins.has(r));
    // builder-util-runtime: electron-updater's own HTTP layer, which the hub feed's executor extends (same copy).
    expect(external.every((r) => ['electron', 'electron-updater', 'builder-util-runtime', 'better-sqlite3', 'serialport', 'bufferutil', 'utf-8-validate'].includes(r)), external.join(',')).toBe(true);
    expect(main).not.toMatch(/require\("esbuild"\)/);
    expect(requires(preload)).toEqual(['electron']);
    expect(preload).toContain('tillstream:invoke');
    expect(readFileSync(built.files[2]!, 'utf8')).toMatch(/<script src="app.js"><\/script>/);
    expect(readFileSync(built.files[2]!, 'utf8')).not.toMatch(/<script>[^<]/);
  });
});

describe('electron shell (bundled main.cjs with a fake electron module)', () => {
  it('hardens the window and session, serves the UI on app://, bridges IPC to the real register, quits cleanly', async () => {
    const config = {
      terminal_id: 'T-01', store_id: 'S-01', store_name: 'Test Store', currency: 'EUR', journal_path: 'data/journal.db',
      cashiers: [{ cashier_id: 'c1', name: 'Ann', role: 'cashier', pin_hash: hashPin('1234') }, { cashier_id: 'm1', name: 'Max', role: 'manager', pin_hash: hashPin('9876') }],
      shell: { window: { mode: 'kiosk', devtools: true } },
    };
    const { code, rec, stderr, stdout } = await runShell(config);
    expect(rec.error, String(rec.error)).toBeUndefined();
    expect(code, stderr + stdout).toBe(0);
    const c = rec.checks as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the child
    expect(rec.calls.slice(0, 3)).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', 'requestSingleInstanceLock']);
    expect(rec.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    expect(c.loadURL).toBe('app://register/index.html');
    expect(c.windowOptions).toMatchObject({ kiosk: true, fullscreen: true, frame: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, webviewTag: false, devTools: false } });
    expect(c.windowOptions.webPreferences.preload).toBe(path.join(built.outDir, 'main/electron/preload.cjs'));
    expect(c.page.status).toBe(200);
    expect(c.page.csp).toMatch(/default-src 'none'; script-src 'self'/);
    expect(c.page.body).toContain('<div id="root"></div>');
    expect(c.js).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(c.js.bytes).toBeGreaterThan(10_000);
    expect(c.traversal).toBe(404);
    expect(c.post).toBe(405);
    expect(c.cancel).toEqual({ remote: true, file: true, own: false });
    expect(c.headers['Content-Security-Policy'][0]).toMatch(/connect-src 'none'/);
    expect([c.permission, c.permissionCheck, c.devicePermission]).toEqual([false, false, false]);
    expect(c.navigation).toEqual({ evil: true, own: false, redirect: true, webview: true });
    expect(c.windowOpen).toEqual({ action: 'deny' });
    expect(c.ipcChannels).toEqual(['tillstream:invoke']);
    expect(c.storeInfo).toMatchObject({ ok: true, result: { store_name: 'Test Store', terminal_id: 'T-01', currency: 'EUR' } });
    expect(c.badPin).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringMatching(/pin: must be 4 to 8 digits/) } });
    expect(c.wrongPin).toMatchObject({ ok: false });
    expect(c.signIn).toMatchObject({ ok: true, result: { cashier_id: 'c1' } });
    expect(c.untrusted).toMatchObject({ ok: false, error: { message: expect.stringMatching(/not the register window/) } });
    expect(c.unknown).toMatchObject({ ok: false, error: { message: 'unknown command "fs.readFile"' } });
    expect(c.otherChannel).toMatch(/No handler registered/);
    expect(c.streams).toContain('tillstream:event:session');
    // Kiosk: the ways out are swallowed, the register's keys pass; a cashier's PIN does not open
    // the exit (said in a box), a manager's does and the shell quits cleanly (exit 0).
    expect(c.keys).toEqual({ devtools: true, altF4: true, reload: true, ctrlAlt: true, letter: false, digit: false, enter: false });
    expect(c.wrongExit).toEqual([true, true, true, true, true]);
    expect(c.afterWrong).toEqual({ boxes: ['Leave the register', 'Wrong PIN. Only a manager can leave the register.'], quit: false });
    expect(c.rightExit).toEqual([true, true, true, true, true]);
    expect(rec.calls).toContain('quit');
    expect(rec.calls).toContain('exit:0');
    // journal_path is relative to the config file, not the process cwd
    expect(() => readFileSync(path.join(dir, 'data/journal.db'))).not.toThrow();
  }, 90_000);

  it('with --register-url (npm start): shows that browser host page, no register of its own, no IPC, one loopback origin', async () => {
    const url = 'http://127.0.0.1:41234/?token=AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    // No config file at all: an attached shell must not need (or read) register.json.
    const { code, rec, stderr, stdout } = await runShell(null, [`--register-url=${url}`]);
    expect(rec.error, String(rec.error)).toBeUndefined();
    expect(code, stderr + stdout).toBe(0);
    const c = rec.checks as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from the child
    expect(rec.calls.slice(0, 3)).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', 'requestSingleInstanceLock']);
    expect(c.loadURL).toBe(url);
    expect(c.windowOptions).toMatchObject({ kiosk: false, frame: true, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, webviewTag: false, devTools: false } });
    expect(c.windowOptions.webPreferences).not.toHaveProperty('preload');
    expect(c.cancel).toEqual({ page: false, script: false, ws: false, otherPort: true, otherWs: true, remote: true, file: true });
    expect(c.headers['Content-Security-Policy'][0]).toMatch(/default-src 'none'; script-src 'self'.*connect-src ws:\/\/127\.0\.0\.1:41234;/);
    expect(c.permission).toBe(false);
    expect(c.navigation).toEqual({ evil: true, own: false, app: true, otherPort: true });
    expect(c.windowOpen).toEqual({ action: 'deny' });
    expect(c.ipcChannels).toEqual([]);
    expect(rec.calls).not.toContain('protocol.handle:app');
    expect(stdout).not.toContain('AbCdEfGhIj'); // the launch token is not logged
    expect(rec.calls).toContain('exit:0');
  }, 90_000);

  it('refuses a --register-url that is not the browser host\'s loopback URL', async () => {
    const { code, rec } = await runShell(null, ['--register-url=https://example.com/?token=AbCdEfGhIjKlMnOpQrStUvWxYz012345']);
    expect(code).toBe(1);
    expect(String(rec.errorBox)).toMatch(/--register-url: must be http:\/\//);
  }, 60_000);

  it('refuses to start on a bad config and says which field', async () => {
    const { code, rec } = await runShell({ terminal_id: 'T-01', shell: { window: { mode: 'tv' } } });
    expect(code).toBe(1);
    expect(rec.calls).toContain('showErrorBox');
    expect(String(rec.errorBox)).toMatch(/shell\.window\.mode/);
  }, 60_000);
});
