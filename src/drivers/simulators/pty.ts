// A pseudo-terminal pair made by socat: two linked PTYs, so a simulator can sit on one end and
// the real node-serialport binding can open the other, exactly like a USB-serial printer.
// close() kills socat, which the serial side sees as a hang-up (our "unplug").

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PtyPair {
  /** Symlink to the first PTY: give this to the host (the driver under test). */
  readonly hostPath: string;
  /** Symlink to the second PTY: the simulator opens this. */
  readonly devicePath: string;
  /** The /dev/pts/N names socat reported, for logs. */
  readonly pts: [string, string];
  readonly pid: number;
  /** Kills socat (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. Idempotent. */
  close(graceMs?: number): Promise<void>;
  /** Resolves when socat exits for any reason. */
  readonly exited: Promise<number | null>;
}

export interface PtyPairOptions {
  /** Where to create the links (default: a fresh temp dir). Reuse it to "replug" at the same path. */
  dir?: string;
  hostName?: string;
  deviceName?: string;
  startTimeoutMs?: number;
}

/** Starts `socat -d -d pty,raw,echo=0,link=… pty,raw,echo=0,link=…` and resolves once both PTYs exist. */
export function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'tillstream-pty-'));
  const hostPath = path.join(dir, options.hostName ?? 'host');
  const devicePath = path.join(dir, options.deviceName ?? 'device');
  const timeoutMs = options.startTimeoutMs ?? 5_000;

  const child: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${devicePath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });

  let closing: Promise<void> | undefined;
  const close = (graceMs = 2_000): Promise<void> => {
    closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    })();
    return closing;
  };

  return new Promise<PtyPair>((resolve, reject) => {
    const pts: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat did not create a PTY pair within ${timeoutMs} ms: ${stderr.slice(-500)}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (apt-get install socat): ${err.message}`));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < 64_000) stderr += s;
      for (const m of s.matchAll(/PTY is (\S+)/g)) pts.push(m[1]!);
      // socat prints "starting data transfer loop" after both ends exist (and links are made).
      if (pts.length >= 2 && /starting data transfer loop/.test(stderr)) {
        clearTimeout(timer);
        resolve({ hostPath, devicePath, pts: [pts[0]!, pts[1]!], pid: child.pid!, close, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (${code}) before the PTY pair was ready: ${stderr.slice(-500)}`));
    });
  });
}
