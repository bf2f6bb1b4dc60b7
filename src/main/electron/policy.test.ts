import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  APP_ENTRY_URL,
  attachedCsp,
  attachedHostFromArgv,
  CHANNELS,
  createReloadBudget,
  CSP,
  decidePermission,
  isAllowedChannel,
  isAllowedNavigation,
  isAllowedUrl,
  isAppUrl,
  isTrustedSender,
  webPreferences,
  windowOptions,
} from './policy';

describe('electron policy: URLs', () => {
  it('allows only our own app:// origin and inline images', () => {
    expect(isAllowedUrl(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedUrl('app://register/app.js')).toBe(true);
    expect(isAllowedUrl('data:image/png;base64,iVBORw0KGgo=')).toBe(true);
    for (const bad of [
      'https://example.com/',
      'http://127.0.0.1:8080/',
      'file:///etc/passwd',
      'app://evil/index.html',
      'app://register.evil/index.html',
      'app://user:pw@register/index.html',
      'ws://127.0.0.1:1/ws',
      'data:text/html,<script>alert(1)</script>',
      'javascript:alert(1)',
      'devtools://devtools/bundled/inspector.html',
      '',
      'not a url',
      42,
      null,
    ]) {
      expect(isAllowedUrl(bad), String(bad)).toBe(false);
    }
    expect(isAllowedUrl('devtools://devtools/bundled/inspector.html', { devtools: true })).toBe(true);
  });

  it('no http(s) URL is ever allowed, whatever the host', () => {
    fc.assert(fc.property(fc.webUrl(), (url) => !isAllowedUrl(url) && !isAllowedNavigation(url) && !isAppUrl(url)), { numRuns: 50 });
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('navigation only reloads our entry page', () => {
    expect(isAllowedNavigation(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedNavigation('app://register/')).toBe(true);
    expect(isAllowedNavigation('app://register/app.js')).toBe(false);
    expect(isAllowedNavigation('https://register/index.html')).toBe(false);
    expect(isAllowedNavigation('file:///index.html')).toBe(false);
  });
});

describe('electron policy: IPC sender', () => {
  const ok = { sender: { id: 7 }, senderFrame: { url: 'app://register/index.html', parent: null } };
  it('trusts the main frame of our window on our origin', () => {
    expect(isTrustedSender(ok, 7)).toBe(true);
  });
  it('refuses other windows, sub-frames, gone frames and foreign origins', () => {
    expect(isTrustedSender({ ...ok, sender: { id: 8 } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: ok.senderFrame.url, parent: {} } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: null }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: 'https://evil.example/', parent: null } }, 7)).toBe(false);
    expect(isTrustedSender({ ...ok, senderFrame: { url: 'file:///tmp/x.html', parent: null } }, 7)).toBe(false);
    expect(isTrustedSender({ sender: null, senderFrame: ok.senderFrame }, 7)).toBe(false);
  });
  it('has a fixed allow-list of two channels', () => {
    expect(isAllowedChannel(CHANNELS.invoke)).toBe(true);
    expect(isAllowedChannel(CHANNELS.event)).toBe(true);
    expect(isAllowedChannel('tillstream:other')).toBe(false);
    expect(isAllowedChannel(undefined)).toBe(false);
  });
});

describe('electron policy: window', () => {
  it('sets every security preference of the checklist', () => {
    const p = webPreferences('/app/preload.cjs');
    expect(p).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
    });
    expect(p).not.toHaveProperty('enableBlinkFeatures');
    expect(() => webPreferences('')).toThrow(/preload/);
  });
  it('kiosk mode is fullscreen, frameless and never has devtools', () => {
    const k = windowOptions('/p.cjs', { mode: 'kiosk', width: 1280, height: 800, devtools: true });
    expect(k).toMatchObject({ kiosk: true, fullscreen: true, frame: false });
    expect(k.webPreferences.devTools).toBe(false);
    const w = windowOptions('/p.cjs', { mode: 'windowed', width: 1024, height: 768, devtools: true });
    expect(w).toMatchObject({ kiosk: false, fullscreen: false, frame: true, width: 1024, height: 768 });
    expect(w.webPreferences.devTools).toBe(true);
    expect(windowOptions('/p.cjs', { mode: 'fullscreen', width: 1024, height: 768 })).toMatchObject({ kiosk: false, fullscreen: true });
  });
  it('CSP forbids inline script, eval, inline style and any network', () => {
    const d = Object.fromEntries(CSP.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1)]));
    expect(d['default-src']).toEqual(["'none'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['style-src']).toEqual(["'self'"]);
    expect(d['connect-src']).toEqual(["'none'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:/);
  });
  it('denies every permission', () => {
    for (const p of ['media', 'geolocation', 'notifications', 'hid', 'serial', 'usb', 'clipboard-read', 'openExternal', 'fullscreen']) {
      expect(decidePermission(p, APP_ENTRY_URL)).toBe(false);
    }
  });
});

describe('electron policy: a window attached to the browser host (--register-url)', () => {
  const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
  const url = `http://127.0.0.1:41234/?token=${TOKEN}`;
  it('takes the flag in both forms, and only the browser host\'s own URL form', () => {
    expect(attachedHostFromArgv(['electron', 'main.cjs'])).toBeNull();
    expect(attachedHostFromArgv(['electron', 'main.cjs', `--register-url=${url}`])).toEqual({ url, hostname: '127.0.0.1', port: '41234' });
    expect(attachedHostFromArgv(['electron', 'main.cjs', '--register-url', url.replace('127.0.0.1', 'localhost')])).toMatchObject({ hostname: 'localhost', port: '41234' });
    for (const [bad, why] of [
      ['https://127.0.0.1:41234/?token=' + TOKEN, /http:\/\//],
      ['http://example.com:41234/?token=' + TOKEN, /127\.0\.0\.1/],
      ['http://10.0.0.2:41234/?token=' + TOKEN, /127\.0\.0\.1/],
      ['http://127.0.0.1/?token=' + TOKEN, /port/],
      ['http://u:p@127.0.0.1:41234/?token=' + TOKEN, /credentials/],
      ['http://127.0.0.1:41234/admin?token=' + TOKEN, /root page/],
      ['http://127.0.0.1:41234/', /token/],
      ['http://127.0.0.1:41234/?token=short', /token/],
      ['file:///etc/passwd', /http:\/\//],
      ['not a url', /not a URL/],
      ['', /not a URL/],
    ] as const) {
      expect(() => attachedHostFromArgv(['e', `--register-url=${bad}`]), bad).toThrow(why);
    }
    expect(() => attachedHostFromArgv(['e', '--register-url'])).toThrow(/not a URL/);
  });
  it('allows that one origin (page and WebSocket) and nothing else; navigation only to its page', () => {
    const a = attachedHostFromArgv(['e', `--register-url=${url}`])!;
    expect(isAllowedUrl(url, { attached: a })).toBe(true);
    expect(isAllowedUrl('http://127.0.0.1:41234/app.js', { attached: a })).toBe(true);
    expect(isAllowedUrl('ws://127.0.0.1:41234/ws?token=x', { attached: a })).toBe(true);
    for (const bad of ['http://127.0.0.1:41235/', 'ws://127.0.0.1:41235/ws', 'http://localhost:41234/', 'https://127.0.0.1:41234/', 'http://u:p@127.0.0.1:41234/', 'https://example.com/', 'file:///etc/passwd']) {
      expect(isAllowedUrl(bad, { attached: a }), bad).toBe(false);
    }
    // Not attached: the loopback origin stays refused (the app:// window has no network).
    expect(isAllowedUrl(url)).toBe(false);
    expect(isAllowedNavigation(url, a)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:41234/', a)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:41234/app.js', a)).toBe(false);
    expect(isAllowedNavigation('ws://127.0.0.1:41234/', a)).toBe(false);
    expect(isAllowedNavigation(APP_ENTRY_URL, a)).toBe(false);
    expect(isAllowedNavigation('https://evil.example/', a)).toBe(false);
    expect(isAllowedNavigation(url)).toBe(false);
  });
  it('its CSP is the app\'s, with connections only to that WebSocket', () => {
    const a = attachedHostFromArgv(['e', `--register-url=${url}`])!;
    const csp = attachedCsp(a);
    expect(csp).toContain('connect-src ws://127.0.0.1:41234;');
    expect(csp.replace('connect-src ws://127.0.0.1:41234', "connect-src 'none'")).toBe(CSP);
  });
  it('has no preload (its page talks over the WebSocket) and the same security preferences', () => {
    const p = webPreferences(null);
    expect(p).not.toHaveProperty('preload');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, devTools: false });
  });
});

describe('electron policy: reload budget', () => {
  it('allows 3 reloads a minute, then refuses until the window has passed', () => {
    let t = 0;
    const b = createReloadBudget(3, 60_000, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t = 59_999;
    expect(b.take()).toBe(false);
    t = 60_000;
    expect(b.take()).toBe(true);
    expect(() => createReloadBudget(0)).toThrow(/positive/);
  });
});
