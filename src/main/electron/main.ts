import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, type Session, type WebContents } from 'electron';
import { autoUpdater } from 'electron-updater';
import { redactPans } from '../../core/pci';
import { DriverDevices, journalPaymentHooks, NoDevices, startRegister, type RegisterDevices, type RunningRegister } from '../register';
import { classifyKey, KioskExitGate, PinCapture } from '../kiosk';
import { nodePinCheck } from '../register/pins';
import { loadAppAssets, serveApp } from './app-protocol';
import { attachIpcBridge, type IpcBridge } from './ipc-bridge';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  attachedCsp,
  attachedHostFromArgv,
  createReloadBudget,
  CSP,
  decidePermission,
  isAllowedNavigation,
  isAllowedUrl,
  windowOptions,
  type AttachedHost,
} from './policy';
import { loadShellConfig, resolveConfigPath, shellConfigSchema, type LoadedConfig, type ShellConfig } from './shell-config';
import { attachHubFeed, BootGuard, createUpdateController, registerUpdateState, sendUpdateReports, type AutoUpdaterLike, type UpdateController } from '../updates';

// Electron entry of the register (bundled to dist/main/electron/main.cjs by build.ts). Thin on
// purpose: every decision is a tested function in policy.ts / ipc-bridge.ts / ../updates;
// this file only connects them to Electron. See docs/security.md for the checklist.
//
// Two ways to run: on its own (the terminal's register.json: the shell runs the register and
// the window talks to it over IPC), or attached with `--register-url=<browser host URL>` (what
// `tillstream demo` / `npm start` does): a register already runs in another process, and the
// window shows that register's page, which talks to it over its WebSocket. The same hardening
// applies to both; attached, the one loopback origin is allowed instead of an IPC bridge.

// Log lines may quote device errors and URLs: card numbers are masked before anything is written.
const log = (msg: string) => console.log(`[tillstream] ${redactPans(msg)}`);

// Must happen before `ready`.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

let win: BrowserWindow | null = null;
let register: RunningRegister | null = null;
let bridge: IpcBridge | null = null;
let updates: UpdateController | null = null;
let quitting = false;

/** Applied to every webContents the app ever creates (window, devtools, anything). */
function hardenWebContents(contents: WebContents, devtools: boolean, attached: AttachedHost | null): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, attached)) {
      event.preventDefault();
      log(`navigation blocked: ${url.slice(0, 200)}`);
    }
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAllowedNavigation(event.url, attached)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, attached)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (!devtools) contents.on('devtools-opened', () => contents.closeDevTools());
}

function hardenSession(ses: Session, devtools: boolean, attached: AttachedHost | null): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => callback(decidePermission(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_wc, permission, origin) => decidePermission(permission, origin));
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_req, callback) => callback({}));
  ses.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    const allowed = isAllowedUrl(details.url, { devtools, attached });
    if (!allowed) log(`request blocked: ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [attached ? attachedCsp(attached) : CSP] } });
  });
  // No downloads from the cashier window.
  ses.on('will-download', (event) => event.preventDefault());
}

async function startDevices(cfg: LoadedConfig, journal: Parameters<typeof journalPaymentHooks>[0]): Promise<RegisterDevices> {
  try {
    return await DriverDevices.start(cfg.register, { log, hooks: journalPaymentHooks(journal) });
  } catch (err) {
    // A broken device must not stop the register from selling; store IT sees it in the device list.
    log(`devices: ${err instanceof Error ? err.message : String(err)}; continuing without devices`);
    return new NoDevices();
  }
}

/**
 * Kiosk mode: the keys that would leave the register or open the browser's tools never reach
 * the page (../kiosk/keys.ts). The manager's exit chord asks for a manager PIN, typed blind:
 * the shell collects the digits itself, so the page never sees them (../kiosk/exit-gate.ts).
 */
function guardKioskKeys(contents: WebContents, gate: KioskExitGate): void {
  const capture = new PinCapture();
  const say = (message: string, detail?: string) => (win ? dialog.showMessageBox(win, { type: 'info', message, ...(detail ? { detail } : {}), buttons: ['OK', 'Cancel'], defaultId: 0, cancelId: 1 }) : Promise.resolve({ response: 1 }));
  contents.on('before-input-event', (event, input) => {
    if (capture.capturing) {
      event.preventDefault();
      if (input.type !== 'keyDown') return;
      const r = capture.key(input.key);
      if (r.action !== 'submit') return;
      const res = gate.tryExit(r.pin);
      if (res.ok) app.quit();
      else void say(res.message);
      return;
    }
    const d = classifyKey(input);
    if (d.action === 'pass') return;
    event.preventDefault();
    if (d.action === 'exit') {
      void say('Leave the register', 'Press OK, then type a manager PIN and press Enter (Escape cancels).').then((r) => {
        if (r.response === 0) capture.start();
      });
    }
  });
}

/** The window: our app:// page bridged to `reg` over IPC, or (reg null) the attached host's page. */
async function createWindow(shell: ShellConfig, reg: RunningRegister | null, attached: AttachedHost | null, kiosk: KioskExitGate | null = null): Promise<void> {
  const devtools = shell.window.mode !== 'kiosk' && shell.window.devtools;
  // Attached, the page has no preload: window.tillstream is absent, so it uses its WebSocket.
  const preload = reg ? path.join(__dirname, 'preload.cjs') : null;
  const entry = attached ? attached.url : APP_ENTRY_URL;
  const options = windowOptions(preload, { ...shell.window, devtools });
  win = new BrowserWindow({
    ...options,
    webPreferences: {
      ...options.webPreferences,
      // Restated at the call site: no edit of windowOptions() can weaken these, and static
      // scanners (electronegativity) can see them. shell.test.ts checks what Electron receives.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const contents = win.webContents;
  if (kiosk && shell.window.mode === 'kiosk') guardKioskKeys(contents, kiosk);
  if (reg) bridge = attachIpcBridge({ ipcMain, handler: reg.service, webContents: contents, log });
  win.once('ready-to-show', () => win?.show());
  const reloads = createReloadBudget();
  contents.on('render-process-gone', (_e, details) => {
    if (quitting || contents.isDestroyed()) return;
    if (!reloads.take()) {
      log(`renderer gone (${details.reason}) again; not reloading (more than 3 crashes in a minute)`);
      dialog.showErrorBox('Tillstream', 'The register window keeps crashing. Restart the register; if it happens again, call store IT.');
      return;
    }
    log(`renderer gone (${details.reason}); reloading`);
    void contents.loadURL(entry);
  });
  win.on('closed', () => {
    bridge?.detach();
    bridge = null;
    win = null;
  });
  await win.loadURL(entry);
}

async function shutdown(): Promise<void> {
  // Decide about the update while the journal is still open, close the register cleanly
  // (journal last), and only then start the installer: it never runs beside an open journal.
  const install = updates?.decideAtQuit() ?? false;
  bridge?.detach();
  bridge = null;
  await register?.close().catch((err) => log(`close: ${err instanceof Error ? err.message : String(err)}`));
  register = null;
  if (install) {
    // The installer starts the new version while this process is still exiting: it waits for
    // our single-instance lock instead of giving up (see the end of this file).
    process.env.TILLSTREAM_UPDATE_RESTART = '1';
    updates?.install();
  }
  app.exit(0);
}

function onQuit(): void {
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    void shutdown();
  });
  app.on('window-all-closed', () => app.quit());
}

/** Attached to a register that runs elsewhere (the demo's): a window on its page, nothing more. */
async function mainAttached(attached: AttachedHost): Promise<void> {
  // A desktop window (not kiosk), without devtools: the demo runs on a developer's screen.
  const shell = shellConfigSchema.parse({ window: { mode: 'windowed' } });
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, false, attached));
  hardenSession(session.defaultSession, false, attached);
  log(`showing the register at http://${attached.hostname}:${attached.port}/`);
  await createWindow(shell, null, attached);
  onQuit();
}

async function main(): Promise<void> {
  let cfg: LoadedConfig & { warnings: string[] };
  let guard: BootGuard;
  let started: ReturnType<BootGuard['supervise']>;
  try {
    await app.whenReady();
    const attached = attachedHostFromArgv(process.argv);
    if (attached) return await mainAttached(attached);
    // First, before the config and the journal: a version installed by an update must reach
    // ready in time, or the previous version is put back (../updates/boot-guard.ts).
    const userData = app.getPath('userData');
    guard = new BootGuard({ file: path.join(userData, 'update-guard.json'), keepDir: path.join(userData, 'previous-version'), log });
    let exiting = false;
    started = guard.supervise(app.getVersion(), {
      running: process.env.APPIMAGE,
      exit: (code, message) => {
        exiting = true;
        log(message);
        app.exit(code);
      },
    });
    if (exiting) return;
    cfg = loadShellConfig(resolveConfigPath(process.argv, process.env, userData));
  } catch (err) {
    dialog.showErrorBox('Tillstream cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  for (const w of cfg.warnings) log(w);
  const devtools = cfg.shell.window.mode !== 'kiosk' && cfg.shell.window.devtools;
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, devtools, null));
  hardenSession(session.defaultSession, devtools, null);

  const assets = loadAppAssets(path.join(__dirname, '..', '..', 'renderer'));
  protocol.handle(APP_SCHEME, (request) => {
    const r = serveApp(request.method, request.url, assets);
    return new Response(typeof r.body === 'string' ? r.body : new Uint8Array(r.body), { status: r.status, headers: r.headers });
  });

  // The version the hub sees in hello (the HQ register list, `tillstream updates status`) is the installed one.
  register = await startRegister({ config: { ...cfg.register, app_version: app.getVersion() }, devices: (journal) => startDevices(cfg, journal), browser: false, log });
  const reg = register;
  const hub = cfg.register.hub;

  // Linux (AppImage, deb) and Windows (NSIS) updaters are BaseUpdaters: install() starts the
  // installer without quitting, so the shell closes the journal first. (No macOS build.)
  const updater = autoUpdater as unknown as AutoUpdaterLike;
  if (cfg.shell.updates.enabled && app.isPackaged && typeof updater.install === 'function') {
    // The hub's feed with this terminal's credential and pin, unless store IT named a plain server.
    const fromHub = !cfg.shell.updates.url && hub !== null;
    if (fromHub) attachHubFeed(autoUpdater, { url: hub.url, token: hub.token, ca: hub.ca, pin: hub.pin, insecure: hub.insecure });
    updates = createUpdateController({
      updater,
      follow: fromHub ? 'hub' : 'newer',
      state: () => registerUpdateState(reg.journal),
      requireClosedShift: cfg.shell.updates.require_closed_shift,
      window: cfg.shell.updates.window,
      feedUrl: cfg.shell.updates.url,
      refused: () => guard.refused(),
      beforeInstall: (to) => guard.prepareInstall({ from: app.getVersion(), to, appImage: process.env.APPIMAGE }),
      installFailed: () => guard.abandon(),
      requestQuit: () => app.quit(),
      log,
    });
    // Re-check the policy on every sync status, sale and shift change.
    reg.service.subscribe((stream) => {
      if (stream === 'sync' || stream === 'sale' || stream === 'session') updates?.onStatusChange();
    });
    void updates.check();
    setInterval(() => void updates?.check(), cfg.shell.updates.check_interval_minutes * 60_000).unref();
  }

  const managers = cfg.register.cashiers;
  await createWindow(cfg.shell, reg, null, new KioskExitGate(() => managers, nodePinCheck, { log }));
  onQuit();
  // Ready: journal open, window shown. A freshly installed version is now kept.
  const installed = started.ready();
  if (installed) log(`update ${installed.version} installed (${installed.detail})`);
  if (hub) {
    const send = () => void sendUpdateReports(guard, { url: hub.url, token: hub.token, ca: hub.ca, pin: hub.pin, insecure: hub.insecure }).then((r) => r.error && log(`update reports: ${r.error}`));
    send();
    setInterval(send, 15 * 60_000).unref();
  }
}

/**
 * Another register already runs on this terminal: two would share one journal. Right after an
 * update the old process may still be exiting, so the new one waits for the lock (bounded).
 */
async function singleInstance(): Promise<boolean> {
  if (app.requestSingleInstanceLock()) return true;
  if (process.env.TILLSTREAM_UPDATE_RESTART !== '1') return false;
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 250));
    if (app.requestSingleInstanceLock()) return true;
  }
  return false;
}

void singleInstance().then((alone) => {
  if (!alone) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  main().catch((err) => {
    log(`fatal: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    dialog.showErrorBox('Tillstream stopped', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
});
