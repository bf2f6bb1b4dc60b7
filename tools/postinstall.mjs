#!/usr/bin/env node
// Our install step (package.json "postinstall"), run by `npm ci` / `npm install` after the
// dependencies are in. It never fails the install:
// 1. precompiles the CLI into dist/cli (tools/build-cli.mjs), so `tillstream` starts fast;
// 2. tries to fetch Electron's binary. package.json denies electron's own install script
//    (allowScripts), because its download fails or hangs where there is no network; here it
//    runs with a time limit and, when it cannot, prints ONE line: the register then opens in a
//    browser. ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips it, as it does for electron itself.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON = path.join(ROOT, 'node_modules', 'electron');
const TIMEOUT_MS = Number(process.env.TILLSTREAM_ELECTRON_INSTALL_TIMEOUT_MS ?? 90_000);
const say = (line) => process.stdout.write(`tillstream: ${line}\n`);

async function precompileCli() {
  try {
    const { buildCli } = await import('./build-cli.mjs');
    await buildCli();
  } catch (err) {
    say(`the CLI was not precompiled (${String(err instanceof Error ? err.message : err).split('\n')[0]}); it runs from the sources through tsx`);
  }
}

function tryElectron() {
  if (!existsSync(path.join(ELECTRON, 'install.js'))) return Promise.resolve(); // installed without devDependencies
  if (electronBinary(ROOT)) return Promise.resolve();
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
    say('Electron download skipped (ELECTRON_SKIP_BINARY_DOWNLOAD): npm start opens the register in a browser.');
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ELECTRON, 'install.js')], { cwd: ELECTRON, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d) => (output = (output + d.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    const done = (code) => {
      clearTimeout(timer);
      if (code === 0 && electronBinary(ROOT)) say('Electron installed: npm start opens the register in the desktop app.');
      else {
        const why = timedOut ? `no download within ${Math.round(TIMEOUT_MS / 1000)} s` : lastLine(output) || `exit ${code}`;
        say(`Electron could not be downloaded (${why}): npm start opens the register in a browser.`);
      }
      resolve();
    };
    child.on('error', () => done(-1));
    child.on('exit', (code) => done(code));
  });
}

// The most telling line of electron's error output (e.g. "getaddrinfo ENOTFOUND github.com").
function lastLine(text) {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const hit = lines.find((l) => /^(Error|RequestError|HTTPError)\b|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(l));
  return (hit ?? lines[0] ?? '').slice(0, 120);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await Promise.all([precompileCli(), tryElectron()]).catch(() => undefined);
  process.exitCode = 0;
}
