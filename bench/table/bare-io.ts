// The floors' socket.io server: websocket transport, acks every request at once, joins each
// socket to its store's room (auth.store). Imports nothing of the hub, so the process that
// runs it alone (bare-server.ts, the memory floor) holds only socket.io.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { MAX_MESSAGE_BYTES } from '../../src/core/protocol';

export async function startBareIo(): Promise<{ io: Server; url: string; close: () => Promise<void> }> {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: MAX_MESSAGE_BYTES });
  io.on('connection', (s) => {
    const store = (s.handshake.auth as { store?: string }).store;
    if (store) void s.join(`store:${store}`);
    s.onAny((...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: true, applied_through: 0, rejected: [] });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => io.close(() => r())) };
}
