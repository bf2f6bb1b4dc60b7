#!/usr/bin/env node
// The system packages Tillstream's tests and demo use beyond Node, in ONE list: `npm test`
// checks them first (pretest: `node tools/prerequisites.mjs check`), `npm run setup`
// (tools/setup.sh) installs them, and .ci/run calls that same setup. Plain ESM with no
// dependencies, so it runs before `npm ci` (setup installs the compilers npm ci may need).

import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `need`: `test` — `npm test` fails without it; `build` — `npm ci` may need it (native modules
 * without a prebuilt binary); `runtime` — real devices; `optional` — CI conveniences.
 * `find`: how the check finds it (an executable on PATH, a file, or the Chromium lookup).
 */
export const PREREQUISITES = [
  { name: 'socat', apt: 'socat', brew: 'socat', need: 'test', find: { command: 'socat' }, why: 'virtual serial devices (PTY pairs) for the device tests' },
  { name: 'Chromium', apt: 'chromium', brew: '--cask chromium', need: 'test', find: { chromium: true }, why: 'browser end-to-end tests (or name one in TILLSTREAM_CHROMIUM)' },
  { name: 'zbarimg', apt: 'zbar-tools', brew: 'zbar', need: 'test', find: { command: 'zbarimg' }, why: 'decodes printed QR codes and barcodes with a decoder we did not write' },
  { name: 'hledger', apt: 'hledger', brew: 'hledger', need: 'test', find: { command: 'hledger' }, why: 'reads our hledger export' },
  { name: 'ledger', apt: 'ledger', brew: 'ledger', need: 'test', find: { command: 'ledger' }, why: 'reads our ledger export' },
  { name: 'bean-check', apt: 'beancount', brew: 'beancount', need: 'test', find: { command: 'bean-check' }, why: 'checks our Beancount export' },
  { name: 'unifont', apt: 'unifont', brew: '--cask font-unifont', need: 'test', find: { file: ['/usr/share/unifont/unifont.hex'], env: 'TILLSTREAM_UNIFONT' }, why: 'glyphs for receipt scripts the printer cannot draw' },
  { name: 'python3', apt: 'python3', brew: 'python', need: 'build', find: { command: 'python3' }, why: 'node-gyp, when better-sqlite3 has no prebuilt binary' },
  { name: 'make', apt: 'make', brew: 'make', need: 'build', find: { command: 'make' }, why: 'node-gyp builds' },
  { name: 'g++', apt: 'g++', brew: 'gcc', need: 'build', find: { command: 'g++' }, why: 'node-gyp builds' },
  { name: 'libusb', apt: 'libusb-1.0-0', brew: 'libusb', need: 'runtime', find: null, why: 'USB and HID device access' },
  { name: 'udev', apt: 'udev', brew: null, need: 'runtime', find: null, why: 'serial port and USB device listing on Linux' },
  { name: 'psql', apt: 'postgresql-client', brew: 'libpq', need: 'optional', find: null, why: 'CI: talks to the test Postgres' },
  { name: 'redis-cli', apt: 'redis-tools', brew: 'redis', need: 'optional', find: null, why: 'CI: talks to the test Redis' },
];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An executable of this name on PATH, or null. */
export function which(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (executable(file)) return file;
  }
  return null;
}

const CHROMIUM_FILES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
const CHROMIUM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/**
 * The Chromium the browser tests drive (never a downloaded one): TILLSTREAM_CHROMIUM or
 * CHROME_PATH when set, else the usual install places, else a chromium/chrome on PATH.
 * Returns `{ path }` or `{ problem }` saying what is wrong.
 */
export function findChromium(env = process.env) {
  for (const v of ['TILLSTREAM_CHROMIUM', 'CHROME_PATH']) {
    const named = env[v];
    if (named) return executable(named) ? { path: named } : { problem: `${v}=${named} is not an executable file` };
  }
  for (const f of CHROMIUM_FILES) if (executable(f)) return { path: f };
  for (const c of CHROMIUM_COMMANDS) {
    const f = which(c, env);
    if (f) return { path: f };
  }
  return { problem: `no Chromium found (looked in ${CHROMIUM_FILES[0]} and the usual places; set TILLSTREAM_CHROMIUM to use another)` };
}

/** The Chromium path, or an Error naming what to install (for test set-up code). */
export function chromiumPath(env = process.env) {
  const r = findChromium(env);
  if (r.path) return r.path;
  throw new Error(`${r.problem}: run "npm run setup" or ${installCommand(['chromium'])}`);
}

function found(p, env) {
  const f = p.find;
  if (!f) return null; // not checkable without root tools; setup installs it
  if (f.chromium) {
    const r = findChromium(env);
    return r.path ? null : r.problem;
  }
  if (f.command) return which(f.command, env) ? null : `\`${f.command}\` is not on PATH`;
  if (f.file) {
    if (f.env && env[f.env]) return existsSync(env[f.env]) ? null : `${f.env}=${env[f.env]} does not exist`;
    return f.file.some((x) => existsSync(x)) ? null : `${f.file[0]} is missing`;
  }
  return null;
}

/** What is missing for `needs` (default: what `npm test` needs), each with why and the problem. */
export function missingPrerequisites(env = process.env, needs = ['test']) {
  const out = [];
  for (const p of PREREQUISITES) {
    if (!needs.includes(p.need)) continue;
    const problem = found(p, env);
    if (problem) out.push({ ...p, problem });
  }
  return out;
}

/** The one command that installs these apt packages here (Debian/Ubuntu), or elsewhere. */
export function installCommand(aptPackages, platform = process.platform) {
  if (platform === 'darwin') {
    const brew = PREREQUISITES.filter((p) => aptPackages.includes(p.apt) && p.brew).map((p) => p.brew);
    return `brew install ${brew.join(' ')}`;
  }
  const sudo = typeof process.getuid === 'function' && process.getuid() === 0 ? '' : 'sudo ';
  return `${sudo}apt-get install -y ${aptPackages.join(' ')}`;
}

/** The message `npm test` prints when something is missing. */
export function report(missing, platform = process.platform) {
  const lines = ['npm test needs programs that are not installed here:'];
  for (const m of missing) lines.push(`  - ${m.name} (${m.why}): ${m.problem}; install: ${installCommand([m.apt], platform)}`);
  lines.push(`Install them all with: npm run setup   (or: ${installCommand(missing.map((m) => m.apt), platform)})`);
  lines.push('To run the tests anyway (those needing them fail or skip): TILLSTREAM_SKIP_PREREQUISITES=1 npm test');
  return lines.join('\n');
}

function main(argv) {
  const cmd = argv[0] ?? 'check';
  if (cmd === 'check') {
    if (process.env.TILLSTREAM_SKIP_PREREQUISITES) return 0;
    const missing = missingPrerequisites();
    if (missing.length === 0) return 0;
    process.stderr.write(`${report(missing)}\n`);
    return 1;
  }
  if (cmd === 'apt-packages') {
    // Every apt package of the list, for setup.sh (it asks dpkg what is installed).
    process.stdout.write(`${PREREQUISITES.map((p) => p.apt).join(' ')}\n`);
    return 0;
  }
  if (cmd === 'chromium') {
    const r = findChromium();
    process.stdout.write(`${r.path ?? r.problem}\n`);
    return r.path ? 0 : 1;
  }
  process.stderr.write('usage: node tools/prerequisites.mjs check | apt-packages | chromium\n');
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
