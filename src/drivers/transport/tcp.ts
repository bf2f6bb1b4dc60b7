// Network printers on a raw TCP port (9100, "JetDirect"/AppSocket) through node:net.

import net from 'node:net';
import { BaseTransport, describeAddress, toBuffer } from './base';
import { TransportError, classifyOpenError } from './errors';
import type { FoundDevice, TransportAddress, TransportBinding } from './transport';

type TcpAddress = Extract<TransportAddress, { kind: 'tcp' }>;

export const TCP_CONNECT_TIMEOUT_MS = 5_000;

export class TcpTransport extends BaseTransport {
  constructor(
    address: TcpAddress,
    private readonly socket: net.Socket,
  ) {
    super('tcp', address);
    socket.on('data', (chunk: Buffer) => this.received(new Uint8Array(chunk)));
    socket.on('error', (err) => this.lost(err));
    socket.on('close', () => this.lost(new TransportError('DISCONNECTED', `${describeAddress(address)} closed by the peer`)));
    socket.on('end', () => socket.end());
  }

  protected rawWrite(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(toBuffer(bytes), (err) => (err ? reject(new TransportError('IO', `${describeAddress(this.address)} write failed: ${err.message}`)) : resolve()));
    });
  }

  protected rawDrain(): Promise<void> {
    // The write callback already fired when the kernel took the bytes; wait for a full buffer to flush.
    if (this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('drain', () => resolve()));
  }

  protected rawClose(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}

export const tcpBinding: TransportBinding = {
  kind: 'tcp',
  // Network printers are not discoverable without a scan; store IT enters host:port.
  async list(): Promise<FoundDevice[]> {
    return [];
  },
  async open(address: TransportAddress) {
    if (address.kind !== 'tcp') throw new TransportError('IO', `tcp binding cannot open ${describeAddress(address)}`);
    const where = describeAddress(address);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: address.host, port: address.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TransportError('TIMEOUT', `${where}: no connection within ${TCP_CONNECT_TIMEOUT_MS} ms`));
      }, TCP_CONNECT_TIMEOUT_MS);
      s.once('connect', () => {
        clearTimeout(timer);
        s.off('error', onError);
        resolve(s);
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        reject(classifyOpenError(err, where, 'tcp'));
      };
      s.once('error', onError);
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    return new TcpTransport(address, socket);
  },
};
