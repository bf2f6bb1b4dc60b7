import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { REPO } from '../sync/child-process';

// A register as store IT runs it: `tillstream register start --config register.json` in its
// own process, which a test can kill -9 (SIGKILL: no handler, no flush, no close) and start
// again on the same journal. The test talks to it as the cashier window does: Chromium on the
// URL it prints, and the same WebSocket API for what a test checks directly (Store IT's device
// test, a sale's lines).

const BIN = path.join(REPO, 'bin/tillstream.mjs');
const MAX_STDERR = 64_000;

export interface ChildRegister {
  proc: ChildProcess;
  /** The cashier UI's URL (with its session token), as the register printed it. */
  url: string;
  stderr(): string;
  /** One register API call over the browser host's WebSocket; rejects with the register's error message. */
  call(name: string, params?: unknown): Promise<unknown>;
  /** SIGKILL, and wait until the process is gone. */
  kill9(): Promise<NodeJS.Signals | null>;
  /** SIGTERM (the register closes its journal and devices), and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Writes register.json (mode 600, as `register start` insists) and returns its path. */
export function writeRegisterConfig(dir: string, config: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'register.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export async function startChildRegister(configFile: string, timeoutMs = 60_000): Promise<ChildRegister> {
  const proc = spawn(process.execPath, [BIN, 'register', 'start', '--config', configFile], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => {
    if (err.length < MAX_STDERR) err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`register did not start within ${timeoutMs} ms: ${err}`)), timeoutMs);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      out += d;
      const m = /open (http:\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`register exited (${code ?? signal}) before it was ready: ${err}`));
    });
  });
  const u = new URL(url);
  let ws: WebSocket | null = null;
  let id = 0;
  const replies = new Map<number, (m: { ok: boolean; value?: unknown; result?: unknown; error?: { message?: string } }) => void>();
  const socket = async (): Promise<WebSocket> => {
    if (ws && ws.readyState === WebSocket.OPEN) return ws;
    const s = new WebSocket(`ws://127.0.0.1:${u.port}/ws?token=${u.searchParams.get('token')}`, { origin: `http://127.0.0.1:${u.port}` });
    await new Promise((resolve, reject) => s.once('open', resolve).once('error', reject));
    s.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { kind: string; id: number; ok: boolean };
      if (msg.kind === 'result') replies.get(msg.id)?.(msg);
    });
    ws = s;
    return s;
  };
  return {
    proc,
    url,
    stderr: () => err,
    async call(name, params = {}) {
      const s = await socket();
      const n = ++id;
      const reply = await new Promise<{ ok: boolean; value?: unknown; result?: unknown; error?: { message?: string } }>((resolve) => {
        replies.set(n, resolve);
        s.send(JSON.stringify({ kind: 'call', id: n, name, params }));
      });
      replies.delete(n);
      if (!reply.ok) throw new Error(reply.error?.message ?? `${name} failed`);
      return reply.value ?? reply.result;
    },
    async kill9() {
      ws?.terminate();
      proc.kill('SIGKILL');
      return (await exited).signal;
    },
    async stop() {
      ws?.close();
      proc.kill('SIGTERM');
      return (await exited).code;
    },
  };
}
