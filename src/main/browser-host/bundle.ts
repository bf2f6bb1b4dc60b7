import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

// Bundles the cashier UI (src/renderer) in memory with esbuild at start, so the browser host
// and the Electron shell load the same code without a separate build step in development.

const here = path.dirname(fileURLToPath(import.meta.url));
export const RENDERER_DIR = path.resolve(here, '../../renderer');

export interface RendererBundle {
  js: string;
  css: string;
  html: string;
}

export async function bundleRenderer(opts: { minify?: boolean } = {}): Promise<RendererBundle> {
  const result = await build({
    entryPoints: [path.join(RENDERER_DIR, 'index.tsx')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: opts.minify ?? false,
    sourcemap: false,
    outdir: '/out',
    loader: { '.css': 'css' },
    define: { 'process.env.NODE_ENV': JSON.stringify(opts.minify ? 'production' : 'development') },
    logLevel: 'silent',
  });
  let js = '';
  let css = '';
  for (const f of result.outputFiles) {
    if (f.path.endsWith('.js')) js = f.text;
    else if (f.path.endsWith('.css')) css = f.text;
  }
  if (!js) throw new Error('renderer bundle produced no JavaScript');
  return { js, css, html: INDEX_HTML };
}

/** Strict CSP: only our own script and style, no inline script, connections only back to us. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tillstream Register</title>
<link rel="stylesheet" href="app.css">
</head>
<body>
<div id="root"></div>
<script src="app.js"></script>
</body>
</html>
`;
