// A Star printer (StarPRNT, TSP100IV profile) end to end through real transports: the
// ReceiptPrinter driver on the host end of a socat PTY (real serialport binding) or a loopback
// TCP socket, the simulator speaking StarPRNT on the other end. Status is Star's automatic
// status: polled with ESC ACK SOH, or pushed by the printer after ESC RS a 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { receiptDocumentSchema } from '../../core/receipt/document';
import { SAMPLE_RECEIPT } from '../../core/receipt/sample';
import { waitForEvent } from '../device/emitter';
import type { PosDeviceEvents, StatusEvent } from '../device/events';
import { createPtyPair } from '../simulators/pty';
import { PrinterSimulator, servePrinterOnPty, servePrinterOnTcp } from '../simulators/printer-sim';
import type { TransportAddress } from '../transport/transport';
import { ReceiptPrinter, type JobEvent, type PrinterEvents } from './printer';
import { resolvePrinterProfile } from './profiles';

const PROFILE = 'star-tsp100iv';
const doc = receiptDocumentSchema.parse({ ...SAMPLE_RECEIPT, saleId: 'S-2026-0077', saleIdCodes: ['qr'] });

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

let seq = 0;
function makePrinter(address: TransportAddress, opts: { asb?: boolean; statusPollMs?: number } = {}) {
  const printer = new ReceiptPrinter(`star-${++seq}`, {
    address,
    profile: PROFILE,
    statusPollMs: opts.statusPollMs ?? 20,
    statusTimeoutMs: 2_000,
    asb: opts.asb ?? false,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    layout: { timeZone: 'UTC' },
  });
  cleanups.push(() => (printer.opened ? printer.close() : Promise.resolve()));
  return printer;
}
const jobEnd = (printer: ReceiptPrinter, id: string) =>
  waitForEvent<PosDeviceEvents & PrinterEvents, 'job'>(printer, 'job', (e: JobEvent) => e.id === id && ['done', 'failed', 'cancelled'].includes(e.state), 20_000).then(([e]) => e);
const status = (printer: ReceiptPrinter, match: (s: StatusEvent) => boolean) =>
  waitForEvent<Pick<PosDeviceEvents, 'status'>, 'status'>(printer, 'status', match, 10_000).then(([s]) => s);

describe('Star printer (StarPRNT)', () => {
  it('the profile asks Star status, and the simulator speaks StarPRNT', () => {
    const p = resolvePrinterProfile(PROFILE);
    expect([p.language, p.statusProtocol, p.realtimeStatus]).toEqual(['star-prnt', 'star', true]);
    expect(new PrinterSimulator({ profile: PROFILE }).language).toBe('star');
  });

  it('over TCP: prints a receipt, and paper-out and cover-open reach the driver from polled status (ESC ACK SOH), blocking printing until cleared', async () => {
    const sim = new PrinterSimulator({ profile: PROFILE });
    const server = await servePrinterOnTcp(sim);
    cleanups.push(() => server.close());
    const printer = makePrinter({ kind: 'tcp', host: '127.0.0.1', port: server.port });
    await printer.start();
    const id = printer.printReceipt(doc);
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done' });
    const text = sim.receipts()[0]!;
    expect(text).toContain(SAMPLE_RECEIPT.header.storeName);
    expect(text).toContain('[QR S-2026-0077]');
    expect(sim.statusRequests).toBeGreaterThan(0);
    expect(printer.snapshot).toMatchObject({ online: true, coverOpen: false, paper: 'ok' });

    const empty = status(printer, (s) => s.kind === 'paper' && s.value === 'empty');
    sim.runOutOfPaper();
    await empty;
    const open = status(printer, (s) => s.kind === 'cover' && s.value === 'open');
    sim.openCover();
    await open;
    expect(await printer.queryStatus()).toMatchObject({ online: false, coverOpen: true, paper: 'empty' });
    // A receipt queued now waits for the printer, and comes out once paper and cover are fixed.
    const cuts = sim.receipts().length;
    const second = printer.printReceipt(doc);
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.receipts().length).toBe(cuts);
    sim.refill();
    sim.closeCover();
    expect(await jobEnd(printer, second)).toMatchObject({ state: 'done', attempt: 1 });
    expect(sim.receipts().filter((r) => r.includes('[QR S-2026-0077]'))).toHaveLength(2);
  });

  it('over a socat PTY with automatic status on (ESC RS a 1): cover and paper changes arrive without a poll', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-star-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const sim = new PrinterSimulator({ profile: PROFILE });
    const pair = await createPtyPair({ dir });
    const server = await servePrinterOnPty(sim, pair.devicePath);
    cleanups.push(() => pair.close(), () => server.close());
    const printer = makePrinter({ kind: 'serial', path: pair.hostPath, baudRate: 38400 }, { asb: true, statusPollMs: 600_000 });
    const first = status(printer, (s) => s.kind === 'paper' && s.value === 'ok');
    await printer.start();
    await first;
    // One enquiry at start-up (the monitor's first poll); count from after it.
    for (let i = 0; i < 500 && sim.statusRequests < 1; i++) await new Promise((r) => setTimeout(r, 10));
    const polls = sim.statusRequests;
    expect(polls).toBe(1);
    const cover = status(printer, (s) => s.kind === 'cover' && s.value === 'open');
    sim.openCover();
    await cover;
    const paper = status(printer, (s) => s.kind === 'paper' && s.value === 'empty');
    sim.runOutOfPaper();
    await paper;
    const back = status(printer, (s) => s.kind === 'paper' && s.value === 'ok');
    sim.refill();
    sim.closeCover();
    await back;
    expect(sim.statusRequests).toBe(polls); // no ESC ACK SOH was needed
  });
});
