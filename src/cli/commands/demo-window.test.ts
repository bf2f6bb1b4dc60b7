import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openRegisterWindow, shellEntry, shellIsFresh, type RegisterWindow } from './demo-window';

// Issue 21: `npm start` opens the register in Electron when the binary is there, otherwise
// says to use a browser. Electron cannot be downloaded here, so a stand-in executable sits
// where tools/electron-binary.mjs looks (node_modules/electron/path.txt → dist/<name>) in a
// scratch checkout; it records the arguments it was started with, as Electron would get them.

const URL_ = 'http://127.0.0.1:41234/?token=AbCdEfGhIjKlMnOpQrStUvWxYz012345';

let root: string;
let lines: string[];
const say = (l: string) => lines.push(l);

/** A stand-in Electron: writes its argv and cwd next to itself, then exits with `code`. */
function installStandIn(code = 0): string {
  const dir = path.join(root, 'node_modules', 'electron');
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  writeFileSync(path.join(dir, 'path.txt'), 'electron');
  const bin = path.join(dir, 'dist', 'electron');
  writeFileSync(
    bin,
    `#!${process.execPath}\nrequire('node:fs').writeFileSync(__filename + '.started.json', JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }));\nprocess.exit(${code});\n`,
  );
  chmodSync(bin, 0o755);
  return bin;
}

function buildShellStub(): void {
  mkdirSync(path.dirname(shellEntry(root)), { recursive: true });
  writeFileSync(shellEntry(root), '// bundled shell');
}

async function exited(w: RegisterWindow): Promise<number | null> {
  if (w.kind !== 'electron') throw new Error(`not started: ${w.reason}`);
  if (w.child.exitCode !== null) return w.child.exitCode;
  return new Promise((resolve) => w.child.once('exit', (code) => resolve(code)));
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'ts-demo-window-'));
  lines = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('npm start: where the register window opens', () => {
  it('with the Electron binary there, starts it on the bundled shell with --register-url', async () => {
    const bin = installStandIn();
    buildShellStub();
    const w = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {} });
    expect(w.kind).toBe('electron');
    expect(await exited(w)).toBe(0);
    const started = JSON.parse(readFileSync(`${bin}.started.json`, 'utf8'));
    expect(started).toEqual({ args: [shellEntry(root), `--register-url=${URL_}`], cwd: root });
    expect(lines).toEqual(['Opening the register in Electron …']);
  });

  it('without the binary, says to use a browser and starts nothing', async () => {
    buildShellStub();
    const w = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {} });
    expect(w).toEqual({ kind: 'browser', reason: expect.stringMatching(/Electron is not installed here/) });
    expect(lines).toEqual(['Electron is not installed here (npm ci could not download it): open the register URL above in a browser.']);
    // path.txt present but the binary missing (a download that failed half way) is the same.
    mkdirSync(path.join(root, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
    expect((await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {} })).kind).toBe('browser');
  });

  it('--no-electron, or TILLSTREAM_ELECTRON naming nothing: the browser', async () => {
    installStandIn();
    buildShellStub();
    expect(await openRegisterWindow({ registerUrl: URL_, root, electron: false, say, env: {} })).toMatchObject({ kind: 'browser', reason: expect.stringMatching(/--no-electron/) });
    expect(await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: { TILLSTREAM_ELECTRON: path.join(root, 'nope') } })).toMatchObject({ kind: 'browser', reason: expect.stringMatching(/TILLSTREAM_ELECTRON names .*nope, which does not exist/) });
    expect(existsSync(path.join(root, 'node_modules', 'electron', 'dist', 'electron.started.json'))).toBe(false);
  });

  it('TILLSTREAM_ELECTRON names another Electron executable', async () => {
    const bin = installStandIn();
    rmSync(path.join(root, 'node_modules', 'electron', 'path.txt'));
    buildShellStub();
    const w = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: { TILLSTREAM_ELECTRON: bin } });
    expect(await exited(w)).toBe(0);
    expect(JSON.parse(readFileSync(`${bin}.started.json`, 'utf8')).args).toEqual([shellEntry(root), `--register-url=${URL_}`]);
  });

  it('builds the shell first when it is missing or older than its sources; a failed build falls back to the browser', async () => {
    installStandIn();
    const src = path.join(root, 'src', 'main', 'electron');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'main.ts'), '// shell source');
    expect(shellIsFresh(root)).toBe(false); // missing
    let builds = 0;
    const buildShell = async () => {
      builds += 1;
      buildShellStub();
    };
    const w = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {}, buildShell });
    expect(await exited(w)).toBe(0);
    expect(builds).toBe(1);
    expect(lines[0]).toBe('Building the Electron shell (npm run build) …');
    expect(shellIsFresh(root)).toBe(true);
    // A source edited after the build makes it stale again; test files do not count.
    const later = new Date(Date.now() + 60_000);
    writeFileSync(path.join(src, 'policy.test.ts'), '// a test');
    utimesSync(path.join(src, 'policy.test.ts'), later, later);
    expect(shellIsFresh(root)).toBe(true);
    utimesSync(path.join(src, 'main.ts'), later, later);
    expect(shellIsFresh(root)).toBe(false);
    lines = [];
    const failed = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {}, buildShell: async () => Promise.reject(new Error('esbuild: syntax error')) });
    expect(failed).toMatchObject({ kind: 'browser' });
    expect(lines.at(-1)).toBe('The Electron shell could not be built (esbuild: syntax error): open the register URL above in a browser.');
  });

  it('an Electron that exits with an error says so and points to the browser', async () => {
    installStandIn(3);
    buildShellStub();
    const w = await openRegisterWindow({ registerUrl: URL_, root, electron: true, say, env: {} });
    expect(await exited(w)).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(lines).toContain('Electron stopped (exit 3): open the register URL above in a browser.');
  });
});
