import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Runs every benchmark in bench/ one after the other (they share 2 cores, so never in
// parallel) and lets each print its own figures and ratios.
const dir = path.dirname(new URL(import.meta.url).pathname);
const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run-all.ts').sort();
let failed = 0;
for (const f of files) {
  process.stdout.write(`\n== ${f}\n`);
  const r = spawnSync(process.execPath, ['bin/run-ts.mjs', path.join('bench', f)], { stdio: 'inherit', timeout: 10 * 60_000 });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
