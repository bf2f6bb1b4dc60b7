// A virtual USB bus in the shape of the `usb` module's root (getDevices + disconnect events),
// so the real USB transport (../transport/usb.ts: interface choice, kernel driver detach, bulk
// chunking, the read loop, unplug) runs unchanged against simulated devices. A virtual printer
// is the printer simulator behind a printer-class interface with bulk OUT/IN endpoints; a bare
// device (no interfaces we can use) stands for anything else plugged in, for `devices detect`.

import type { UsbDeviceLike, UsbRoot } from '../transport/usb';
import { createUsbBinding } from '../transport/usb';
import type { TransportBinding } from '../transport/transport';
import type { PrinterSimulator } from './printer-sim';

/** Bytes the device side queues for the host before it drops the oldest (a stalled reader). */
const MAX_QUEUED_IN = 1 << 16;

export interface VirtualUsbInfo {
  vendorId: number;
  productId: number;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
}

type DisconnectListener = (ev: { device: UsbDeviceLike }) => void;

class VirtualUsbDevice implements UsbDeviceLike {
  readonly vendorId: number;
  readonly productId: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configuration: UsbDeviceLike['configuration'];
  opened = false;
  private inQueue: number[] = [];
  private waiter: { resolve: (d: Uint8Array) => void; reject: (e: Error) => void; max: number } | undefined;
  private link: { receive(b: Uint8Array): void; disconnect(): void } | undefined;

  constructor(info: VirtualUsbInfo, private readonly printer: PrinterSimulator | undefined) {
    this.vendorId = info.vendorId;
    this.productId = info.productId;
    this.manufacturerName = info.manufacturer ?? null;
    this.productName = info.product ?? null;
    this.serialNumber = info.serialNumber ?? null;
    this.configuration = printer
      ? {
          configurationValue: 1,
          interfaces: [
            {
              interfaceNumber: 0,
              alternate: {
                interfaceClass: 7,
                endpoints: [
                  { endpointNumber: 1, direction: 'out', type: 'bulk', packetSize: 64 },
                  { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 },
                ],
              },
            },
          ],
        }
      : { configurationValue: 1, interfaces: [] };
  }

  async open(): Promise<void> {
    if (this.opened) throw new Error('LIBUSB_ERROR_BUSY');
    this.opened = true;
  }
  async close(): Promise<void> {
    this.opened = false;
  }
  async selectConfiguration(): Promise<void> {}
  async claimInterface(): Promise<void> {
    if (!this.printer) return;
    this.inQueue = [];
    this.link = this.printer.connect((bytes) => this.toHost(bytes));
  }
  async releaseInterface(): Promise<void> {
    this.link?.disconnect();
    this.link = undefined;
    this.failIn(new Error('LIBUSB_TRANSFER_CANCELLED'));
  }
  async detachKernelDriver(): Promise<void> {
    throw new Error('LIBUSB_ERROR_NOT_FOUND'); // no kernel driver bound to a virtual device
  }
  async attachKernelDriver(): Promise<void> {}

  async transferOut(_ep: number, data: Uint8Array): Promise<{ status: string; bytesWritten: number }> {
    if (!this.opened || !this.link) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    this.link.receive(data.slice());
    return { status: 'ok', bytesWritten: data.length };
  }

  transferIn(_ep: number, length: number): Promise<{ status: string; data?: DataView }> {
    if (!this.opened) return Promise.reject(new Error('LIBUSB_ERROR_NO_DEVICE'));
    if (this.waiter) return Promise.reject(new Error('LIBUSB_ERROR_BUSY'));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiter = { resolve, reject, max: length };
      this.flushIn();
    }).then((d) => ({ status: 'ok', data: new DataView(d.buffer, d.byteOffset, d.byteLength) }));
  }

  private toHost(bytes: Uint8Array): void {
    for (const b of bytes) this.inQueue.push(b);
    if (this.inQueue.length > MAX_QUEUED_IN) this.inQueue.splice(0, this.inQueue.length - MAX_QUEUED_IN);
    this.flushIn();
  }

  private flushIn(): void {
    const w = this.waiter;
    if (!w || this.inQueue.length === 0) return;
    this.waiter = undefined;
    w.resolve(Uint8Array.from(this.inQueue.splice(0, w.max)));
  }

  failIn(err: Error): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(err);
  }

  unplugged(): void {
    this.link?.disconnect();
    this.link = undefined;
    this.opened = false;
    this.failIn(new Error('LIBUSB_ERROR_NO_DEVICE'));
  }
}

export class VirtualUsbBus implements UsbRoot {
  private readonly devices: VirtualUsbDevice[] = [];
  private readonly listeners = new Set<DisconnectListener>();
  /** A `usb` transport binding over this bus (the real USB transport code, virtual devices). */
  readonly binding: TransportBinding = createUsbBinding(async () => this);

  /** Plugs in a USB receipt printer that is the given simulator. */
  attachPrinter(printer: PrinterSimulator, info: VirtualUsbInfo): UsbDeviceLike {
    const d = new VirtualUsbDevice(info, printer);
    this.devices.push(d);
    return d;
  }

  /** Plugs in a device the register has no use for (only its ids are seen). */
  attachOther(info: VirtualUsbInfo): UsbDeviceLike {
    const d = new VirtualUsbDevice(info, undefined);
    this.devices.push(d);
    return d;
  }

  /** Pulls the cable: the host's transport sees the disconnect event. */
  unplug(device: UsbDeviceLike): void {
    const i = this.devices.indexOf(device as VirtualUsbDevice);
    if (i < 0) return;
    const [d] = this.devices.splice(i, 1);
    d!.unplugged();
    for (const l of [...this.listeners]) l({ device: d! });
  }

  /** Plugs a device back in (after unplug). */
  replug(device: UsbDeviceLike): void {
    if (!this.devices.includes(device as VirtualUsbDevice)) this.devices.push(device as VirtualUsbDevice);
  }

  async getDevices(): Promise<UsbDeviceLike[]> {
    return [...this.devices];
  }
  addEventListener(_type: 'disconnect', fn: DisconnectListener): void {
    this.listeners.add(fn);
  }
  removeEventListener(_type: 'disconnect', fn: DisconnectListener): void {
    this.listeners.delete(fn);
  }
}
