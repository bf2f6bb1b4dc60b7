// USB printers (and other bulk devices) through the `usb` package (WebUSB API over nusb).
// On Linux a USB printer is normally bound to the kernel's usblp driver (/dev/usb/lp0); we
// detach it so we can talk to the bulk endpoints ourselves (and read status replies, which
// usblp makes awkward), and give it back on close.

import { BaseTransport, describeAddress, hex4 } from './base';
import { TransportError, classifyOpenError } from './errors';
import type { FoundDevice, TransportAddress, TransportBinding } from './transport';

type UsbAddress = Extract<TransportAddress, { kind: 'usb' }>;

/** Largest single bulk OUT transfer; big raster jobs are split so one transfer never blocks long. */
export const USB_MAX_TRANSFER = 4096;
/** USB interface class for printers. */
const PRINTER_CLASS = 7;

// The structural subset of WebUSB's USBDevice (+ node-usb's Linux extensions) we use; the
// package's own types lean on DOM WebUSB types TypeScript does not ship.
export interface UsbEndpointLike {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
  packetSize: number;
}
export interface UsbInterfaceLike {
  interfaceNumber: number;
  alternate: { interfaceClass: number; endpoints: UsbEndpointLike[] };
}
export interface UsbDeviceLike {
  vendorId: number;
  productId: number;
  readonly manufacturerName?: string | null;
  readonly productName?: string | null;
  readonly serialNumber?: string | null;
  readonly configuration?: { configurationValue: number; interfaces: UsbInterfaceLike[] } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(v: number): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  transferOut(ep: number, data: Uint8Array): Promise<{ status: string; bytesWritten: number }>;
  transferIn(ep: number, length: number): Promise<{ status: string; data?: DataView }>;
  detachKernelDriver?(n: number): Promise<void>;
  attachKernelDriver?(n: number): Promise<void>;
}
export interface UsbRoot {
  getDevices(): Promise<UsbDeviceLike[]>;
  addEventListener(type: 'disconnect', fn: (ev: { device: UsbDeviceLike }) => void): void;
  removeEventListener(type: 'disconnect', fn: (ev: { device: UsbDeviceLike }) => void): void;
}

async function loadUsb(): Promise<UsbRoot> {
  // Loaded lazily: the native module is only needed when a USB device is configured.
  const mod = (await import('usb')) as unknown as { usb: UsbRoot };
  return mod.usb;
}

export class UsbTransport extends BaseTransport {
  private reading = true;
  private readonly onDetach = (ev: { device: UsbDeviceLike }) => {
    if (ev.device === this.device) this.lost(new TransportError('DISCONNECTED', `${describeAddress(this.address)} unplugged`));
  };

  constructor(
    address: UsbAddress,
    private readonly root: UsbRoot,
    private readonly device: UsbDeviceLike,
    private readonly iface: number,
    private readonly outEp: UsbEndpointLike,
    private readonly inEp: UsbEndpointLike | undefined,
    private readonly detachedKernelDriver: boolean,
  ) {
    super('usb', address);
    root.addEventListener('disconnect', this.onDetach);
    if (inEp) void this.readLoop(inEp);
  }

  private async readLoop(ep: UsbEndpointLike): Promise<void> {
    while (this.reading && this.isOpen) {
      try {
        const r = await this.device.transferIn(ep.endpointNumber, Math.max(64, ep.packetSize));
        if (r.status === 'stall') continue;
        if (r.data && r.data.byteLength > 0) this.received(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength).slice());
      } catch (err) {
        if (this.reading && this.isOpen) this.lost(err);
        return;
      }
    }
  }

  protected async rawWrite(bytes: Uint8Array, signal: AbortSignal): Promise<void> {
    for (let off = 0; off < bytes.length && !signal.aborted; off += USB_MAX_TRANSFER) {
      const chunk = bytes.subarray(off, Math.min(bytes.length, off + USB_MAX_TRANSFER));
      const r = await this.device.transferOut(this.outEp.endpointNumber, chunk);
      if (r.status !== 'ok') throw new TransportError('IO', `${describeAddress(this.address)} bulk OUT ${r.status}`);
    }
  }

  protected async rawDrain(): Promise<void> {
    // transferOut resolves when the device acknowledged the data; nothing is buffered host-side.
  }

  protected async rawClose(): Promise<void> {
    this.reading = false;
    this.root.removeEventListener('disconnect', this.onDetach);
    await this.device.releaseInterface(this.iface).catch(() => undefined);
    if (this.detachedKernelDriver) await this.device.attachKernelDriver?.(this.iface).catch(() => undefined);
    await this.device.close().catch(() => undefined);
  }
}

function pickInterface(dev: UsbDeviceLike): { iface: UsbInterfaceLike; out: UsbEndpointLike; in?: UsbEndpointLike } | undefined {
  const ifaces = dev.configuration?.interfaces ?? [];
  const candidates = [...ifaces].sort((a, b) => Number(b.alternate.interfaceClass === PRINTER_CLASS) - Number(a.alternate.interfaceClass === PRINTER_CLASS));
  for (const iface of candidates) {
    const eps = iface.alternate.endpoints;
    const out = eps.find((e) => e.direction === 'out' && e.type === 'bulk');
    if (!out) continue;
    const inEp = eps.find((e) => e.direction === 'in' && e.type === 'bulk');
    return inEp ? { iface, out, in: inEp } : { iface, out };
  }
  return undefined;
}

function safe<T>(f: () => T): T | undefined {
  try {
    return f() ?? undefined;
  } catch {
    return undefined;
  }
}

/** The USB binding over a `usb`-like root (the real module by default; tests pass a fake). */
export function createUsbBinding(load: () => Promise<UsbRoot> = loadUsb): TransportBinding {
  return {
    kind: 'usb',
    async list(): Promise<FoundDevice[]> {
      const root = await load();
      const devices = await root.getDevices();
      return devices.map((d) => ({
        kind: 'usb' as const,
        id: `${hex4(d.vendorId)}:${hex4(d.productId)}`,
        vendorId: d.vendorId,
        productId: d.productId,
        manufacturer: safe(() => d.manufacturerName) ?? undefined,
        product: safe(() => d.productName) ?? undefined,
        serialNumber: safe(() => d.serialNumber) ?? undefined,
      }));
    },
    async open(address: TransportAddress) {
      if (address.kind !== 'usb') throw new TransportError('IO', `usb binding cannot open ${describeAddress(address)}`);
      const where = describeAddress(address);
      const root = await load();
      const dev = (await root.getDevices()).find(
        (d) => d.vendorId === address.vendorId && d.productId === address.productId && (address.serialNumber === undefined || safe(() => d.serialNumber) === address.serialNumber),
      );
      if (!dev) throw new TransportError('NOT_FOUND', `${where} not found`, 'check the cable and `tillstream devices list`');
      try {
        await dev.open();
        if (!dev.configuration) await dev.selectConfiguration(1);
      } catch (err) {
        throw classifyOpenError(err, where, 'usb');
      }
      const pick = pickInterface(dev);
      if (!pick) {
        await dev.close().catch(() => undefined);
        throw new TransportError('IO', `${where} has no bulk OUT endpoint`, 'is it a HID device? configure it with transport "hid"');
      }
      const n = pick.iface.interfaceNumber;
      let detached = false;
      try {
        // Fails when no kernel driver is bound, which is fine; fails with ACCESS without rights.
        await dev.detachKernelDriver?.(n);
        detached = true;
      } catch (err) {
        if (/ACCESS|permission/i.test(String((err as Error)?.message ?? err))) {
          await dev.close().catch(() => undefined);
          throw classifyOpenError(err, where, 'usb');
        }
      }
      try {
        await dev.claimInterface(n);
      } catch (err) {
        if (detached) await dev.attachKernelDriver?.(n).catch(() => undefined);
        await dev.close().catch(() => undefined);
        throw classifyOpenError(err, where, 'usb');
      }
      return new UsbTransport(address, root, dev, n, pick.out, pick.in, detached);
    },
  };
}

export const usbBinding: TransportBinding = createUsbBinding();
