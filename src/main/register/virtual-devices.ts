import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPtyPair, type PtyPair } from '../../drivers/simulators/pty';
import { ScannerSimulator } from '../../drivers/simulators/scanner-sim';
import { ScaleSimulator } from '../../drivers/simulators/scale-sim';
import { PrinterSimulator } from '../../drivers/simulators/printer-sim';
import { ZvtTerminalSimulator, type SimOutcome, type ZvtTcpServer } from '../../drivers/simulators/payment-sim';
import { DisplaySimulator } from '../../drivers/simulators/display-sim';
import { VirtualUsbBus } from '../../drivers/simulators/usb-bus';
import { resolvePrinterProfile } from '../../drivers/printer/profiles';
import { serialBinding } from '../../drivers/transport/serial';
import { MockBinding, type MockDevice } from '../../drivers/transport/mock';
import { TransportError } from '../../drivers/transport/errors';
import type { FoundDevice, Transport, TransportAddress, TransportBinding, TransportEvents } from '../../drivers/transport/transport';
import type { Symbology } from '../../drivers/scanner/aim';
import type { DeviceConfig } from '../../drivers/config/schema';
import { parseDeviceConfig } from '../../drivers/config/load';

// A virtual store counter for the demo and the end-to-end tests: the drivers' simulators
// speaking the real protocols — a serial scanner, an 8217 scale and a 2×20 customer display on
// socat PTY pairs, an Epson TM-T88VI receipt printer (drawer on its kick port) on a virtual USB
// bus (the real USB transport code, a simulated device), and a ZVT card terminal on loopback
// TCP. The register talks to them through its ordinary drivers, configured in the drivers' own
// format; nothing in the register knows.
//
// Without socat (a machine with only Node), the scanner, scale and display sit on in-process
// links instead: the transport contract's MockBinding, reached through a serial binding that
// maps `virtual:<name>` paths to its devices. The register still uses the real serial drivers
// (framing, AIM ids, the 8217 poll protocol, reconnects), only the wire is in memory.

export const VIRTUAL_PRINTER_USB = { vendorId: 0x04b8, productId: 0x0202, manufacturer: 'EPSON', product: 'TM-T88VI', serialNumber: 'SIM0001' };

export interface VirtualDevices {
  /** The drivers' device configuration pointing at the simulators (register.json `device_config`). */
  deviceConfig: DeviceConfig;
  /** How the serial devices are linked: socat PTYs, or in-process when socat is missing. */
  serial: 'pty' | 'in-process';
  /** Bindings the configuration needs besides the real ones: the virtual USB bus (and the in-process serial one, if used). */
  bindings: TransportBinding[];
  usb: VirtualUsbBus;
  /** The customer display's screen. */
  display: DisplaySimulator;
  /** Receipts are also saved here (text + PNG), when asked. */
  receiptDir?: string;
  scan(code: string, symbology?: Symbology): Promise<void>;
  /** Put an item of `grams` on the scale (stable at once unless settlePolls > 0). */
  place(grams: number, settlePolls?: number): void;
  printer: PrinterSimulator;
  payment: ZvtTerminalSimulator;
  /** Next card outcome (default approve). */
  nextCard(outcome: SimOutcome): void;
  /** Receipts cut so far (text), newest last. */
  receipts(): string[];
  /** Resolves with the text of the next receipt cut. */
  nextReceipt(timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

const NUMERIC: Record<string, number> = { USD: 840, EUR: 978, GBP: 826, CHF: 756, CAD: 124 };
const MAX_SAVED = 10_000;

/** Whether an executable of this name is on PATH (e.g. socat for the PTY pairs). */
export function onPath(name: string, pathVar = process.env.PATH ?? ''): boolean {
  return pathVar.split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The simulator's end of a serial link: what it writes reaches the host, and it hears the host. */
type DeviceEnd = Pick<Transport, 'write' | 'on' | 'off'>;

/**
 * A serial binding whose ports are in-process MockBinding devices: the host opens
 * `virtual:<name>` as it would open /dev/ttyUSB0, and the simulator holds the device end.
 */
class InProcessSerial implements TransportBinding {
  readonly kind = 'serial' as const;
  private readonly mock = new MockBinding();

  device(name: string): DeviceEnd {
    const d: MockDevice = this.mock.createDevice(`virtual:${name}`, { manufacturer: 'Tillstream (in-process)' });
    const end = {
      // A device writes whether or not a host listens, as a UART does; bytes with no host are lost.
      write: async (bytes: Uint8Array) => void (d.isLinked ? d.reply(bytes) : undefined),
      // The device end hears only 'data' (what the host wrote); a simulator never listens for more.
      on: (event: keyof TransportEvents, l: (b: Uint8Array) => void) => (event === 'data' && d.on('data', l), end),
      off: (event: keyof TransportEvents, l: (b: Uint8Array) => void) => (event === 'data' && d.off('data', l), end),
    };
    return end as unknown as DeviceEnd; // Transport's `on` returns the Transport; simulators ignore it
  }

  async list(): Promise<FoundDevice[]> {
    return (await this.mock.list()).map((f) => ({ ...f, kind: 'serial' as const }));
  }

  async open(address: TransportAddress): Promise<Transport> {
    if (address.kind !== 'serial') throw new TransportError('IO', `in-process serial cannot open a ${address.kind} address`);
    return this.mock.open({ kind: 'mock', name: address.path });
  }
}

export async function startVirtualDevices(opts: { currency: string; locale?: string; receiptDir?: string; dir?: string; serial?: 'pty' | 'in-process'; drawerAlertSeconds?: number }): Promise<VirtualDevices> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const serial = opts.serial ?? (onPath('socat') ? 'pty' : 'in-process');
    const inProcess = serial === 'in-process' ? new InProcessSerial() : null;
    const openSerial = async (name: 'scanner' | 'scale' | 'display'): Promise<{ hostPath: string; end: DeviceEnd }> => {
      if (inProcess) return { hostPath: `virtual:${name}`, end: inProcess.device(name) };
      const pty: PtyPair = await createPtyPair(opts.dir ? { dir: opts.dir, hostName: name, deviceName: `${name}-sim` } : {});
      closers.push(() => pty.close());
      const end: Transport = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
      closers.push(() => end.close());
      return { hostPath: pty.hostPath, end };
    };
    const scannerLink = await openSerial('scanner');
    const scanner = new ScannerSimulator(scannerLink.end, { suffix: 'CR', aimPrefix: true });
    const scaleLink = await openSerial('scale');
    const scale = new ScaleSimulator(scaleLink.end, { capacityGrams: 15_000, zeroRangeGrams: 300 });
    closers.push(async () => scale.detach());
    const displayLink = await openSerial('display');
    const display = new DisplaySimulator(displayLink.end);
    closers.push(async () => display.detach());

    const profile = resolvePrinterProfile('epson-tm-t88vi');
    const printer = new PrinterSimulator({ profile: profile.id, openDrawerOnPulse: true });
    const usb = new VirtualUsbBus();
    usb.attachPrinter(printer, VIRTUAL_PRINTER_USB);
    // A real drawer is closed by the cashier; the virtual one shuts itself after a moment.
    printer.on('pulse', () => {
      const t = setTimeout(() => printer.setDrawer(false), 1500);
      closers.push(async () => clearTimeout(t));
    });

    const payment = new ZvtTerminalSimulator({ currencyNumeric: NUMERIC[opts.currency] ?? 978, cardPan: '476173******0119' });
    const paymentServer: ZvtTcpServer = await payment.listenTcp(0);
    closers.push(() => paymentServer.close());

    const saved: string[] = [];
    const waiters: Array<(t: string) => void> = [];
    let cutFrom = 0;
    if (opts.receiptDir) mkdirSync(opts.receiptDir, { recursive: true });
    printer.on('cut', (text) => {
      const from = cutFrom;
      cutFrom = printer.paper.length;
      if (saved.length >= MAX_SAVED) saved.shift();
      saved.push(text);
      if (opts.receiptDir) {
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const base = path.join(opts.receiptDir, `receipt-${stamp}-${saved.length}`);
        try {
          writeFileSync(`${base}.txt`, text);
          writeFileSync(`${base}.png`, printer.renderPng({ from }));
        } catch {
          // A full disk must not stop the virtual printer.
        }
      }
      for (const w of waiters.splice(0)) w(text);
    });

    const reconnect = { initialDelayMs: 250, maxDelayMs: 3000 };
    const deviceConfig = parseDeviceConfig(
      {
        version: 1,
        devices: {
          printer: { type: 'printer', connection: { transport: 'usb', device: '04b8:0202', serialNumber: VIRTUAL_PRINTER_USB.serialNumber }, profile: profile.id, statusPollMs: 500, reconnect },
          drawer: { type: 'drawer', via: 'printer', printer: 'printer', openAlertSeconds: opts.drawerAlertSeconds ?? 60 },
          scanner: { type: 'scanner', connection: { transport: 'serial', path: scannerLink.hostPath, baudRate: 9600 }, suffix: 'CR', aimPrefix: true, reconnect },
          scale: { type: 'scale', connection: { transport: 'serial', path: scaleLink.hostPath, baudRate: 9600 }, reconnect },
          payment: { type: 'payment', connection: { transport: 'tcp', host: '127.0.0.1', port: paymentServer.port }, currency: opts.currency, transactionTimeoutMs: 30_000, reconnect },
          display: { type: 'display', connection: { transport: 'serial', path: displayLink.hostPath, baudRate: 9600 }, locale: opts.locale ?? 'en-US', idleText: ['Welcome', ''], reconnect },
        },
      },
      'virtual devices',
    );

    return {
      deviceConfig,
      serial,
      bindings: [usb.binding, ...(inProcess ? [inProcess] : [])],
      usb,
      display,
      ...(opts.receiptDir ? { receiptDir: opts.receiptDir } : {}),
      scan: (code, symbology = /^\d{13}$/.test(code) ? 'ean13' : /^\d{8}$/.test(code) ? 'ean8' : 'code128') => scanner.scan(code, symbology),
      place: (grams, settlePolls = 0) => scale.place(grams, { settlePolls }),
      printer,
      payment,
      nextCard: (o) => void payment.next(o),
      receipts: () => [...saved],
      nextReceipt: (timeoutMs = 20_000) =>
        new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no receipt was printed')), timeoutMs);
          waiters.push((text) => {
            clearTimeout(t);
            resolve(text);
          });
        }),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
