import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import { ReconnectingTransport, type ReconnectingEvents } from './reconnecting';
import { tcpBinding } from './tcp';
import type { TransportEvents } from './transport';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

function server(port = 0): Promise<{ srv: net.Server; port: number; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => sockets.push(s));
  return new Promise((resolve) =>
    srv.listen(port, '127.0.0.1', () => {
      cleanups.push(() => new Promise((r) => { for (const s of sockets) s.destroy(); srv.close(() => r(undefined)); }));
      resolve({ srv, port: (srv.address() as net.AddressInfo).port, sockets });
    }),
  );
}

describe('tcp transport (raw 9100-style port on loopback)', () => {
  it('writes, reads and reports the peer closing', async () => {
    const { port, sockets, srv } = await server();
    const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
    const t = await tcpBinding.open({ kind: 'tcp', host: '127.0.0.1', port });
    cleanups.push(() => t.close());
    const s = await accepted;
    const got = new Promise<Buffer>((r) => s.once('data', r));
    await t.write(Uint8Array.of(0x10, 0x04, 0x01));
    expect([...(await got)]).toEqual([0x10, 0x04, 0x01]);
    const reply = waitForEvent<TransportEvents, 'data'>(t, 'data');
    s.write(Buffer.from([0x16]));
    expect([...(await reply)[0]]).toEqual([0x16]);
    const gone = waitForEvent<TransportEvents, 'disconnect'>(t, 'disconnect');
    sockets[0]!.destroy();
    await gone;
    expect(t.isOpen).toBe(false);
  });

  it('says the printer refused the connection', async () => {
    const { port, srv } = await server();
    await new Promise((r) => srv.close(r));
    await expect(tcpBinding.open({ kind: 'tcp', host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reconnects when the printer comes back on the same port', async () => {
    const first = await server();
    const rt = new ReconnectingTransport(tcpBinding, { kind: 'tcp', host: '127.0.0.1', port: first.port }, { initialDelayMs: 10, maxDelayMs: 100 });
    cleanups.push(() => rt.close());
    await rt.start();
    const offline = waitForEvent<ReconnectingEvents, 'offline'>(rt, 'offline');
    await new Promise<void>((r) => {
      for (const s of first.sockets) s.destroy();
      first.srv.close(() => r());
    });
    await offline;
    const online = waitForEvent<ReconnectingEvents, 'online'>(rt, 'online');
    const second = await server(first.port);
    await online;
    const conn = second.sockets[0] ?? (await new Promise<net.Socket>((r) => second.srv.once('connection', r)));
    const got = new Promise<Buffer>((r) => conn.once('data', r));
    await rt.write(Uint8Array.of(0x1b, 0x40));
    expect([...(await got)]).toEqual([0x1b, 0x40]);
  });
});
