// Serial ports through node-serialport with its real native binding (@serialport/bindings-cpp).

import { read as fsRead } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { BaseTransport, describeAddress, toBuffer } from './base';
import { TransportError, classifyOpenError } from './errors';
import type { FoundDevice, TransportAddress, TransportBinding } from './transport';

type SerialAddress = Extract<TransportAddress, { kind: 'serial' }>;

const readAsync = promisify(fsRead);

// node-serialport's unix read treats a 0-byte read as "try again" and recurses at once. After a
// tty hang-up (socat killed, a PTY peer gone) every read returns 0 (EOF), so the port spins at
// full CPU and never reports the disconnect. The bindings open the fd O_NONBLOCK with VMIN=1, so
// "no data" is EAGAIN and 0 bytes really means hang-up: this read reports it as a disconnect,
// which makes the stream emit 'close' with a DisconnectedError like a USB-serial unplug does.
interface UnixPort {
  fd: number | null;
  isOpen: boolean;
  poller?: { once(e: 'readable', fn: (err?: Error | null) => void): void };
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}
const MAX_READ_RETRIES = 1_000_000;
function hangupAwareRead(port: UnixPort) {
  return async (buffer: Buffer, offset: number, length: number) => {
    for (let i = 0; i < MAX_READ_RETRIES; i++) {
      if (!port.isOpen || port.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
      try {
        const { bytesRead } = await readAsync(port.fd, buffer, offset, length, null);
        if (bytesRead === 0) throw Object.assign(new Error('hang-up: the other end of the line went away (EOF)'), { disconnect: true });
        return { bytesRead, buffer };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
        if (!port.isOpen || !port.poller) throw Object.assign(new Error('Port is not open'), { canceled: true });
        await new Promise<void>((resolve, reject) => port.poller!.once('readable', (e) => (e ? reject(e) : resolve())));
      }
    }
    throw new Error('serial read: too many retries');
  };
}

type Binding = typeof SerialPort.binding;
const hangupAwareBinding: Binding = {
  ...SerialPort.binding,
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]) {
    const port = await SerialPort.binding.open(options);
    if (process.platform !== 'win32') (port as unknown as UnixPort).read = hangupAwareRead(port as unknown as UnixPort);
    return port;
  },
} as Binding;

export class SerialTransport extends BaseTransport {
  constructor(
    address: SerialAddress,
    private readonly port: SerialPort,
  ) {
    super('serial', address);
    port.on('data', (chunk: Buffer) => this.received(new Uint8Array(chunk)));
    // node-serialport emits 'close' with a DisconnectedError when the device goes away
    // (USB adapter unplugged, PTY peer closed); a plain close() emits it without one.
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (err) this.lost(err);
    });
    port.on('error', (err: Error) => this.lost(err));
  }

  protected rawWrite(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(toBuffer(bytes), (err) => (err ? reject(new TransportError('IO', `${describeAddress(this.address)} write failed: ${err.message}`)) : resolve()));
    });
  }

  protected rawDrain(): Promise<void> {
    return new Promise((resolve, reject) => this.port.drain((err) => (err ? reject(err) : resolve())));
  }

  protected rawClose(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}

export const serialBinding: TransportBinding = {
  kind: 'serial',
  async list(): Promise<FoundDevice[]> {
    const ports = await SerialPort.list();
    return ports.map((p) => ({
      kind: 'serial' as const,
      id: p.path,
      vendorId: p.vendorId ? parseInt(p.vendorId, 16) : undefined,
      productId: p.productId ? parseInt(p.productId, 16) : undefined,
      manufacturer: p.manufacturer,
      serialNumber: p.serialNumber,
      product: p.pnpId,
    }));
  },
  async open(address: TransportAddress) {
    if (address.kind !== 'serial') throw new TransportError('IO', `serial binding cannot open ${describeAddress(address)}`);
    const port = new SerialPort({
      path: address.path,
      baudRate: address.baudRate,
      dataBits: address.dataBits ?? 8,
      parity: address.parity ?? 'none',
      stopBits: address.stopBits ?? 1,
      rtscts: address.rtscts ?? false,
      autoOpen: false,
      binding: hangupAwareBinding,
    } as ConstructorParameters<typeof SerialPort>[0]);
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(classifyOpenError(err, describeAddress(address), 'serial')) : resolve())));
    return new SerialTransport(address, port);
  },
};
