// The `devices test` hooks of scanner, scale, display and payment against their simulators.
import { afterEach, describe, expect, it } from 'vitest';
import { testDisplay } from '../display/device-test';
import { CustomerDisplay } from '../display/display';
import { testScale } from '../scale/device-test';
import { Scale8217 } from '../scale/scale';
import { testScanner } from '../scanner/device-test';
import { SerialScanner } from '../scanner/scanner';
import { DisplaySimulator } from '../simulators/display-sim';
import { ZvtTerminalSimulator } from '../simulators/payment-sim';
import { ScaleSimulator } from '../simulators/scale-sim';
import { MockBinding } from '../transport/mock';
import type { Transport } from '../transport/transport';
import { testPaymentTerminal } from './device-test';
import { ZvtPaymentTerminal } from './zvt-terminal';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function report(waitSeconds = 5) {
  const lines: string[] = [];
  return { lines, line: (s: string) => lines.push(s), waitSeconds };
}

/** The device end of a mock link, shaped like a Transport for the simulators. */
function simEnd(binding: MockBinding, name: string): Pick<Transport, 'write' | 'on' | 'off'> {
  const dev = binding.createDevice(name);
  return {
    write: async (b: Uint8Array) => dev.reply(b),
    on: (_e: 'data', fn: (c: Uint8Array) => void) => (dev.on('data', fn), undefined as never),
    off: (_e: 'data', fn: (c: Uint8Array) => void) => (dev.off('data', fn), undefined as never),
  } as unknown as Pick<Transport, 'write' | 'on' | 'off'>;
}

describe('devices test hooks', () => {
  it('payment: reports the terminal ready (status enquiry), moves no money', async () => {
    const sim = new ZvtTerminalSimulator();
    const server = await sim.listenTcp(0);
    cleanups.push(() => server.close());
    const pay = new ZvtPaymentTerminal('card', { address: { kind: 'tcp', host: '127.0.0.1', port: server.port }, currency: 'EUR' });
    await pay.start();
    cleanups.push(() => pay.close());
    const r = report();
    await testPaymentTerminal(pay, r);
    expect(r.lines[0]).toMatch(/terminal ready/);
    expect(sim.received.at(-1)).toBe('05 01 (statusEnquiry)');
    expect(sim.transactions).toEqual([]);
  });

  it('scale: reads one stable weight', async () => {
    const binding = new MockBinding();
    const end = simEnd(binding, 'scale');
    const sim = new ScaleSimulator(end);
    sim.place(812, { settlePolls: 1 });
    const scale = new Scale8217('scale', { address: { kind: 'mock', name: 'scale' }, binding, pollIntervalMs: 10 });
    await scale.start();
    cleanups.push(() => scale.close());
    const r = report();
    await testScale(scale, r);
    expect(r.lines.at(-1)).toBe('weight: 812 g (stable)');
  });

  it('display: shows the test line and total', async () => {
    const binding = new MockBinding();
    const end = simEnd(binding, 'disp');
    const sim = new DisplaySimulator(end);
    const d = new CustomerDisplay('disp', { address: { kind: 'mock', name: 'disp' }, binding, codePage: 'PC858' });
    await d.start();
    cleanups.push(() => d.close());
    await testDisplay(d, report());
    await new Promise((r) => setTimeout(r, 0));
    expect(sim.lines()[0]).toBe('Test äöü € ß' + '1.23'.padStart(8));
    expect(sim.lines()[1]).toBe('TOTAL' + '45.67'.padStart(15));
  });

  it('scanner: waits for one scan and prints it', async () => {
    const binding = new MockBinding();
    const dev = binding.createDevice('scan');
    const s = new SerialScanner('scan', { address: { kind: 'mock', name: 'scan' }, binding });
    await s.start();
    cleanups.push(() => s.close());
    const r = report();
    const done = testScanner(s, r);
    dev.reply(new TextEncoder().encode(']E04006381333931\r'));
    await done;
    expect(r.lines.at(-1)).toBe('scan: "4006381333931" symbology ean13 (AIM ]E0)');
  });
});
