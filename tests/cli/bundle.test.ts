import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { buildCli, cliBundleFresh } from '../../tools/build-cli.mjs';

// The CLI precompiled at install must behave exactly like the sources run through tsx, and
// must not be used once any source it was built from has changed.

describe('precompiled CLI (dist/cli)', { timeout: 120_000 }, () => {
  // Inside the checkout (dist/ is ignored by git), so the bundle resolves node_modules as dist/cli does.
  mkdirSync('dist', { recursive: true });
  const dir = mkdtempSync(path.resolve('dist', 'cli-test-'));
  const out = path.join(dir, 'cli');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const viaBundle = (args: string[]) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(path.join(out, 'main.mjs'))}); process.exitCode = await main(${JSON.stringify(args)});`], { encoding: 'utf8' });
  const viaTsx = (args: string[]) => spawnSync(process.execPath, ['bin/tillstream.mjs', ...args], { encoding: 'utf8', env: { ...process.env, TILLSTREAM_CLI_TSX: '1' } });

  it('gives the same output as the sources for a quick command, help, and a command that reads files beside its module', async () => {
    await buildCli(out);
    expect(cliBundleFresh(out)).toBe(true);
    for (const args of [['barcode', '4006381333931'], ['barcode', 'not-a-code'], ['--help']]) {
      const a = viaBundle(args);
      const b = viaTsx(args);
      expect({ args, out: a.stdout, err: a.stderr, status: a.status }).toEqual({ args, out: b.stdout, err: b.stderr, status: b.status });
    }
    // The HQ page (src/hub/http/hq-page.ts) and the hub migrations find their files through import.meta.url: the bundle keeps each module's own.
    const code = readdirSync(out).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(path.join(out, f), 'utf8')).join('\n');
    expect(code).toContain(JSON.stringify(pathToFileURL(path.resolve('src/hub/db/migrate.ts')).href));
    expect(code).toContain(JSON.stringify(pathToFileURL(path.resolve('src/hub/http/hq-page.ts')).href));
  });

  it('is stale once a source it was built from is newer than the build', () => {
    const manifest = JSON.parse(readFileSync(path.join(out, 'inputs.json'), 'utf8')) as { builtAt: number; inputs: string[] };
    const copy = path.join(dir, 'stale');
    rmSync(copy, { recursive: true, force: true });
    const fake = path.join(dir, 'source.ts');
    writeFileSync(fake, 'export {};');
    const future = new Date(manifest.builtAt + 60_000);
    utimesSync(fake, future, future);
    mkdirSync(copy);
    writeFileSync(path.join(copy, 'inputs.json'), JSON.stringify({ ...manifest, inputs: [...manifest.inputs, path.relative(process.cwd(), fake)] }));
    expect(cliBundleFresh(copy)).toBe(false);
    writeFileSync(path.join(copy, 'inputs.json'), JSON.stringify(manifest));
    expect(cliBundleFresh(copy)).toBe(true);
  });
});
