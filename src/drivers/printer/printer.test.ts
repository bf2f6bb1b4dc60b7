// ReceiptPrinter against the simulator over the in-memory mock transport: queue bounds and
// life-cycle edges that do not need a real port.
import { describe, expect, it } from 'vitest';
import { SAMPLE_RECEIPT } from '../../core/receipt/sample';
import { waitForEvent } from '../device/emitter';
import { PrinterSimulator } from '../simulators/printer-sim';
import { MockBinding } from '../transport/mock';
import { ReceiptPrinter, type JobEvent } from './printer';

let n = 0;
function rig(maxQueuedJobs = 16) {
  const binding = new MockBinding();
  const name = `mock-printer-${++n}`;
  const port = binding.createDevice(name);
  const sim = new PrinterSimulator();
  const link = sim.connect((bytes) => port.reply(bytes));
  port.on('data', (b) => link.receive(b));
  const printer = new ReceiptPrinter(name, { address: { kind: 'mock', name }, binding, profile: 'epson-tm-t88vi', statusPollMs: 10, maxQueuedJobs });
  const jobs: JobEvent[] = [];
  printer.on('job', (e) => jobs.push(e));
  return { sim, printer, jobs };
}

describe('ReceiptPrinter queue', () => {
  it('refuses to print before enable, and with E_BUSY past the queue bound', async () => {
    const { sim, printer } = rig(2);
    expect(() => printer.printReceipt(SAMPLE_RECEIPT)).toThrow(/E_CLOSED/);
    await printer.open();
    await printer.claim();
    expect(() => printer.printReceipt(SAMPLE_RECEIPT)).toThrow(/E_DISABLED/);
    sim.runOutOfPaper(); // jobs wait for paper
    await printer.enable();
    printer.printReceipt(SAMPLE_RECEIPT);
    printer.printReceipt(SAMPLE_RECEIPT);
    expect(() => printer.printReceipt(SAMPLE_RECEIPT)).toThrow(/E_BUSY/);
    await printer.close();
  });

  it('reports jobs still waiting as cancelled when the printer closes', async () => {
    const { sim, printer, jobs } = rig();
    sim.runOutOfPaper();
    await printer.start();
    const id = printer.printReceipt(SAMPLE_RECEIPT);
    await printer.close();
    expect(jobs.filter((j) => j.id === id).map((j) => j.state)).toEqual(['queued', 'cancelled']);
  });

  it('prints queued jobs in order once paper is loaded', async () => {
    const { sim, printer, jobs } = rig();
    sim.runOutOfPaper();
    await printer.start();
    const a = printer.printReceipt({ ...SAMPLE_RECEIPT, saleId: 'A-1' });
    const b = printer.printReceipt({ ...SAMPLE_RECEIPT, saleId: 'B-2' });
    const bDone = waitForEvent<{ job: (e: JobEvent) => void }, 'job'>(printer as never, 'job', (e) => e.id === b && e.state === 'done');
    sim.refill();
    await bDone;
    expect(jobs.filter((j) => j.state === 'done').map((j) => j.id)).toEqual([a, b]);
    expect(sim.receipts().filter((r) => r.includes('[QR')).map((r) => /\[QR (\S+)\]/.exec(r)![1])).toEqual(['A-1', 'B-2']);
    await printer.close();
  });
});
