import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runUntilStopped } from '../../src/cli/commands/hub';
import type { HubHandle } from '../../src/hub/server';

// A crashed hub comes back: `tillstream hub` exits non-zero on a fatal error (so systemd's
// Restart=on-failure starts a fresh one) and 0 after a graceful SIGTERM.

const ROOT = path.resolve(__dirname, '../..');

function fakeHub() {
  const server = new EventEmitter();
  let closed = 0;
  const log = { info: () => undefined, error: () => undefined, fatal: () => undefined, warn: () => undefined };
  const h = { server, log, close: async () => void (closed += 1) } as unknown as HubHandle;
  return { h, server, closed: () => closed };
}

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['bin/tillstream.mjs', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'silent', ...env } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out };
}

describe('hub process lifecycle', () => {
  it('an uncaught exception, an unhandled rejection or a server error closes the hub and exits 1; SIGTERM exits 0', async () => {
    for (const fire of [
      (p: EventEmitter) => p.emit('uncaughtException', new Error('boom')),
      (p: EventEmitter) => p.emit('unhandledRejection', new Error('lost')),
      (_p: EventEmitter, s: EventEmitter) => s.emit('error', new Error('EMFILE')),
    ]) {
      const proc = new EventEmitter();
      const { h, server, closed } = fakeHub();
      const code = runUntilStopped(h, proc as unknown as NodeJS.Process);
      fire(proc, server);
      expect(await code).toBe(1);
      expect(closed()).toBe(1);
    }
    const proc = new EventEmitter();
    const { h, closed } = fakeHub();
    const code = runUntilStopped(h, proc as unknown as NodeJS.Process);
    proc.emit('SIGTERM');
    expect(await code).toBe(0);
    expect(closed()).toBe(1);
  });

  it('`tillstream hub` on a port that is taken exits non-zero instead of lingering', { timeout: 120_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const p = run(['hub', '--port', String(port)]);
      const code = await p.exited;
      expect(code, p.out()).not.toBe(0);
      expect(code).not.toBeNull();
      // With REDIS_URL set (CI), the shutdown must not trip over the Redis adapter on the way out.
      expect(p.out()).not.toMatch(/DisconnectsClientError|Unhandled|node:internal/);
    } finally {
      blocker.close();
    }
  });

  it('`tillstream hub` answers /ready, and SIGTERM stops it with exit 0', { timeout: 120_000 }, async () => {
    const p = run(['hub', '--port', '0']);
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${p.out()}`)), 100_000);
      const check = setInterval(() => {
        const m = /listening on (http:\/\/\S+) /.exec(p.out());
        if (m) {
          clearInterval(check);
          clearTimeout(timer);
          resolve(m[1]!);
        }
      }, 100);
    });
    const ready = await fetch(`${url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, db: { reachable: true } });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('the systemd unit restarts on failure, waits for /ready and leaves time for a graceful stop', () => {
    const unit = readFileSync(path.join(ROOT, 'resources/systemd/tillstream-hub.service'), 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^ExecStart=.*tillstream\.mjs hub$/m);
    expect(unit).toMatch(/^ExecStartPost=.*\/ready/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(stop).toBeGreaterThan(10); // shutdownGraceMs default 10 s
  });
});
