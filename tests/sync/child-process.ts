import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Spawning the register child. Through tsx a spawn costs ~1.0 s of CPU (it loads esbuild and
// compiles on every start), against ~0.23 s for one esbuild bundle of the fixture with its
// pure-JS packages inlined (only the native better-sqlite3 stays external; measured on the
// 2-core box). Spawn cost dominates a 50-kill run, so by default the fixture is bundled
// once into node_modules/.cache, where Node still finds better-sqlite3.
// SYNC_CHILD_RUNNER=tsx runs it through bin/run-ts.mjs instead.

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../..');
const FIXTURE = path.join(here, 'fixtures/register-child.ts');

export async function prepareChild(): Promise<string[]> {
  if (process.env.SYNC_CHILD_RUNNER === 'tsx') return [path.join(REPO, 'bin/run-ts.mjs'), FIXTURE];
  const { build } = await import('esbuild');
  const outDir = path.join(REPO, 'node_modules/.cache/tillstream-tests');
  mkdirSync(outDir, { recursive: true });
  const outfile = path.join(outDir, `register-child-${process.pid}.mjs`);
  await build({
    entryPoints: [FIXTURE], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'error',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
    // socket.io-client's CommonJS dependencies call require() inside the ESM bundle.
    banner: { js: "import { createRequire as __tsCreateRequire } from 'node:module'; const require = __tsCreateRequire(import.meta.url);" },
  });
  return [outfile];
}

export function removeChildBundle(entry: string[]): void {
  if (entry.length === 1 && entry[0]!.includes('node_modules/.cache/tillstream-tests')) rmSync(entry[0]!, { force: true });
}

export interface ChildRun {
  proc: ChildProcess;
  lines: string[];
  onLine: (fn: (line: string) => void) => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

const live = new Set<ChildProcess>();

/** SIGKILLs every child still running (afterAll, so a failed or timed-out test leaves none). */
export function killAllChildren(): void {
  for (const p of live) p.kill('SIGKILL');
  live.clear();
}

export function runChild(entry: string[], args: string[]): ChildRun {
  const proc = spawn(process.execPath, [...entry, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.on('exit', () => live.delete(proc));
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let buf = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const l of listeners) l(line);
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    if (stderr.length < 64_000) stderr += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    // 'close' waits for stdout to be fully read, so every line the child wrote is counted.
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { proc, lines, onLine: (fn) => listeners.push(fn), exited };
}
