import { describe, expect, it } from 'vitest';
import { waitForEvent } from '../device/emitter';
import type { StatusEvent } from '../device/events';
import { ReceiptPrinter } from '../printer/printer';
import { PrinterSimulator } from '../simulators/printer-sim';
import { MockBinding } from '../transport/mock';
import { toTransportAddress } from './connection';
import { DeviceConfigError, parseDeviceConfig } from './load';
import { createDeviceContext } from './registry';

const good = {
  version: 1,
  devices: {
    printer: { type: 'printer', connection: { transport: 'usb', device: '04b8:0202' }, profile: 'epson-tm-t88vi' },
    drawer: { type: 'drawer', via: 'printer', printer: 'printer', pulse: { pin: 5 } },
    netprinter: { type: 'printer', connection: { transport: 'tcp', host: '192.168.1.50' }, profile: 'generic-escpos-80' },
    scanner: { type: 'scanner', connection: { transport: 'serial', path: '/dev/ttyUSB0', baudRate: 9600 } },
  },
};

function problems(value: unknown): Array<{ path: string; message: string }> {
  try {
    parseDeviceConfig(value);
  } catch (err) {
    if (err instanceof DeviceConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('device configuration', () => {
  it('accepts a valid file and fills defaults', () => {
    const cfg = parseDeviceConfig(good);
    const p = cfg.devices.printer!;
    expect(p.type === 'printer' && p.statusPollMs).toBe(500);
    const d = cfg.devices.drawer!;
    expect(d.type === 'drawer' && d.pulse).toEqual({ pin: 5, onMs: 100, offMs: 200 });
    const n = cfg.devices.netprinter!;
    expect(n.type === 'printer' && toTransportAddress(n.connection)).toEqual({ kind: 'tcp', host: '192.168.1.50', port: 9100 });
    expect(p.type === 'printer' && toTransportAddress(p.connection)).toEqual({ kind: 'usb', vendorId: 0x04b8, productId: 0x0202 });
  });

  it('lists every bad field with its path', () => {
    const bad = {
      version: 1,
      devices: {
        printer: { type: 'printer', connection: { transport: 'tcp', host: 'p', port: '9100' }, profile: 'epson-tm-9000', asb: 'yes' },
        drawer: { type: 'drawer', via: 'printer', printer: 'nowhere', pulse: { onMs: 1000 } },
        scanner: { type: 'scanner', connection: { transport: 'usb', device: '4b8-202' } },
        Bad: { type: 'toaster' },
      },
    };
    const paths = problems(bad).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'devices.printer.connection.port',
        'devices.printer.profile',
        'devices.printer.asb',
        'devices.drawer.pulse.onMs',
        'devices.scanner.connection.device',
        'devices.Bad',
      ]),
    );
    const msg = (() => {
      try {
        parseDeviceConfig(bad, 'devices.json');
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toContain('devices.printer.connection.port');
  });

  it("creates drivers B's devices from their entries", () => {
    const cfg = parseDeviceConfig({
      version: 1,
      devices: {
        scanner: { type: 'scanner', connection: { transport: 'mock', name: 's' }, suffix: 'CRLF' },
        scale: { type: 'scale', connection: { transport: 'mock', name: 'w' } },
        payment: { type: 'payment', connection: { transport: 'tcp', host: '127.0.0.1', port: 20007 }, currency: 'EUR' },
      },
    });
    const ctx = createDeviceContext(cfg, [new MockBinding()]);
    expect(['scanner', 'scale', 'payment'].map((n) => ctx.device(n).category)).toEqual(['scanner', 'scale', 'payment']);
    expect(problems({ version: 1, devices: { scanner: { type: 'scanner', connection: { transport: 'mock', name: 's' }, suffix: 'NUL' } } }).map((p) => p.path)).toEqual(['devices.scanner.suffix']);
  });

  it('refuses a drawer wired to a printer that is not configured', () => {
    const p = problems({ version: 1, devices: { drawer: { type: 'drawer', via: 'printer', printer: 'printer' } } });
    expect(p).toEqual([{ path: 'devices.drawer.printer', message: '"printer" is not a configured printer' }]);
  });

  it('creates shared driver objects: the drawer uses the configured printer', async () => {
    const binding = new MockBinding();
    const mock = binding.createDevice('p1');
    const sim = new PrinterSimulator();
    // Wire the mock device end to the simulator.
    const link = sim.connect((bytes) => mock.reply(bytes));
    mock.on('data', (b) => link.receive(b));
    const cfg = parseDeviceConfig({
      version: 1,
      devices: {
        printer: { type: 'printer', connection: { transport: 'mock', name: 'p1' }, profile: 'epson-tm-t88vi', statusPollMs: 50 },
        drawer: { type: 'drawer', via: 'printer', printer: 'printer' },
      },
    });
    const ctx = createDeviceContext(cfg, [binding]);
    const printer = ctx.device('printer') as ReceiptPrinter;
    const drawer = ctx.device('drawer');
    expect(ctx.device('printer')).toBe(printer);
    await printer.start();
    await drawer.start();
    const opened = waitForEvent<{ status: (s: StatusEvent) => void }, 'status'>(drawer as never, 'status', (s) => s.kind === 'drawer' && s.value === 'opened');
    await (drawer as unknown as { openDrawer(): Promise<void> }).openDrawer();
    await opened;
    await drawer.close();
    await printer.close();
  });
});
