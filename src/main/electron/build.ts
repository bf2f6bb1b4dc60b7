import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { bundleRenderer } from '../browser-host/bundle';

// Bundles the Electron app into dist/ (what package.json "main" and electron-builder use):
//   dist/main/electron/main.cjs     main process (node, cjs)
//   dist/main/electron/preload.cjs  sandboxed preload (cjs, no Node built-ins)
//   dist/renderer/index.html, app.js, app.css   the cashier UI (same bundler as the browser host)
// Run: node bin/run-ts.mjs src/main/electron/build.ts [--outdir dir] [--no-minify]

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../../..');

/**
 * Left out of the bundle and loaded from node_modules at run time: Electron itself, native
 * modules (rebuilt for Electron by electron-builder, unpacked from the asar), ws's optional
 * native helpers, and electron-updater (a runtime dependency that requires electron).
 */
export const EXTERNALS = [
  'electron',
  'electron-updater',
  'builder-util-runtime',
  'better-sqlite3',
  'serialport',
  '@serialport/*',
  'node-hid',
  'usb',
  'bufferutil',
  'utf-8-validate',
] as const;

/**
 * The browser host (imported by the register composition) bundles the renderer with esbuild at
 * run time. The Electron app never does (browser: false; the UI is pre-built), and esbuild is
 * a dev dependency that is not shipped, so it is replaced by a stub that fails loudly if used.
 */
const stubEsbuild: Plugin = {
  name: 'stub-esbuild',
  setup(b) {
    b.onResolve({ filter: /^esbuild$/ }, () => ({ path: 'esbuild', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export function build() { throw new Error('esbuild is not part of the packaged register; the renderer is pre-built in dist/renderer'); }",
      loader: 'js',
    }));
  },
};

export interface BuildResult {
  outDir: string;
  files: string[];
}

export async function buildElectron(opts: { outDir?: string; minify?: boolean } = {}): Promise<BuildResult> {
  const outDir = path.resolve(opts.outDir ?? path.join(ROOT, 'dist'));
  const minify = opts.minify ?? true;
  const mainDir = path.join(outDir, 'main', 'electron');
  const rendererDir = path.join(outDir, 'renderer');
  mkdirSync(mainDir, { recursive: true });
  mkdirSync(rendererDir, { recursive: true });

  await build({
    entryPoints: [path.join(here, 'main.ts')],
    outfile: path.join(mainDir, 'main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: ['node22'],
    external: [...EXTERNALS],
    plugins: [stubEsbuild],
    // ESM sources use import.meta.url; in a cjs bundle it comes from __filename.
    define: { 'import.meta.url': '__tillstreamImportMetaUrl' },
    banner: { js: "const __tillstreamImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    minify,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
  });

  await build({
    entryPoints: [path.join(here, 'preload.ts')],
    outfile: path.join(mainDir, 'preload.cjs'),
    bundle: true,
    // A sandboxed preload has no Node built-ins; 'browser' makes any accidental one a build error.
    platform: 'browser',
    format: 'cjs',
    target: ['chrome120'],
    external: ['electron'],
    minify,
    logLevel: 'silent',
  });

  const ui = await bundleRenderer({ minify });
  writeFileSync(path.join(rendererDir, 'index.html'), ui.html);
  writeFileSync(path.join(rendererDir, 'app.js'), ui.js);
  writeFileSync(path.join(rendererDir, 'app.css'), ui.css);

  return {
    outDir,
    files: [
      path.join(mainDir, 'main.cjs'),
      path.join(mainDir, 'preload.cjs'),
      path.join(rendererDir, 'index.html'),
      path.join(rendererDir, 'app.js'),
      path.join(rendererDir, 'app.css'),
    ],
  };
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const argv = process.argv.slice(2);
  buildElectron({ outDir: argValue(argv, '--outdir'), minify: !argv.includes('--no-minify') })
    .then((r) => {
      for (const f of r.files) console.log(path.relative(process.cwd(), f));
    })
    .catch((err) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    });
}
