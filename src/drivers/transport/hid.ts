// HID devices (scanners in HID-POS mode, some customer displays and scales) through node-hid.
// Bytes written are sent as one output report each: the first byte is the report id (0 when the
// device uses none), exactly as hidapi expects. Received reports arrive as data chunks.

import { BaseTransport, describeAddress, hex4, toBuffer } from './base';
import { TransportError, classifyOpenError } from './errors';
import type { FoundDevice, TransportAddress, TransportBinding } from './transport';

type HidAddress = Extract<TransportAddress, { kind: 'hid' }>;

export interface HidInfo {
  vendorId: number;
  productId: number;
  path?: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  usagePage?: number;
}
export interface HidHandle {
  on(e: 'data', fn: (b: Buffer) => void): void;
  on(e: 'error', fn: (err: Error) => void): void;
  write(v: Buffer): Promise<number>;
  close(): Promise<void>;
}
export interface HidModule {
  devicesAsync(): Promise<HidInfo[]>;
  HIDAsync: { open(path: string): Promise<HidHandle> };
}

async function loadHid(): Promise<HidModule> {
  const mod = (await import('node-hid')) as unknown as Partial<HidModule> & { default?: HidModule };
  return typeof mod.devicesAsync === 'function' ? (mod as HidModule) : mod.default!;
}

export class HidTransport extends BaseTransport {
  constructor(
    address: HidAddress,
    private readonly hid: HidHandle,
  ) {
    super('hid', address);
    hid.on('data', (b) => this.received(new Uint8Array(b)));
    hid.on('error', (err) => this.lost(err));
  }

  protected async rawWrite(bytes: Uint8Array): Promise<void> {
    await this.hid.write(toBuffer(bytes));
  }

  protected async rawDrain(): Promise<void> {}

  protected async rawClose(): Promise<void> {
    await this.hid.close().catch(() => undefined);
  }
}

/** The HID binding over a node-hid-like module (the real one by default; tests pass a fake). */
export function createHidBinding(load: () => Promise<HidModule> = loadHid): TransportBinding {
  return {
    kind: 'hid',
    async list(): Promise<FoundDevice[]> {
      const hid = await load();
      return (await hid.devicesAsync()).map((d) => ({
        kind: 'hid' as const,
        id: `${hex4(d.vendorId)}:${hex4(d.productId)}`,
        vendorId: d.vendorId,
        productId: d.productId,
        manufacturer: d.manufacturer,
        product: d.product,
        serialNumber: d.serialNumber,
        usagePage: d.usagePage,
      }));
    },
    async open(address: TransportAddress) {
      if (address.kind !== 'hid') throw new TransportError('IO', `hid binding cannot open ${describeAddress(address)}`);
      const where = describeAddress(address);
      const hid = await load();
      const info = (await hid.devicesAsync()).find(
        (d) =>
          d.vendorId === address.vendorId &&
          d.productId === address.productId &&
          (address.serialNumber === undefined || d.serialNumber === address.serialNumber) &&
          (address.usagePage === undefined || d.usagePage === address.usagePage),
      );
      if (!info?.path) throw new TransportError('NOT_FOUND', `${where} not found`, 'check the cable and `tillstream devices list`');
      try {
        return new HidTransport(address, await hid.HIDAsync.open(info.path));
      } catch (err) {
        throw classifyOpenError(err, `${where} (${info.path})`, 'hid');
      }
    },
  };
}

export const hidBinding: TransportBinding = createHidBinding();
