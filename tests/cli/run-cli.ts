import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/cli/main';

// The two ways a test runs `tillstream`: as an operator does (a real process, the shipped
// bin/tillstream.mjs) or, where the command is run many times, in this process with stdout
// and stderr captured (no startup cost per call, which matters on a loaded CI machine).

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** `tillstream <args>` as a child process; DATABASE_URL is cleared so a command uses only what it is given. */
export function spawnCli(args: string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, ['bin/tillstream.mjs', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, DATABASE_URL: '', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** `tillstream <args>` in this process. The exit code is main's, or process.exitCode where a command sets that instead. */
export async function runCli(args: string[]): Promise<CliResult & { code: number }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((c: string) => ((out += c), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  let code: number;
  try {
    code = await main(args);
    code = code || Number(process.exitCode ?? 0);
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    process.exitCode = before;
  }
  return { code, out, err };
}
