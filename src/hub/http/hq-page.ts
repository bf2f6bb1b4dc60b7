import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { appShellHtml, contentSecurityPolicy, onceUntilFailed } from './page-shell';

// The HQ console (src/hq, React) bundled in memory with esbuild the first time a browser asks
// for it, as the register's browser host bundles the cashier UI: no build step for a clean
// clone, and the hub serves exactly the sources it runs with. The page has no inline script or
// style, so its CSP allows only the hub's own files.
const HQ_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'hq');

export interface HqBundle {
  html: string;
  js: string;
  css: string;
  csp: string;
}

export const HQ_CSP = contentSecurityPolicy([
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  // socket.io's websocket back to this hub.
  "connect-src 'self'",
]);

const HTML = appShellHtml({ title: 'Tillstream HQ', base: '/hq/' });

export async function bundleHq(opts: { minify?: boolean } = {}): Promise<HqBundle> {
  const result = await build({
    entryPoints: [path.join(HQ_DIR, 'index.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari16'],
    jsx: 'automatic',
    minify: opts.minify ?? true,
    sourcemap: false,
    outdir: '/out',
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    logLevel: 'silent',
  });
  let js = '';
  let css = '';
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.js')) js = f.text;
    else if (f.path.endsWith('.css')) css = f.text;
  }
  if (!js) throw new Error('HQ console bundle produced no JavaScript');
  return { html: HTML, js, css, csp: HQ_CSP };
}

/** The console, bundled once per hub process (a failed bundle is retried on the next request). */
export const hqPage: () => Promise<HqBundle> = onceUntilFailed(() => bundleHq());
