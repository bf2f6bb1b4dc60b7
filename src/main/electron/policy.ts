// The Electron shell's security decisions as plain functions, so they are unit-tested without
// the Electron binary (which cannot be downloaded everywhere). main.ts only wires them to
// Electron's hooks. No `electron` import here on purpose. See docs/security.md.

/** The cashier UI is served from a custom, privileged (standard + secure) scheme, never from http or file. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'register';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** The only two IPC channels that exist between the cashier window and the main process. */
export const CHANNELS = Object.freeze({
  /** renderer → main: (name, params) → WireResponse */
  invoke: 'tillstream:invoke',
  /** main → renderer: (stream, data) */
  event: 'tillstream:event',
} as const);
export const ALLOWED_CHANNELS: readonly string[] = Object.freeze([CHANNELS.invoke, CHANNELS.event]);

export function isAllowedChannel(channel: unknown): boolean {
  return typeof channel === 'string' && ALLOWED_CHANNELS.includes(channel);
}

function parse(url: unknown): URL | null {
  if (typeof url !== 'string' || url.length > 4096) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** True only for our own origin (app://register/...). No credentials, no port, no other host. */
export function isAppUrl(url: unknown): boolean {
  const u = parse(url);
  return !!u && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '';
}

/**
 * Whether the window's session may load a URL at all (session.webRequest.onBeforeRequest).
 * Everything the renderer needs is in the bundle; there is no remote content. `data:` is
 * allowed because the CSP allows `img-src data:` (inline barcode images); devtools URLs only
 * when devtools are enabled (never in kiosk mode).
 */
export function isAllowedUrl(url: unknown, opts: { devtools?: boolean; attached?: AttachedHost | null } = {}): boolean {
  const u = parse(url);
  if (!u) return false;
  if (isAppUrl(url)) return true;
  if (opts.attached && isAttachedHostUrl(u, opts.attached)) return true;
  if (u.protocol === 'data:') return /^data:image\/(png|svg\+xml|gif|jpeg|webp)[;,]/i.test(String(url));
  if (opts.devtools && u.protocol === 'devtools:') return true;
  return false;
}

/** A navigation of the top window: only a reload of our own entry page (or of the attached host's page). */
export function isAllowedNavigation(url: unknown, attached: AttachedHost | null = null): boolean {
  const u = parse(url);
  if (!u) return false;
  if (attached) return u.protocol === 'http:' && isAttachedHostUrl(u, attached) && u.pathname === '/';
  return isAppUrl(url) && (u.pathname === '/' || u.pathname === '/index.html');
}

/**
 * The register's browser host on this machine, when the shell is started with
 * `--register-url=<url>` (`tillstream demo` / `npm start` does this): the window then shows
 * that register's page instead of starting a register of its own. Only the browser host's own
 * form is accepted — plain http on 127.0.0.1 or localhost with an explicit port, the root path
 * and its launch token — because that page is the whole trust boundary: the window may load and
 * connect to that one origin (its page and its WebSocket) and nothing else.
 */
export interface AttachedHost {
  /** The exact URL to load (with its token). */
  url: string;
  hostname: '127.0.0.1' | 'localhost';
  port: string;
}

export const REGISTER_URL_FLAG = '--register-url';

/** The `--register-url` of the command line: null when absent; throws (saying why) when present but not the browser host's form. */
export function attachedHostFromArgv(argv: readonly string[]): AttachedHost | null {
  let raw: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === REGISTER_URL_FLAG) raw = argv[i + 1] ?? '';
    else if (a.startsWith(`${REGISTER_URL_FLAG}=`)) raw = a.slice(REGISTER_URL_FLAG.length + 1);
  }
  if (raw === null) return null;
  const u = parse(raw);
  const why = !u
    ? 'not a URL'
    : u.protocol !== 'http:'
      ? "must be http:// (the register's browser host on this machine)"
      : u.hostname !== '127.0.0.1' && u.hostname !== 'localhost'
        ? 'must be on 127.0.0.1 or localhost'
        : !u.port
          ? 'must name the port'
          : u.username || u.password
            ? 'must not carry credentials'
            : u.pathname !== '/'
              ? 'must be the root page'
              : !/^[A-Za-z0-9_-]{16,128}$/.test(u.searchParams.get('token') ?? '')
                ? "must carry the browser host's token"
                : null;
  if (why) throw new Error(`${REGISTER_URL_FLAG}: ${why}`);
  return { url: u!.href, hostname: u!.hostname as AttachedHost['hostname'], port: u!.port };
}

/** The attached host's page and WebSocket, on its exact host and port. */
function isAttachedHostUrl(u: URL, attached: AttachedHost): boolean {
  return (u.protocol === 'http:' || u.protocol === 'ws:') && u.hostname === attached.hostname && u.port === attached.port && !u.username && !u.password;
}

/**
 * CSP of the attached host's page: the same as the app's, except that the page may connect to
 * its own host's WebSocket (that is how it reaches the register; there is no IPC bridge then).
 */
export function attachedCsp(attached: AttachedHost): string {
  return CSP.replace("connect-src 'none'", `connect-src ws://${attached.hostname}:${attached.port}`);
}

export interface SenderFrameLike {
  url: string;
  /** null for the top frame of the page */
  parent: unknown;
}

/**
 * An IPC message is accepted only from the main frame of our own window showing our own
 * origin: not from a sub-frame, not from a page that somehow navigated elsewhere, not from a
 * frame that is already gone (senderFrame null).
 */
export function isTrustedSender(
  event: { sender?: { id?: unknown } | null; senderFrame?: SenderFrameLike | null },
  expectedWebContentsId: number,
): boolean {
  if (!event || !event.sender || event.sender.id !== expectedWebContentsId) return false;
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return isAppUrl(frame.url);
}

/**
 * Content-Security-Policy of the cashier window, sent as a response header by the app://
 * protocol handler and added to every response by session.webRequest.onHeadersReceived.
 * No inline script, no inline style, no eval, no network: the renderer talks to the main
 * process only through the preload's IPC bridge (connect-src 'none').
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers sent with every app:// response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** Every permission (camera, notifications, HID, serial, USB, clipboard-read, ...) is refused: devices belong to the main process. */
export function decidePermission(_permission: string, _requestingUrl?: string): boolean {
  return false;
}

export type WindowMode = 'kiosk' | 'fullscreen' | 'windowed';

/**
 * The BrowserWindow's webPreferences. Every item of Electron's security checklist that is a
 * preference is set explicitly (even where it is the default), so a future default change or a
 * careless edit shows up in review and in the test.
 */
export function webPreferences(preloadPath: string | null, opts: { devtools?: boolean } = {}) {
  // null only for a window attached to the browser host, whose page talks over its WebSocket.
  if (preloadPath === '') throw new Error('webPreferences: a preload path is required (null: none, for an attached window)');
  return {
    ...(preloadPath === null ? {} : { preload: preloadPath }),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: opts.devtools === true,
    // Middle-click opens links in new windows (electronegativity AUXCLICK check).
    disableBlinkFeatures: 'Auxclick',
  } as const;
}

/** BrowserWindow constructor options for the register's window mode. */
export function windowOptions(
  preloadPath: string | null,
  win: { mode: WindowMode; width: number; height: number; devtools?: boolean },
) {
  const kiosk = win.mode === 'kiosk';
  return {
    width: win.width,
    height: win.height,
    minWidth: 800,
    minHeight: 600,
    show: false,
    backgroundColor: '#ffffff',
    title: 'Tillstream Register',
    autoHideMenuBar: true,
    kiosk,
    fullscreen: kiosk || win.mode === 'fullscreen',
    // A kiosk terminal has no window chrome to close or move the register by accident.
    frame: !kiosk,
    webPreferences: webPreferences(preloadPath, { devtools: !kiosk && win.devtools === true }),
  };
}

/**
 * Bounds how often a crashed cashier window is reloaded: at most `max` reloads within
 * `windowMs`. A renderer that crashes on every load must not spin forever; after the budget is
 * spent the shell stops reloading and says so.
 */
export function createReloadBudget(max = 3, windowMs = 60_000, now: () => number = Date.now) {
  if (!Number.isInteger(max) || max < 1) throw new Error('reload budget: max must be a positive integer');
  const times: number[] = [];
  return {
    /** True if one more reload is allowed now (and records it). */
    take(): boolean {
      const t = now();
      while (times.length > 0 && t - times[0]! >= windowMs) times.shift();
      if (times.length >= max) return false;
      times.push(t);
      return true;
    },
  };
}
