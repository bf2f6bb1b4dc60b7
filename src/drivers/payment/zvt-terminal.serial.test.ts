// ZVT over the serial transport protocol (DLE STX … DLE ETX CRC, ACK/NAK bytes) through the
// REAL serialport binding on a socat PTY pair, against the terminal simulator.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { money } from '../../core/money';
import { scanValueForPans } from '../../core/pci/pan-scan';
import { ZvtTerminalSimulator } from '../simulators/payment-sim';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { UnresolvedPaymentError } from './types';
import { ZvtPaymentTerminal } from './zvt-terminal';

const EUR = (minor: number) => money(minor, 'EUR');

describe('ZVT payment terminal over a serial line (PTY)', () => {
  let pty: PtyPair;
  let devEnd: Transport;
  let sim: ZvtTerminalSimulator;
  let detach: () => void;
  let pay: ZvtPaymentTerminal;
  const emitted: unknown[] = [];
  const logs: string[] = [];

  beforeEach(async () => {
    emitted.length = 0;
    logs.length = 0;
    pty = await createPtyPair();
    devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600, stopBits: 2 });
    sim = new ZvtTerminalSimulator();
    detach = sim.attachSerial(devEnd).detach;
    pay = new ZvtPaymentTerminal('card', {
      address: { kind: 'serial', path: pty.hostPath, baudRate: 9600, stopBits: 2 },
      currency: 'EUR',
      ackTimeoutMs: 4_000,
      transactionTimeoutMs: 4_000,
      log: (l) => logs.push(l),
    });
    pay.on('data', (e) => emitted.push(e));
    pay.on('status', (e) => emitted.push(e));
    pay.on('unresolved', (u) => emitted.push({ unresolved: u }));
    await pay.start();
  });

  afterEach(async () => {
    if (pay.opened) await pay.close();
    detach();
    await devEnd.close().catch(() => undefined);
    await pty.close();
    expect(scanValueForPans({ emitted, logs })).toEqual([]);
  });

  it('approved, declined, and timed-out-then-resolved with no double charge', async () => {
    const ok = await pay.sale(EUR(1050));
    expect(ok).toMatchObject({ outcome: 'approved', maskedPan: '411111******1111' });

    sim.next({ kind: 'decline', resultCode: 0x05 });
    expect(await pay.sale(EUR(990))).toMatchObject({ outcome: 'declined', resultCode: 0x05 });

    sim.next({ kind: 'silent' });
    expect((await pay.sale(EUR(2500))).outcome).toBe('unknown');
    await expect(pay.sale(EUR(2500))).rejects.toBeInstanceOf(UnresolvedPaymentError);
    const resolved = await pay.statusInquiry();
    expect(resolved).toMatchObject({ outcome: 'approved', amount: EUR(2500), resolvedUnknown: true });
    expect(sim.approvedSales().map((t) => t.amountMinor)).toEqual([1050, 2500]);
    expect(sim.received).toEqual([
      '06 00 (registration)',
      '06 01 (authorization)',
      '06 01 (authorization)',
      '06 01 (authorization)',
      '06 20 (repeatReceipt)',
    ]);
  });
});
