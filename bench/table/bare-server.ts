// A bare socket.io server (websocket transport, acks every request at once, joins a room per
// store) in its own process: the floor of the hub's memory per connected register.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { MAX_MESSAGE_BYTES } from '../../src/core/protocol';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: MAX_MESSAGE_BYTES });
io.on('connection', (s) => {
  const store = (s.handshake.auth as { store?: string }).store;
  if (store) void s.join(`store:${store}`);
  s.onAny((...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: true });
  });
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`READY http://127.0.0.1:${(http.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => io.close(() => process.exit(0)));
