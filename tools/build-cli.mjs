#!/usr/bin/env node
// Precompiles the `tillstream` CLI (src/cli, with the layers it uses) into dist/cli/ with
// esbuild, so the command starts without loading TypeScript through tsx. Run at install
// (postinstall) and by `npm run build:cli`. bin/tillstream.mjs uses the bundle only while it
// is fresh (no input changed since the build, same checkout folder) and falls back to tsx
// otherwise, so an edited source is never run stale.
//
// npm packages stay external (native modules, and they load from node_modules as usual); each
// command module is its own chunk, loaded only when its command runs.

import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_DIST = path.join(ROOT, 'dist', 'cli');
export const CLI_MANIFEST = path.join(CLI_DIST, 'inputs.json');

// Sources find files beside them (SQL migrations, the HQ page, the renderer) through
// import.meta.url; in a bundle that would be the chunk's URL, so each module keeps its own.
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.tsx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

// Pure-JS packages the quick commands need are bundled in: loading zod from its hundreds of
// ESM files costs more than all of our code; in one chunk it loads in a fraction of that.
const BUNDLED = ['zod', 'commander'];

function externals() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((n) => !BUNDLED.includes(n));
  return names.flatMap((n) => [n, `${n}/*`]);
}

export async function buildCli(outDir = CLI_DIST) {
  const { build } = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const builtAt = Date.now();
  const result = await build({
    entryPoints: { main: path.join(ROOT, 'src', 'cli', 'main.ts') },
    absWorkingDir: ROOT,
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    external: externals(),
    outExtension: { '.js': '.mjs' },
    plugins: [keepImportMetaUrl],
    // commander is CommonJS: its require('node:events') needs a require in the ESM output.
    banner: { js: "import { createRequire as __tillstreamRequire } from 'node:module'; const require = __tillstreamRequire(import.meta.url);" },
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  // Bundled packages change only with an install, which rebuilds; the sources are what is watched.
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules/'));
  writeFileSync(path.join(tmp, 'inputs.json'), JSON.stringify({ root: ROOT, builtAt, inputs }, null, 1));
  // Swap in whole, so a CLI starting meanwhile sees the old bundle or the new, never half.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.dirname(outDir), { recursive: true });
  renameSync(tmp, outDir);
  return { files: inputs.length };
}

/** Whether dist/cli was built from exactly the sources in this checkout. */
export function cliBundleFresh(dir = CLI_DIST) {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, 'inputs.json'), 'utf8'));
    if (m.root !== ROOT) return false;
    for (const f of m.inputs) if (statSync(path.resolve(ROOT, f)).mtimeMs > m.builtAt) return false;
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  buildCli().then(
    (r) => process.stdout.write(`tillstream: CLI precompiled (${r.files} sources, ${Date.now() - started} ms) into dist/cli\n`),
    (err) => {
      process.stderr.write(`tillstream: could not precompile the CLI (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); it runs through tsx instead\n`);
      process.exitCode = 0; // never fails an install
    },
  );
}
