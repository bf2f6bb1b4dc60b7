// End to end through real transports: the ReceiptPrinter driver on the host end of a socat PTY
// (real serialport binding) or a loopback TCP socket, the printer simulator on the other end.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { receiptDocumentSchema } from '../../core/receipt/document';
import { SAMPLE_RECEIPT } from '../../core/receipt/sample';
import { waitForEvent } from '../device/emitter';
import type { ErrorEvent, PosDeviceEvents, StatusEvent } from '../device/events';
import { CashDrawer } from '../drawer/drawer';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { PrinterSimulator, servePrinterOnPty, servePrinterOnTcp, type SimServer } from '../simulators/printer-sim';
import type { TransportAddress } from '../transport/transport';
import { layoutReceipt } from './layout';
import { ReceiptPrinter, type JobEvent, type PrinterEvents } from './printer';

const run = promisify(execFile);
const PROFILE = 'epson-tm-t88vi'; // 42 columns, 504 dots: the simulator's defaults
const doc = receiptDocumentSchema.parse({ ...SAMPLE_RECEIPT, saleId: 'S-2026-0042', saleIdCodes: ['qr', 'code128'] });
const expected = layoutReceipt(doc, { columns: 42, feedBeforeCut: 4, timeZone: 'UTC' });

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

let seq = 0;
function makePrinter(address: TransportAddress) {
  const printer = new ReceiptPrinter(`printer-${++seq}`, {
    address,
    profile: PROFILE,
    statusPollMs: 20,
    statusTimeoutMs: 2_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    layout: { timeZone: 'UTC' },
  });
  const jobs: JobEvent[] = [];
  const statuses: StatusEvent[] = [];
  const errors: ErrorEvent[] = [];
  printer.on('job', (e) => jobs.push(e));
  printer.on('status', (s) => statuses.push(s));
  printer.on('error', (e) => errors.push(e));
  cleanups.push(() => (printer.opened ? printer.close() : Promise.resolve()));
  return { printer, jobs, statuses, errors };
}

function jobEnd(printer: ReceiptPrinter, id: string, timeoutMs = 20_000) {
  return waitForEvent<PosDeviceEvents & PrinterEvents, 'job'>(printer, 'job', (e) => e.id === id && ['done', 'failed', 'cancelled'].includes(e.state), timeoutMs).then(([e]) => e);
}

type StatusSource = { on(e: 'status', f: (s: StatusEvent) => void): unknown; off(e: 'status', f: (s: StatusEvent) => void): unknown };
function status(dev: StatusSource, match: (s: StatusEvent) => boolean, timeoutMs = 10_000) {
  return waitForEvent<Pick<PosDeviceEvents, 'status'>, 'status'>(dev, 'status', match, timeoutMs).then(([s]) => s);
}

async function ptyRig(dir = mkdtempSync(path.join(tmpdir(), 'tillstream-printer-'))) {
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const sim = new PrinterSimulator({ columns: 42, dotsWidth: 504 });
  const rig = { dir, sim, pair: undefined as unknown as PtyPair, server: undefined as unknown as SimServer };
  const plug = async () => {
    rig.pair = await createPtyPair({ dir });
    rig.server = await servePrinterOnPty(sim, rig.pair.devicePath);
    const { pair, server } = rig;
    cleanups.push(() => server.close(), () => pair.close());
  };
  await plug();
  return { ...rig, plug, get pair() { return rig.pair; }, get server() { return rig.server; } };
}

describe('receipt printer over a socat PTY (real serialport binding)', () => {
  it('prints a full sale receipt with exactly the expected command structure, and the QR reads back', async () => {
    const rig = await ptyRig();
    const { printer, jobs } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    await printer.start();
    const id = printer.printReceipt(doc);
    expect(typeof id).toBe('string');
    expect(jobs[0]).toMatchObject({ id, state: 'queued' }); // accepted at once, the sale goes on
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done', attempt: 1 });
    expect(rig.sim.commands()).toEqual(expected);
    expect(jobs.filter((j) => j.id === id).map((j) => j.state)).toEqual(['queued', 'printing', 'done']);

    // A decoder we did not write reads the printed codes off the simulator's PNG.
    const png = path.join(rig.dir, 'receipt.png');
    writeFileSync(png, rig.sim.renderPng());
    const qr = await run('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', png]);
    expect(qr.stdout.trim()).toBe('S-2026-0042');
    const bar = await run('zbarimg', ['--raw', '-q', '-Sdisable', '-Scode128.enable', png]);
    expect(bar.stdout.trim()).toBe('S-2026-0042');
  });

  it('stops at paper-out in the middle of a receipt and reprints the whole receipt after the refill', async () => {
    const rig = await ptyRig();
    const { printer, jobs, errors } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    await printer.start();
    rig.sim.runOutOfPaper(12); // 12 lines left on the roll: the receipt is ~40
    printer.on('job', (e) => {
      if (e.state === 'interrupted') rig.sim.refill();
    });
    const paperEmpty = status(printer, (s) => s.kind === 'paper' && s.value === 'empty');
    const id = printer.printReceipt(doc);
    await paperEmpty;
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done', attempt: 2 });
    expect(jobs.filter((j) => j.id === id).map((j) => j.state)).toEqual(['queued', 'printing', 'interrupted', 'reprinting', 'done']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'E_EXTENDED', extended: 'EPTR_REC_EMPTY', defaultResponse: 'retry' });

    const printed = rig.sim.commands();
    const partial = printed.slice(0, printed.length - expected.length);
    expect(printed.slice(partial.length)).toEqual(expected); // one complete copy at the end
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(expected.length);
    expect(expected.slice(0, partial.length)).toEqual(partial); // before it: the torn-off start, nothing else
    expect(printed.filter((c) => c.op === 'cut')).toHaveLength(1);
  });

  it('refuses a receipt that does not add up or shows a full card number, before queueing it', async () => {
    const rig = await ptyRig();
    const { printer, jobs } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    await printer.start();
    expect(() => printer.printReceipt({ ...SAMPLE_RECEIPT, change: 1 })).toThrow(/E_ILLEGAL.*change/);
    const card = { kind: 'card' as const, label: 'Visa', amount: 1079, card: { maskedPan: '4111111111111111' } };
    expect(() => printer.printReceipt({ ...SAMPLE_RECEIPT, tenders: [card], change: 0 })).toThrow(/E_ILLEGAL.*maskedPan/);
    expect(jobs).toEqual([]);
  });

  it('lets the application clear an interrupted job instead', async () => {
    const rig = await ptyRig();
    const { printer, jobs } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    await printer.start();
    printer.on('error', (e) => e.respond('clear'));
    rig.sim.openCover();
    rig.sim.closeCover();
    rig.sim.runOutOfPaper(5);
    const id = printer.printReceipt(doc);
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'cancelled' });
    expect(jobs.filter((j) => j.id === id).map((j) => j.state)).toEqual(['queued', 'printing', 'interrupted', 'cancelled']);
  });

  it('reports cover open/closed and drawer opened/closed, with an alert when left open', async () => {
    const rig = await ptyRig();
    const { printer } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    await printer.start();
    const drawer = new CashDrawer(`drawer-${seq}`, { via: 'printer', printer, openLevel: 'high', openAlertMs: 30, pulse: { pin: 2, onMs: 120, offMs: 240 } });
    cleanups.push(() => (drawer.opened ? drawer.close() : Promise.resolve()));
    const drawerStatuses: StatusEvent[] = [];
    drawer.on('status', (s) => drawerStatuses.push(s));
    const initial = status(drawer, (s) => s.kind === 'drawer' && s.value === 'closed');
    await drawer.start();
    await initial;

    const pulses: number[] = [];
    rig.sim.on('pulse', (pin) => pulses.push(pin));
    const opened = status(drawer, (s) => s.kind === 'drawer' && s.value === 'opened');
    await drawer.openDrawer();
    await opened;
    expect(pulses).toEqual([2]);
    expect(drawer.isOpen).toBe(true);
    await status(drawer, (s) => s.kind === 'drawer-alert');
    const closing = drawer.waitForDrawerClose(10_000);
    rig.sim.setDrawer(false);
    await closing;
    expect(drawerStatuses.map((s) => (s.kind === 'drawer' || s.kind === 'drawer-alert' ? `${s.kind}:${s.value}` : s.kind))).toEqual([
      'drawer:closed',
      'drawer:opened',
      'drawer-alert:open-too-long',
      'drawer:closed',
    ]);

    const coverOpen = status(printer, (s) => s.kind === 'cover' && s.value === 'open');
    rig.sim.openCover();
    await coverOpen;
    const coverClosed = status(printer, (s) => s.kind === 'cover' && s.value === 'closed');
    rig.sim.closeCover();
    await coverClosed;
  });

  it('goes offline when the cable is pulled (socat killed) and recovers on its own, printing what was queued', async () => {
    const rig = await ptyRig();
    const { printer, statuses } = makePrinter({ kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 });
    const first = status(printer, (s) => s.kind === 'paper');
    await printer.start();
    await first;
    const offline = status(printer, (s) => s.kind === 'power' && s.value === 'offline');
    await rig.server.close();
    await rig.pair.close();
    await offline;
    expect(printer.state).toBe('error');
    const id = printer.printReceipt(doc); // accepted while offline, printed after recovery
    const online = status(printer, (s) => s.kind === 'power' && s.value === 'online');
    await rig.plug();
    await online;
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done' });
    expect(rig.sim.commands()).toEqual(expected);
    expect(statuses.filter((s) => s.kind === 'power').map((s) => s.kind === 'power' && s.value)).toEqual(['online', 'offline', 'online']);
  });
});

describe('Automatic Status Back', () => {
  it('delivers cover and paper changes pushed by the printer, without waiting for a poll', async () => {
    const rig = await ptyRig();
    const printer = new ReceiptPrinter(`printer-${++seq}`, {
      address: { kind: 'serial', path: rig.pair.hostPath, baudRate: 38400 },
      profile: PROFILE,
      asb: true,
      statusPollMs: 600_000, // one poll at enable, then none during this test
    });
    cleanups.push(() => (printer.opened ? printer.close() : Promise.resolve()));
    const first = status(printer, (s) => s.kind === 'paper' && s.value === 'ok');
    await printer.start();
    await first;
    // `first` may come from the printer's own ASB push before the enable-time poll (DLE EOT
    // 1-4) reaches the simulator; count from after that poll, or a loaded machine fails this.
    for (let i = 0; i < 500 && rig.sim.statusRequests < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const polls = rig.sim.statusRequests;
    expect(polls).toBe(4);
    const cover = status(printer, (s) => s.kind === 'cover' && s.value === 'open');
    rig.sim.openCover();
    await cover;
    const paper = status(printer, (s) => s.kind === 'paper' && s.value === 'empty');
    rig.sim.runOutOfPaper();
    await paper;
    expect(rig.sim.statusRequests).toBe(polls); // no DLE EOT was needed
  });
});

describe('receipt printer over TCP (raw 9100-style port)', () => {
  it('prints a full sale receipt with exactly the expected command structure', async () => {
    const sim = new PrinterSimulator({ columns: 42, dotsWidth: 504 });
    const server = await servePrinterOnTcp(sim);
    cleanups.push(() => server.close());
    const { printer } = makePrinter({ kind: 'tcp', host: '127.0.0.1', port: server.port });
    await printer.start();
    const id = printer.printReceipt(doc);
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done' });
    expect(sim.commands()).toEqual(expected);
  });

  it('recovers after the printer drops off the network, with status events', async () => {
    const sim = new PrinterSimulator({ columns: 42, dotsWidth: 504 });
    let server = await servePrinterOnTcp(sim);
    const port = server.port;
    cleanups.push(() => server.close());
    const { printer, statuses } = makePrinter({ kind: 'tcp', host: '127.0.0.1', port });
    await printer.start();
    const offline = status(printer, (s) => s.kind === 'power' && s.value === 'offline');
    await server.close();
    await offline;
    const online = status(printer, (s) => s.kind === 'power' && s.value === 'online');
    server = await servePrinterOnTcp(sim, port);
    await online;
    const id = printer.printReceipt(doc);
    expect(await jobEnd(printer, id)).toMatchObject({ state: 'done' });
    expect(sim.commands()).toEqual(expected);
    expect(statuses.filter((s) => s.kind === 'power').map((s) => s.kind === 'power' && s.value)).toEqual(['online', 'offline', 'online']);
  });
});
