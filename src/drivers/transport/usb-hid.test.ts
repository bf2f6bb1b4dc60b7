// USB and HID transports against fakes of the `usb` / `node-hid` modules (no hardware in CI):
// what is checked is our side of the contract — kernel driver detach/attach order, bulk
// endpoint choice, chunking, reads, unplug, and the permission hints.
import { describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import { createHidBinding, type HidHandle, type HidModule } from './hid';
import type { TransportEvents } from './transport';
import { USB_MAX_TRANSFER, createUsbBinding, type UsbDeviceLike, type UsbRoot } from './usb';

function fakeUsb(opts: { openError?: Error; kernelDriver?: boolean } = {}) {
  const calls: string[] = [];
  const written: number[][] = [];
  let pendingIn: ((d: Uint8Array) => void) | undefined;
  let failIn: ((e: Error) => void) | undefined;
  const disconnectListeners = new Set<(ev: { device: UsbDeviceLike }) => void>();
  const device: UsbDeviceLike = {
    vendorId: 0x04b8,
    productId: 0x0202,
    manufacturerName: 'EPSON',
    productName: 'TM-T88VI',
    serialNumber: 'X1',
    configuration: {
      configurationValue: 1,
      interfaces: [
        { interfaceNumber: 0, alternate: { interfaceClass: 3, endpoints: [{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 8 }] } },
        {
          interfaceNumber: 1,
          alternate: {
            interfaceClass: 7,
            endpoints: [
              { endpointNumber: 1, direction: 'out', type: 'bulk', packetSize: 64 },
              { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 },
            ],
          },
        },
      ],
    },
    async open() {
      calls.push('open');
      if (opts.openError) throw opts.openError;
    },
    async close() {
      calls.push('close');
    },
    async selectConfiguration() {},
    async claimInterface(n) {
      calls.push(`claim ${n}`);
    },
    async releaseInterface(n) {
      calls.push(`release ${n}`);
      failIn?.(new Error('LIBUSB_TRANSFER_CANCELLED'));
    },
    async transferOut(ep, data) {
      written.push([ep, data.length]);
      return { status: 'ok', bytesWritten: data.length };
    },
    transferIn(ep) {
      calls.push(`in ${ep}`);
      return new Promise((resolve, reject) => {
        pendingIn = (d) => resolve({ status: 'ok', data: new DataView(d.buffer, d.byteOffset, d.byteLength) });
        failIn = reject;
      });
    },
    async detachKernelDriver(n) {
      if (!opts.kernelDriver) throw new Error('LIBUSB_ERROR_NOT_FOUND');
      calls.push(`detach ${n}`);
    },
    async attachKernelDriver(n) {
      calls.push(`attach ${n}`);
    },
  };
  const root: UsbRoot = {
    getDevices: async () => [device],
    addEventListener: (_t, fn) => void disconnectListeners.add(fn),
    removeEventListener: (_t, fn) => void disconnectListeners.delete(fn),
  };
  return {
    binding: createUsbBinding(async () => root),
    calls,
    written,
    reply: (b: number[]) => pendingIn?.(Uint8Array.from(b)),
    unplug: () => {
      for (const f of disconnectListeners) f({ device });
    },
    listeners: () => disconnectListeners.size,
  };
}

describe('USB bulk transport', () => {
  it('lists devices with ids and strings', async () => {
    const f = fakeUsb();
    expect(await f.binding.list()).toEqual([{ kind: 'usb', id: '04b8:0202', vendorId: 0x04b8, productId: 0x0202, manufacturer: 'EPSON', product: 'TM-T88VI', serialNumber: 'X1' }]);
  });

  it('detaches usblp, claims the printer-class interface, writes in bounded bulk transfers, reads replies, and gives usblp back on close', async () => {
    const f = fakeUsb({ kernelDriver: true });
    const t = await f.binding.open({ kind: 'usb', vendorId: 0x04b8, productId: 0x0202 });
    expect(f.calls.slice(0, 3)).toEqual(['open', 'detach 1', 'claim 1']);
    await t.write(new Uint8Array(USB_MAX_TRANSFER * 2 + 10));
    expect(f.written).toEqual([[1, USB_MAX_TRANSFER], [1, USB_MAX_TRANSFER], [1, 10]]);
    const got = waitForEvent<TransportEvents, 'data'>(t, 'data');
    f.reply([0x16]);
    expect([...(await got)[0]]).toEqual([0x16]);
    await t.close();
    expect(f.calls.slice(-3)).toEqual(['release 1', 'attach 1', 'close']);
    expect(f.listeners()).toBe(0);
  });

  it('does not re-attach a kernel driver it did not detach', async () => {
    const f = fakeUsb({ kernelDriver: false });
    const t = await f.binding.open({ kind: 'usb', vendorId: 0x04b8, productId: 0x0202 });
    await t.close();
    expect(f.calls.filter((c) => c.startsWith('attach') || c.startsWith('detach'))).toEqual([]);
  });

  it('reports unplug as disconnect', async () => {
    const f = fakeUsb();
    const t = await f.binding.open({ kind: 'usb', vendorId: 0x04b8, productId: 0x0202 });
    const gone = waitForEvent<TransportEvents, 'disconnect'>(t, 'disconnect');
    f.unplug();
    await gone;
    expect(t.isOpen).toBe(false);
  });

  it('names the udev rule when libusb refuses access, and NOT_FOUND for an absent device', async () => {
    const f = fakeUsb({ openError: Object.assign(new Error('LIBUSB_ERROR_ACCESS'), {}) });
    await expect(f.binding.open({ kind: 'usb', vendorId: 0x04b8, productId: 0x0202 })).rejects.toMatchObject({ code: 'ACCESS', message: expect.stringContaining('60-tillstream.rules') });
    await expect(fakeUsb().binding.open({ kind: 'usb', vendorId: 0x0519, productId: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('HID transport', () => {
  function fakeHid(openError?: Error) {
    const handlers: Record<string, (x: never) => void> = {};
    const writes: number[][] = [];
    let closed = false;
    const handle: HidHandle = {
      on: ((e: string, fn: (x: never) => void) => void (handlers[e] = fn)) as HidHandle['on'],
      write: async (v) => (writes.push([...v]), v.length),
      close: async () => void (closed = true),
    };
    const mod: HidModule = {
      devicesAsync: async () => [
        { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw3', usagePage: 0x8c, product: 'Xenon' },
        { vendorId: 0x0c2e, productId: 0x0b61, path: '/dev/hidraw4', usagePage: 0x01, product: 'Xenon keyboard' },
      ],
      HIDAsync: {
        open: async (path) => {
          if (openError) throw openError;
          opened.push(path);
          return handle;
        },
      },
    };
    const opened: string[] = [];
    return { binding: createHidBinding(async () => mod), handlers, writes, opened, isClosed: () => closed };
  }

  it('opens the interface with the requested usage page, passes reports both ways, and reports errors as disconnect', async () => {
    const f = fakeHid();
    expect((await f.binding.list()).map((d) => d.usagePage)).toEqual([0x8c, 0x01]);
    const t = await f.binding.open({ kind: 'hid', vendorId: 0x0c2e, productId: 0x0b61, usagePage: 0x8c });
    expect(f.opened).toEqual(['/dev/hidraw3']);
    await t.write(Uint8Array.of(0, 1, 2));
    expect(f.writes).toEqual([[0, 1, 2]]);
    const got = waitForEvent<TransportEvents, 'data'>(t, 'data');
    f.handlers.data!(Buffer.from([2, 5]) as never);
    expect([...(await got)[0]]).toEqual([2, 5]);
    const gone = waitForEvent<TransportEvents, 'disconnect'>(t, 'disconnect');
    f.handlers.error!(new Error('could not read from HID device') as never);
    await gone;
    expect(f.isClosed()).toBe(true);
  });

  it('names the udev rule on EACCES', async () => {
    const f = fakeHid(new Error('cannot open device with path /dev/hidraw3: Permission denied'));
    await expect(f.binding.open({ kind: 'hid', vendorId: 0x0c2e, productId: 0x0b61 })).rejects.toMatchObject({ code: 'ACCESS', message: expect.stringContaining('60-tillstream.rules') });
  });
});
