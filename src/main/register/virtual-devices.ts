import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPtyPair, type PtyPair } from '../../drivers/simulators/pty';
import { ScannerSimulator } from '../../drivers/simulators/scanner-sim';
import { ScaleSimulator } from '../../drivers/simulators/scale-sim';
import { PrinterSimulator, servePrinterOnTcp, type TcpSimServer } from '../../drivers/simulators/printer-sim';
import { ZvtTerminalSimulator, type SimOutcome, type ZvtTcpServer } from '../../drivers/simulators/payment-sim';
import { serialBinding } from '../../drivers/transport/serial';
import { MockBinding, type MockDevice } from '../../drivers/transport/mock';
import { TransportError } from '../../drivers/transport/errors';
import type { FoundDevice, Transport, TransportAddress, TransportBinding, TransportEvents } from '../../drivers/transport/transport';
import type { Symbology } from '../../drivers/scanner/aim';
import { REGISTER_PRINTER_PROFILE } from './device-set';
import type { RegisterConfigInput } from './config';

// A virtual store counter for the demo and the end-to-end tests: the drivers' simulators
// speaking the real protocols — a serial scanner and an 8217 scale on socat PTY pairs, an
// ESC/POS printer (with the drawer on its kick port) and a ZVT card terminal on loopback TCP.
// The register talks to them through its ordinary drivers; nothing in the register knows.
//
// Without socat (a machine with only Node), the scanner and scale sit on in-process links
// instead: the transport contract's MockBinding, reached through a serial binding that maps
// `virtual:<name>` paths to its devices. The register still uses the real serial drivers
// (framing, AIM ids, the 8217 poll protocol, reconnects), only the wire is in memory.

export interface VirtualDevices {
  /** Device section of the register config pointing at the simulators. */
  config: NonNullable<RegisterConfigInput['devices']>;
  /** How the serial devices are linked: socat PTYs, or in-process when socat is missing. */
  serial: 'pty' | 'in-process';
  /** Bindings the register's drivers need for `config` (the in-process serial one, if used). */
  bindings: TransportBinding[];
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

export async function startVirtualDevices(opts: { currency: string; receiptDir?: string; dir?: string; serial?: 'pty' | 'in-process' }): Promise<VirtualDevices> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const serial = opts.serial ?? (onPath('socat') ? 'pty' : 'in-process');
    const inProcess = serial === 'in-process' ? new InProcessSerial() : null;
    const openSerial = async (name: 'scanner' | 'scale'): Promise<{ hostPath: string; end: DeviceEnd }> => {
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

    const printer = new PrinterSimulator({ profile: REGISTER_PRINTER_PROFILE, openDrawerOnPulse: true });
    const printerServer: TcpSimServer = await servePrinterOnTcp(printer, 0);
    closers.push(() => printerServer.close());
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

    return {
      config: {
        scanner: { path: scannerLink.hostPath, baudRate: 9600 },
        scale: { path: scaleLink.hostPath, baudRate: 9600 },
        printer: { host: '127.0.0.1', port: printerServer.port },
        payment: { host: '127.0.0.1', port: paymentServer.port },
        ...(opts.receiptDir ? { receipt_dir: opts.receiptDir } : {}),
      },
      serial,
      bindings: inProcess ? [inProcess] : [],
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
