import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { ReconnectingTransport, type ReconnectingEvents } from './reconnecting';
import { serialBinding } from './serial';
import type { Transport, TransportEvents } from './transport';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function pair(dir?: string): Promise<PtyPair> {
  const p = await createPtyPair(dir ? { dir } : {});
  cleanups.push(() => p.close());
  return p;
}

function collect(t: { on(e: 'data', f: (c: Uint8Array) => void): unknown }, n: number): Promise<Uint8Array> {
  const parts: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`got ${parts.length}/${n} bytes`)), 5_000);
    t.on('data', (c) => {
      parts.push(...c);
      if (parts.length >= n) {
        clearTimeout(timer);
        resolve(Uint8Array.from(parts));
      }
    });
  });
}

describe('serial transport over a socat PTY (real serialport binding)', () => {
  it('carries bytes both ways and reports a hang-up as disconnect', async () => {
    const p = await pair();
    const host: Transport = await serialBinding.open({ kind: 'serial', path: p.hostPath, baudRate: 19200 });
    const dev: Transport = await serialBinding.open({ kind: 'serial', path: p.devicePath, baudRate: 19200 });
    cleanups.push(() => host.close(), () => dev.close());

    const payload = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
    const atDev = collect(dev, payload.length);
    await host.write(payload);
    await host.drain();
    expect(await atDev).toEqual(payload);

    const atHost = collect(host, 3);
    await dev.write(Uint8Array.of(0x16, 0x00, 0x12));
    expect([...(await atHost)]).toEqual([0x16, 0x00, 0x12]);

    const gone = waitForEvent<TransportEvents, 'disconnect'>(host, 'disconnect');
    await p.close();
    await gone;
    expect(host.isOpen).toBe(false);
    await expect(host.write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'NOT_OPEN' });
  });

  it('names the path and the cause when the port does not exist', async () => {
    await expect(serialBinding.open({ kind: 'serial', path: '/dev/tillstream-no-such-port', baudRate: 9600 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reconnects after socat is killed and restarted at the same path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-replug-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const first = await pair(dir);
    const rt = new ReconnectingTransport(serialBinding, { kind: 'serial', path: first.hostPath, baudRate: 9600 }, { initialDelayMs: 20, maxDelayMs: 200 });
    cleanups.push(() => rt.close());
    await rt.start();
    const offline = waitForEvent<ReconnectingEvents, 'offline'>(rt, 'offline');
    await first.close();
    await offline;
    const online = waitForEvent<ReconnectingEvents, 'online'>(rt, 'online');
    const second = await pair(dir);
    await online;
    const dev = await serialBinding.open({ kind: 'serial', path: second.devicePath, baudRate: 9600 });
    cleanups.push(() => dev.close());
    const atDev = collect(dev, 2);
    await rt.write(Uint8Array.of(0x1b, 0x40));
    expect([...(await atDev)]).toEqual([0x1b, 0x40]);
  });
});
