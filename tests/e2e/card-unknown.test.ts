import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { PaymentResolvedPayload, PaymentUnresolvedPayload, SaleCompletedPayload } from '../../src/core/events';
import { CASHIER, SCREENSHOTS, signInAndOpenShift, startStore, waitFor, type Store } from './harness';

// A card payment whose outcome the terminal never reports, as the cashier and store IT meet
// it: the ZVT simulator takes the payment and goes silent. The register journals the unknown
// payment at once, blocks every other payment, Store IT's test does not say "ready"; the
// register is stopped and started again on the same journal and the block and its record
// are still there; "Check with terminal" asks the terminal, which says approved, and the
// sale completes with exactly one charge on the terminal's books and the reference on both
// receipts. A second payment is lost on its way to the terminal: the check says the terminal
// has no record, and the cashier takes cash. HQ gets both facts as alerts through the hub.
const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });

describe('card payments with an unknown outcome', { timeout: 180_000 }, () => {
  let s: Store;
  beforeAll(async () => {
    s = await startStore({ virtual: true });
    s.page.setDefaultTimeout(30_000);
    await s.page.setViewportSize({ width: 1024, height: 768 });
  }, 240_000);
  afterAll(async () => {
    await s?.close();
  });

  const zvt = () => s.virtual!.payment;
  const journal = () => s.register.journal;
  const lastOf = (type: string) => {
    for (let seq = journal().head().seq; seq > 0; seq--) {
      const e = journal().eventAt(seq)!;
      if (e.type === type) return e.payload as unknown;
    }
    return null;
  };
  const ringUpAndPayByCard = async (sku: string) => {
    await s.register.service.handle('sale.addSku', { sku, quantity: { units: 1, scale: 0 } });
    await s.page.getByTestId('pay').click();
    await s.page.getByTestId('tender-card').click();
  };

  it('silent terminal: journalled at once, blocks, survives a restart, "Check with terminal" → approved, one charge, reference on both receipts', async () => {
    await signInAndOpenShift(s.page);
    const chargedBefore = zvt().netChargedMinor();
    zvt().next({ kind: 'silent-no-ack' }); // books the payment as approved, then never answers
    await ringUpAndPayByCard('SKU-00004');
    await s.page.getByTestId('card-check').waitFor();
    await shot(s.page, '40-card-unknown-1024');
    const open = journal().openPayments();
    expect(open).toHaveLength(1);
    const u = lastOf('payment.unresolved') as PaymentUnresolvedPayload;
    expect(u).toMatchObject({ kind: 'sale', reference: open[0]!.reference, amount: open[0]!.amount });
    expect(zvt().last).toMatchObject({ reference: u.reference, resultCode: 0 });
    // Store IT's test does not say the terminal is ready; no other payment goes through.
    const test = (await s.register.service.handle('devices.test', { kind: 'payment' })) as { ok: boolean; message: string };
    expect(test.ok).toBe(false);
    expect(test.message).toMatch(/unknown outcome/);
    await expect(s.register.service.handle('sale.tender', { kind: 'cash', amount: { amount: 100_000, currency: 'USD' } })).rejects.toThrow(/Check with terminal/);
    await expect(s.register.service.handle('sale.void', {})).rejects.toThrow(/Check with terminal/);

    // The register stops and starts again on the same journal.
    await s.restartRegister();
    await s.page.setViewportSize({ width: 1366, height: 768 });
    await s.page.getByTestId('signin-cashier').fill(CASHIER.id);
    await s.page.getByTestId('signin-pin').fill(CASHIER.pin);
    await s.page.getByTestId('signin-submit').click();
    await s.page.getByTestId('card-check').waitFor();
    expect(journal().openPayments().map((p) => p.reference)).toEqual([u.reference]);
    expect(((await s.register.service.handle('devices.test', { kind: 'payment' })) as { ok: boolean }).ok).toBe(false);
    await shot(s.page, '41-card-unknown-after-restart-1366');

    await s.page.getByTestId('check-terminal').click();
    await s.page.getByTestId('sale-done').waitFor();
    await shot(s.page, '42-card-check-approved-1366');
    expect(journal().openPayments()).toEqual([]);
    expect(lastOf('payment.resolved')).toMatchObject({ reference: u.reference, outcome: 'approved' } satisfies Partial<PaymentResolvedPayload>);
    const sale = lastOf('sale.completed') as SaleCompletedPayload;
    expect(sale.tenders).toMatchObject([{ kind: 'card', amount: u.amount, reference: u.reference }]);
    // Exactly one charge on the terminal's books, with the reference; the reference on the register's receipt.
    expect(zvt().transactions.filter((t) => t.reference === u.reference && t.resultCode === 0)).toHaveLength(1);
    expect(zvt().netChargedMinor() - chargedBefore).toBe(u.amount);
    await waitFor(() => s.virtual!.receipts().some((r) => r.includes(u.reference)), 10_000, 'the reference on the receipt');
    expect(((await s.register.service.handle('devices.test', { kind: 'payment' })) as { ok: boolean }).ok).toBe(true);

    // HQ: both facts reached the hub and raised alerts.
    await waitFor(() => s.register.service.syncStatus().unsynced === 0, 30_000, 'the events at the hub');
    const alerts = (await s.hq('GET', '/api/alerts?limit=100')).body.alerts as Array<{ kind: string; data: { reference?: string } }>;
    expect(alerts.filter((a) => a.data.reference === u.reference).map((a) => a.kind).sort()).toEqual(['payment_resolved', 'payment_unresolved']);
    await s.page.getByTestId('new-sale').click();
  });

  it('a payment lost on its way: "Check with terminal" finds no record, nothing was charged, the cashier takes cash', async () => {
    const chargedBefore = zvt().netChargedMinor();
    zvt().next({ kind: 'lost-command' });
    await ringUpAndPayByCard('SKU-00006');
    await s.page.getByTestId('card-check').waitFor();
    const u = journal().openPayments()[0]!;
    await s.page.getByTestId('check-terminal').click();
    await waitFor(() => journal().openPayments().length === 0, 30_000, 'the check to resolve');
    await s.page.getByTestId('card-check').waitFor({ state: 'detached' });
    expect(lastOf('payment.resolved')).toMatchObject({ reference: u.reference, outcome: 'declined' });
    await shot(s.page, '43-card-check-not-found-1366');
    await s.page.getByTestId('tender-cash').click();
    await s.page.getByTestId('sale-done').waitFor();
    const sale = lastOf('sale.completed') as SaleCompletedPayload;
    expect(sale.tenders.map((t) => t.kind)).toEqual(['cash']);
    expect(zvt().netChargedMinor()).toBe(chargedBefore);
    expect(zvt().transactions.some((t) => t.reference === u.reference)).toBe(false);
  });
});
