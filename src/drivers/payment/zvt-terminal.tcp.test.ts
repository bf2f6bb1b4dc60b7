// ZVT driver against the ZVT terminal simulator over a real loopback TCP socket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { money } from '../../core/money';
import { scanValueForPans } from '../../core/pci/pan-scan';
import { isPosError } from '../device/result';
import { ZvtTerminalSimulator, type ZvtTcpServer } from '../simulators/payment-sim';
import { ZvtPaymentTerminal } from './zvt-terminal';
import { UnresolvedPaymentError } from './types';

const EUR = (minor: number) => money(minor, 'EUR');

describe('ZVT payment terminal over TCP', () => {
  let sim: ZvtTerminalSimulator;
  let server: ZvtTcpServer;
  let pay: ZvtPaymentTerminal;
  const emitted: unknown[] = [];
  const logs: string[] = [];

  beforeEach(async () => {
    emitted.length = 0;
    logs.length = 0;
    // A badly behaved terminal that sends the full card number: the driver must mask it itself.
    sim = new ZvtTerminalSimulator({ cardPan: '4111111111111111' });
    server = await sim.listenTcp(0);
    pay = new ZvtPaymentTerminal('card', {
      address: { kind: 'tcp', host: '127.0.0.1', port: server.port },
      currency: 'EUR',
      ackTimeoutMs: 4_000,
      transactionTimeoutMs: 4_000,
      log: (l) => logs.push(l),
    });
    pay.on('data', (e) => emitted.push(e));
    pay.on('status', (e) => emitted.push(e));
    pay.on('error', (e) => emitted.push({ code: e.code, message: e.message }));
    pay.on('unresolved', (u) => emitted.push({ unresolved: u }));
    await pay.start();
  });

  afterEach(async () => {
    if (pay.opened) await pay.close();
    await server.close();
    // PCI: nothing the driver emitted or logged may contain a card number.
    expect(scanValueForPans({ emitted, logs })).toEqual([]);
  });

  it('registers on start, then an approved sale carries auth code, reference and a masked card number', async () => {
    expect(sim.received[0]).toBe('06 00 (registration)');
    const r = await pay.sale(EUR(1999));
    expect(r).toMatchObject({ outcome: 'approved', kind: 'sale', amount: EUR(1999), resultCode: 0, maskedPan: '411111******1111', cardName: 'VISA' });
    expect(r.authCode).toMatch(/^\d{6}$/);
    expect(r.terminalRef).toMatch(/^\d{4}\/\d{6}$/);
    expect(sim.approvedSales()).toHaveLength(1);
    expect(emitted.some((e) => (e as { value?: string }).value === 'insert card')).toBe(true);
    expect(pay.state).toBe('idle');
  });

  it('a declined sale reports the result code and charges nothing', async () => {
    sim.next({ kind: 'decline', resultCode: 0x05 });
    const r = await pay.sale(EUR(500));
    expect(r).toMatchObject({ outcome: 'declined', resultCode: 0x05 });
    expect(r.message).toMatch(/declined/);
    expect(sim.netChargedMinor()).toBe(0);
    // The next sale is allowed at once.
    expect((await pay.sale(EUR(500))).outcome).toBe('approved');
  });

  it('a silent terminal gives "unknown"; a retry is refused until the status inquiry resolves it; no double charge', async () => {
    sim.next({ kind: 'silent' });
    const r = await pay.sale(EUR(4250));
    expect(r.outcome).toBe('unknown');
    expect(pay.unresolved).toMatchObject({ kind: 'sale', amount: EUR(4250) });
    // The terminal did book it: the customer WAS charged.
    expect(sim.approvedSales()).toHaveLength(1);

    // The cashier retries: refused, with a clear error, and nothing reaches the terminal.
    const before = sim.received.length;
    const err = await pay.sale(EUR(4250)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnresolvedPaymentError);
    expect(isPosError(err, 'E_ILLEGAL')).toBe(true);
    expect(String((err as Error).message)).toMatch(/status inquiry/);
    await expect(pay.refund(EUR(100))).rejects.toBeInstanceOf(UnresolvedPaymentError);
    expect(sim.received.length).toBe(before);

    const resolved = await pay.statusInquiry();
    expect(resolved).toMatchObject({ outcome: 'approved', kind: 'sale', amount: EUR(4250), resolvedUnknown: true, maskedPan: '411111******1111' });
    expect(pay.unresolved).toBeUndefined();
    expect(sim.received.at(-1)).toBe('06 20 (repeatReceipt)');

    // Resolved as approved: the sale is paid, the register must not charge again.
    expect(sim.approvedSales()).toHaveLength(1);
    expect(sim.netChargedMinor()).toBe(4250);
    // New payments work again.
    expect((await pay.sale(EUR(100))).outcome).toBe('approved');
  });

  it('a command lost on the way resolves to declined (not charged); one booked but unacknowledged resolves to approved', async () => {
    const first = await pay.sale(EUR(300)); // the terminal's "last transaction" from now on
    sim.next({ kind: 'lost-command' });
    const lost = await pay.sale(EUR(777));
    expect(lost.outcome).toBe('unknown');
    expect(lost.message).toMatch(/no ACK/);
    const r1 = await pay.statusInquiry();
    expect(r1).toMatchObject({ outcome: 'declined', amount: EUR(777), resolvedUnknown: true });
    expect(r1!.message).toMatch(/not charged/);
    expect(sim.netChargedMinor()).toBe(300);
    expect(first.outcome).toBe('approved');

    sim.next({ kind: 'silent-no-ack' });
    expect((await pay.sale(EUR(888))).outcome).toBe('unknown');
    expect(await pay.statusInquiry()).toMatchObject({ outcome: 'approved', amount: EUR(888), resolvedUnknown: true });
    expect(sim.netChargedMinor()).toBe(300 + 888);
    expect(sim.approvedSales()).toHaveLength(2);
  });

  it('a result that arrives after the time-out is acknowledged (the terminal is not left hanging) and then resolved', async () => {
    sim.next({ kind: 'hold' });
    expect((await pay.sale(EUR(1500))).outcome).toBe('unknown');
    // The terminal now sends Status Information and Completion; releaseHeld() only resolves
    // when the register ACKed both, although no exchange is running any more.
    await sim.releaseHeld();
    expect(await pay.statusInquiry()).toMatchObject({ outcome: 'approved', amount: EUR(1500), resolvedUnknown: true });
    expect(sim.approvedSales()).toHaveLength(1);
  });

  it('cancel() aborts a sale waiting for the card', async () => {
    sim.next({ kind: 'wait-for-abort' });
    const sale = pay.sale(EUR(1234));
    // Wait until the terminal asks for the card, then cancel.
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no intermediate status within 15 s')), 15_000);
      pay.on('status', (e) => {
        if (e.kind === 'other' && e.value === 'insert card') {
          clearTimeout(t);
          resolve();
        }
      });
    });
    await pay.cancel();
    const r = await sale;
    expect(r).toMatchObject({ outcome: 'declined', resultCode: 0x6c });
    expect(sim.netChargedMinor()).toBe(0);
  });

  it('refund and void (reversal by terminal reference)', async () => {
    const sale = await pay.sale(EUR(2000));
    const v = await pay.void(sale.terminalRef!);
    expect(v).toMatchObject({ outcome: 'approved', kind: 'void' });
    expect(sim.netChargedMinor()).toBe(0);
    const again = await pay.void(sale.terminalRef!);
    expect(again.outcome).toBe('declined'); // already reversed
    const refund = await pay.refund(EUR(150));
    expect(refund).toMatchObject({ outcome: 'approved', kind: 'refund' });
    expect(sim.netChargedMinor()).toBe(-150);
    expect(await pay.terminalStatus()).toMatchObject({ ready: true });
  });

  it('the register\'s reference goes to the terminal (BMP 3C), is on its books and comes back on the result; a refund names the original', async () => {
    const ref = '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10/C1';
    const sale = await pay.sale(EUR(1200), { reference: ref });
    expect(sale).toMatchObject({ outcome: 'approved', reference: ref });
    expect(sim.last).toMatchObject({ kind: 'sale', reference: ref });
    const refund = await pay.refund(EUR(200), { reference: 'R-1/RC1', originalTerminalRef: sale.terminalRef! });
    expect(refund).toMatchObject({ outcome: 'approved', reference: 'R-1/RC1' });
    expect(sim.last).toMatchObject({ kind: 'refund', reference: 'R-1/RC1', originalTerminalRef: sale.terminalRef });
    // Only printable ASCII goes out, at most 64 characters of reference.
    const odd = await pay.sale(EUR(100), { reference: `x\u0007y${'z'.repeat(100)}` });
    expect(odd.reference).toBe(`xy${'z'.repeat(62)}`);
  });

  it('a status inquiry does not take another payment of the same amount for ours when the echoed reference differs', async () => {
    await pay.sale(EUR(700), { reference: 'S-1/C1' });
    await pay.close();
    // Restarted with an unknown S-2 of the same amount and no trace to compare (journalled before the trace was known):
    // only the reference tells the terminal's last transaction (S-1) from ours.
    pay = new ZvtPaymentTerminal('card', {
      address: { kind: 'tcp', host: '127.0.0.1', port: server.port }, currency: 'EUR', transactionTimeoutMs: 4_000,
      unresolved: { kind: 'sale', amount: EUR(700), reference: 'S-2/C1', startedAt: Date.now(), reason: 'no ACK' },
    });
    await pay.start();
    const r = await pay.statusInquiry();
    expect(r).toMatchObject({ outcome: 'declined', resolvedUnknown: true, reference: 'S-2/C1' });
    expect(sim.netChargedMinor()).toBe(700);
  });

  it('an unresolved payment journaled before a restart still blocks new payments until resolved', async () => {
    sim.next({ kind: 'silent' });
    const journal: unknown[] = [];
    pay.on('unresolved', (u) => journal.push(u));
    expect((await pay.sale(EUR(640))).outcome).toBe('unknown');
    const saved = JSON.parse(JSON.stringify(journal.at(-1)));
    await pay.close(); // the register restarts

    pay = new ZvtPaymentTerminal('card', {
      address: { kind: 'tcp', host: '127.0.0.1', port: server.port }, currency: 'EUR', transactionTimeoutMs: 4_000, unresolved: saved,
    });
    await pay.start();
    await expect(pay.sale(EUR(640))).rejects.toBeInstanceOf(UnresolvedPaymentError);
    expect(await pay.statusInquiry()).toMatchObject({ outcome: 'approved', amount: EUR(640), resolvedUnknown: true });
    expect(sim.approvedSales()).toHaveLength(1);
  });

  it('with the terminal unreachable a sale is refused at once (E_OFFLINE) and blocks nothing', async () => {
    const offline = new Promise<void>((resolve) =>
      pay.on('status', (e) => {
        if (e.kind === 'power' && e.value === 'offline') resolve();
      }),
    );
    await server.close(); // the terminal is switched off: connection cut, nobody listening
    await offline;
    await expect(pay.sale(EUR(100))).rejects.toMatchObject({ code: 'E_OFFLINE' });
    expect(pay.unresolved).toBeUndefined();
    expect(sim.transactions).toEqual([]);
  });

  it('refuses a currency the terminal is not set to', async () => {
    await expect(pay.sale(money(100, 'USD'))).rejects.toThrow(/EUR/);
  });
});
