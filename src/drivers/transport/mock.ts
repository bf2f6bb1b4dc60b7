// In-memory transport in the spirit of @serialport/binding-mock: a named device whose "device
// side" the test controls (reply bytes, see what the host wrote, unplug and replug it).

import { BaseTransport, describeAddress } from './base';
import { TransportError } from './errors';
import type { FoundDevice, Transport, TransportAddress, TransportBinding } from './transport';
import { TypedEmitter } from '../device/emitter';

/** Bytes the device side keeps of what the host wrote; older bytes are dropped past this. */
export const MOCK_MAX_RECORDED_BYTES = 1 << 20;

export interface MockDeviceEvents {
  /** The host wrote these bytes. */
  data: (chunk: Uint8Array) => void;
  /** The host opened (true) or closed (false) the link. */
  link: (open: boolean) => void;
}

/** The device end of a mock link. */
export class MockDevice extends TypedEmitter<MockDeviceEvents> {
  private transport: MockTransport | undefined;
  private recorded: number[] = [];
  present = true;
  /** When set, open() fails with this (e.g. to test permission messages). */
  openError: Error | undefined;

  constructor(readonly name: string, readonly info: Partial<FoundDevice> = {}) {
    super();
  }

  /** Everything the host wrote since the last `takeWritten()`. */
  takeWritten(): Uint8Array {
    const out = Uint8Array.from(this.recorded);
    this.recorded = [];
    return out;
  }

  /** Send bytes to the host, as the device would. */
  reply(bytes: Uint8Array | number[]): void {
    const t = this.transport;
    if (!t || !t.isOpen) throw new Error(`mock ${this.name}: no open host link`);
    t.deliver(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes));
  }

  get isLinked(): boolean {
    return this.transport?.isOpen ?? false;
  }

  /** Pull the cable: the host sees 'disconnect' and reopen fails until replug(). */
  unplug(): void {
    this.present = false;
    this.transport?.drop();
    this.transport = undefined;
  }

  replug(): void {
    this.present = true;
  }

  /** @internal */
  attach(t: MockTransport | undefined): void {
    this.transport = t;
    this.emit('link', t !== undefined);
  }

  /** @internal */
  record(bytes: Uint8Array): void {
    for (const b of bytes) this.recorded.push(b);
    if (this.recorded.length > MOCK_MAX_RECORDED_BYTES) this.recorded.splice(0, this.recorded.length - MOCK_MAX_RECORDED_BYTES);
    this.emit('data', bytes);
  }
}

export class MockTransport extends BaseTransport {
  constructor(
    address: TransportAddress,
    private readonly device: MockDevice,
  ) {
    super('mock', address);
    device.attach(this);
  }

  /** @internal */
  deliver(bytes: Uint8Array): void {
    // Asynchronous like a real port, so a reply never re-enters the writer's call stack.
    queueMicrotask(() => this.received(bytes));
  }

  /** @internal */
  drop(): void {
    this.lost(new TransportError('DISCONNECTED', `${describeAddress(this.address)} unplugged`));
  }

  protected async rawWrite(bytes: Uint8Array): Promise<void> {
    this.device.record(bytes.slice());
  }

  protected async rawDrain(): Promise<void> {}

  protected async rawClose(): Promise<void> {
    this.device.attach(undefined);
  }
}

/** A binding over a registry of mock devices. Each test makes its own with `new MockBinding()`. */
export class MockBinding implements TransportBinding {
  readonly kind = 'mock' as const;
  private readonly devices = new Map<string, MockDevice>();

  createDevice(name: string, info: Partial<FoundDevice> = {}): MockDevice {
    if (this.devices.has(name)) throw new Error(`mock device ${name} exists`);
    const d = new MockDevice(name, info);
    this.devices.set(name, d);
    return d;
  }

  device(name: string): MockDevice | undefined {
    return this.devices.get(name);
  }

  async list(): Promise<FoundDevice[]> {
    return [...this.devices.values()].filter((d) => d.present).map((d) => ({ ...d.info, kind: 'mock' as const, id: d.name }));
  }

  async open(address: TransportAddress): Promise<Transport> {
    if (address.kind !== 'mock') throw new TransportError('IO', `mock binding cannot open ${describeAddress(address)}`);
    const d = this.devices.get(address.name);
    if (!d || !d.present) throw new TransportError('NOT_FOUND', `${describeAddress(address)} not found`);
    if (d.openError) throw d.openError;
    if (d.isLinked) throw new TransportError('BUSY', `${describeAddress(address)} is already open`);
    return new MockTransport(address, d);
  }
}
