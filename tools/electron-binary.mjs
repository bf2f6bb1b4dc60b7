// Where the Electron binary of this checkout is, if it was downloaded: the one test that both
// the install step (tools/postinstall.mjs) and `npm start` (src/cli/commands/demo-window.ts)
// use, the same as electron's own install.js (node_modules/electron/path.txt names the
// executable under node_modules/electron/dist/). Plain ESM so it runs at install time.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The Electron executable under `root`/node_modules/electron, or null when it is not there. */
export function electronBinary(root) {
  try {
    const dir = path.join(root, 'node_modules', 'electron');
    const bin = path.join(dir, 'dist', readFileSync(path.join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}
