import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A PATH on which the named programs do not exist and everything else does: one folder of
 * links to every other entry of the current PATH (first one wins, as the shell would pick).
 * Tests use it to run something "on a machine without socat" without uninstalling it.
 */
export function pathWithout(hidden: string[], from = process.env.PATH ?? ''): { PATH: string; dispose(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-path-'));
  const seen = new Set(hidden);
  for (const d of from.split(path.delimiter)) {
    if (!d) continue;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (seen.has(n)) continue;
      seen.add(n);
      symlinkSync(path.join(d, n), path.join(dir, n));
    }
  }
  return { PATH: dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
