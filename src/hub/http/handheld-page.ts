import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { appShellHtml, contentSecurityPolicy, onceUntilFailed } from './page-shell';

// The handheld register (src/handheld) as the hub serves it at /handheld/: the page, the
// register's worker (the shared engine, journal and uplink over SQLite in WebAssembly), the
// service worker, the manifest and icon, bundled in memory with esbuild the first time a
// browser asks, like the HQ console. The worker is an ES module so that SQLite finds its
// WebAssembly file beside it (/handheld/sqlite3.wasm).
const HANDHELD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'handheld');
const require = createRequire(import.meta.url);

export interface HandheldBundle {
  html: string;
  app: string;
  css: string;
  worker: string;
  sw: string;
  wasm: Buffer;
  /** ZXing's reader in WebAssembly, for camera scanning where the browser has no barcode detector. */
  zxing: Buffer;
  manifest: string;
  icon: string;
  csp: string;
}

export const HANDHELD_CSP = contentSecurityPolicy([
  // WebAssembly (SQLite) is compiled, never eval'd JavaScript.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "manifest-src 'self'",
  // socket.io's websocket and the enrollment call, to this hub only.
  "connect-src 'self'",
]);

const HTML = appShellHtml({
  title: 'Tillstream handheld',
  base: '/handheld/',
  viewport: 'width=device-width, initial-scale=1, viewport-fit=cover',
  head: ['<meta name="theme-color" content="#1b2430">', '<link rel="manifest" href="/handheld/manifest.webmanifest">', '<link rel="icon" href="/handheld/icon.svg" type="image/svg+xml">'],
});

const MANIFEST = JSON.stringify({
  name: 'Tillstream handheld register',
  short_name: 'Tillstream',
  id: '/handheld/',
  start_url: '/handheld/',
  scope: '/handheld/',
  display: 'standalone',
  orientation: 'portrait',
  background_color: '#f3f5f8',
  theme_color: '#1b2430',
  icons: [{ src: '/handheld/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
}, null, 2);

/** The register code in the worker imports Node's event emitter; in a browser it is the `events` package. */
const browserEvents: Plugin = {
  name: 'node-events-in-browser',
  setup(b) {
    b.onResolve({ filter: /^node:events$/ }, () => ({ path: require.resolve('events/') }));
    // Anything else from Node reaching the browser bundle is a layering bug: fail the build.
    b.onResolve({ filter: /^node:/ }, (a) => ({ errors: [{ text: `${a.path} imported by ${a.importer}: the handheld runs in a browser` }] }));
  },
};

const common = {
  bundle: true,
  write: false,
  platform: 'browser' as const,
  target: ['chrome120', 'firefox120', 'safari16'],
  minify: true,
  sourcemap: false as const,
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  logLevel: 'silent' as const,
  plugins: [browserEvents],
};

export async function bundleHandheld(): Promise<HandheldBundle> {
  const [app, worker, sw] = await Promise.all([
    build({ ...common, entryPoints: [path.join(HANDHELD_DIR, 'app', 'index.tsx')], format: 'iife', jsx: 'automatic', outdir: '/out', loader: { '.css': 'css' } }),
    build({ ...common, entryPoints: [path.join(HANDHELD_DIR, 'worker', 'worker.ts')], format: 'esm', outdir: '/out' }),
    build({ ...common, entryPoints: [path.join(HANDHELD_DIR, 'sw.ts')], format: 'iife', outdir: '/out' }),
  ]);
  const pick = (r: { outputFiles?: { path: string; text: string }[] }, ext: string) => (r.outputFiles ?? []).find((f) => f.path.endsWith(ext))?.text ?? '';
  const bundle: HandheldBundle = {
    html: HTML,
    app: pick(app, '.js'),
    css: pick(app, '.css'),
    worker: pick(worker, '.js'),
    sw: pick(sw, '.js'),
    wasm: readFileSync(require.resolve('@sqlite.org/sqlite-wasm/sqlite3.wasm')),
    zxing: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')),
    manifest: MANIFEST,
    icon: readFileSync(path.join(HANDHELD_DIR, 'icon.svg'), 'utf8'),
    csp: HANDHELD_CSP,
  };
  if (!bundle.app || !bundle.worker || !bundle.sw) throw new Error('handheld bundle produced no JavaScript');
  return bundle;
}

/** The handheld app, bundled once per hub process (a failed bundle is retried on the next request). */
export const handheldBundle: () => Promise<HandheldBundle> = onceUntilFailed(bundleHandheld);
