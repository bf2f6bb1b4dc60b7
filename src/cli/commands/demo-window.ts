import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { electronBinary } from '../../../tools/electron-binary.mjs';

// Where `npm start` (tillstream demo) shows the register: in the desktop app when this
// checkout has the Electron binary (tools/postinstall.mjs downloads it where it can), otherwise
// in a browser at the URL the demo prints. The Electron shell is started attached to the
// demo's register (`--register-url`, see src/main/electron/policy.ts): it shows that register's
// page and runs no register of its own.

export const REGISTER_URL_FLAG = '--register-url';

export interface OpenRegisterWindowOptions {
  /** The browser host's URL (with its launch token). */
  registerUrl: string;
  /** The checkout: node_modules/electron and dist/ are found under it. */
  root: string;
  /** false: --no-electron. */
  electron: boolean;
  /** One line for the person at the terminal. */
  say: (line: string) => void;
  /** Builds the shell into root/dist when it is missing or older than its sources (default: `npm run build`'s script). */
  buildShell?: (root: string) => Promise<void>;
  /** TILLSTREAM_ELECTRON names an Electron executable to use instead of the checkout's (e.g. one installed system-wide). */
  env?: NodeJS.ProcessEnv;
}

export type RegisterWindow = { kind: 'electron'; child: ChildProcess } | { kind: 'browser'; reason: string };

/** The bundled shell Electron runs. */
export const shellEntry = (root: string) => path.join(root, 'dist', 'main', 'electron', 'main.cjs');

/** Whether the bundled shell is at least as new as every source file of the shell (src/main/electron). */
export function shellIsFresh(root: string): boolean {
  const entry = shellEntry(root);
  if (!existsSync(entry)) return false;
  const built = statSync(entry).mtimeMs;
  const dir = path.join(root, 'src', 'main', 'electron');
  if (!existsSync(dir)) return true; // an installed package without sources: the shipped build is the one
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .every((f) => statSync(path.join(dir, f)).mtimeMs <= built);
}

/** `npm run build`: bundles the shell, its preload and the renderer into root/dist. */
function buildShellProcess(root: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin', 'run-ts.mjs'), path.join(root, 'src', 'main', 'electron', 'build.ts')], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(err.trim().split('\n').pop() || `exit ${code}`))));
  });
}

/**
 * Opens the register window: Electron attached to `registerUrl` when the binary is there (and
 * the shell is built, building it first if needed), otherwise says why the URL is for a
 * browser. Never throws: the demo runs either way.
 */
export async function openRegisterWindow(o: OpenRegisterWindowOptions): Promise<RegisterWindow> {
  const browser = (reason: string): RegisterWindow => {
    o.say(`${reason}: open the register URL above in a browser.`);
    return { kind: 'browser', reason };
  };
  if (!o.electron) return browser('Electron not used (--no-electron)');
  const named = (o.env ?? process.env).TILLSTREAM_ELECTRON;
  if (named && !existsSync(named)) return browser(`TILLSTREAM_ELECTRON names ${named}, which does not exist`);
  const bin = named || electronBinary(o.root);
  if (!bin) return browser('Electron is not installed here (npm ci could not download it)');
  if (!shellIsFresh(o.root)) {
    o.say('Building the Electron shell (npm run build) …');
    try {
      await (o.buildShell ?? buildShellProcess)(o.root);
    } catch (err) {
      return browser(`The Electron shell could not be built (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  o.say('Opening the register in Electron …');
  const child = spawn(bin, [shellEntry(o.root), `${REGISTER_URL_FLAG}=${o.registerUrl}`], { cwd: o.root, stdio: 'ignore' });
  child.on('error', (err) => o.say(`Electron did not start (${err.message}): open the register URL above in a browser.`));
  child.on('exit', (code, signal) => {
    if (code) o.say(`Electron stopped (exit ${code}): open the register URL above in a browser.`);
    else if (signal && signal !== 'SIGTERM' && signal !== 'SIGINT') o.say(`Electron stopped (${signal}): open the register URL above in a browser.`);
  });
  return { kind: 'electron', child };
}
