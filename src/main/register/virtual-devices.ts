import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPtyPair, type PtyPair } from '../../drivers/simulators/pty';
import { ScannerSimulator } from '../../drivers/simulators/scanner-sim';
import { ScaleSimulator } from '../../drivers/simulators/scale-sim';
import { PrinterSimulator, servePrinterOnTcp, type TcpSimServer } from '../../drivers/simulators/printer-sim';
import { ZvtTerminalSimulator, type SimOutcome, type ZvtTcpServer } from '../../drivers/simulators/payment-sim';
import { serialBinding } from '../../drivers/transport/serial';
import type { Transport } from '../../drivers/transport/transport';
import type { Symbology } from '../../drivers/scanner/aim';
import { REGISTER_PRINTER_PROFILE } from './device-set';
import type { RegisterConfigInput } from './config';

// A virtual store counter for the demo and the end-to-end tests: the drivers' simulators
// speaking the real protocols — a serial scanner and an 8217 scale on socat PTY pairs, an
// ESC/POS printer (with the drawer on its kick port) and a ZVT card terminal on loopback TCP.
// The register talks to them through its ordinary drivers; nothing in the register knows.

export interface VirtualDevices {
  /** Device section of the register config pointing at the simulators. */
  config: NonNullable<RegisterConfigInput['devices']>;
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

export async function startVirtualDevices(opts: { currency: string; receiptDir?: string; dir?: string }): Promise<VirtualDevices> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const scannerPty: PtyPair = await createPtyPair(opts.dir ? { dir: opts.dir, hostName: 'scanner', deviceName: 'scanner-sim' } : {});
    closers.push(() => scannerPty.close());
    const scannerEnd: Transport = await serialBinding.open({ kind: 'serial', path: scannerPty.devicePath, baudRate: 9600 });
    closers.push(() => scannerEnd.close());
    const scanner = new ScannerSimulator(scannerEnd, { suffix: 'CR', aimPrefix: true });

    const scalePty: PtyPair = await createPtyPair(opts.dir ? { dir: opts.dir, hostName: 'scale', deviceName: 'scale-sim' } : {});
    closers.push(() => scalePty.close());
    const scaleEnd: Transport = await serialBinding.open({ kind: 'serial', path: scalePty.devicePath, baudRate: 9600 });
    closers.push(() => scaleEnd.close());
    const scale = new ScaleSimulator(scaleEnd, { capacityGrams: 15_000, zeroRangeGrams: 300 });
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
        scanner: { path: scannerPty.hostPath, baudRate: 9600 },
        scale: { path: scalePty.hostPath, baudRate: 9600 },
        printer: { host: '127.0.0.1', port: printerServer.port },
        payment: { host: '127.0.0.1', port: paymentServer.port },
        ...(opts.receiptDir ? { receipt_dir: opts.receiptDir } : {}),
      },
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
