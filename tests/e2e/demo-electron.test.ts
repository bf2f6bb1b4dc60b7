import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from './harness';

// Issue 21: `npm start` (the `tillstream demo` command, run as a user runs it) opens the
// register in Electron when there is one. The Electron binary cannot be downloaded here, so a
// stand-in executable is named by TILLSTREAM_ELECTRON (the same decision as the checkout's
// node_modules/electron binary, see src/cli/commands/demo-window.test.ts); it records how it
// was started. The demo must start it on the bundled shell (building the shell if it is
// missing or stale) with the register URL it printed, and stop it when the demo stops.

const ROOT = path.resolve(__dirname, '../..');

describe('npm start with Electron present', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-demo-electron-'));
  let demo: ChildProcess | null = null;
  afterAll(() => {
    if (demo && demo.exitCode === null) demo.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('spawns Electron on the bundled shell with --register-url=<the printed register URL>, and stops it with the demo', async () => {
    const standIn = path.join(dir, 'electron');
    const record = path.join(dir, 'started.json');
    writeFileSync(
      standIn,
      `#!${process.execPath}\nrequire('node:fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({ args: process.argv.slice(2), pid: process.pid }));\nsetInterval(() => {}, 1000);\n`,
    );
    chmodSync(standIn, 0o755);
    // Started from another folder: the demo finds the checkout from its own location.
    demo = spawn(process.execPath, [path.join(ROOT, 'bin', 'tillstream.mjs'), 'demo', '--dir', path.join(dir, 'demo')], {
      cwd: dir,
      env: { ...process.env, TILLSTREAM_ELECTRON: standIn, DATABASE_URL: '', LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    demo.stdout!.on('data', (d) => (out += d));
    demo.stderr!.on('data', (d) => (out += d));
    await waitFor(() => existsSync(record) && readFileSync(record, 'utf8').length > 0, 240_000, 'the stand-in Electron to be started').catch((err: Error) => {
      throw new Error(`${err.message}; demo output:\n${out}`, { cause: err });
    });
    const started = JSON.parse(readFileSync(record, 'utf8')) as { args: string[]; pid: number };
    const url = /Register \(cashier UI\):\s+(\S+)/.exec(out)?.[1];
    expect(url, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/);
    expect(started.args).toEqual([path.join(ROOT, 'dist', 'main', 'electron', 'main.cjs'), `--register-url=${url}`]);
    expect(out).toContain('Opening the register in Electron …');
    expect(out).not.toContain('open the register URL above in a browser');

    const exited = new Promise<number | null>((resolve) => demo!.once('exit', (code) => resolve(code)));
    demo.kill('SIGTERM');
    expect(await exited).toBe(0);
    const alive = () => {
      try {
        process.kill(started.pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitFor(() => !alive(), 20_000, 'the stand-in Electron to be stopped with the demo');
  });
});
