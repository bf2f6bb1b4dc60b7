import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { US_PRODUCTS, US_TAXES } from '../../core/sale/test-fixtures';
import { RegisterError, type CommandName, type OriginalCardPayment } from '../../core/register-api';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../../core/events';
import { loadChart, postEvent, US_DEFAULT_CHART } from '../../core/ledger';
import { parseRegisterConfig, type RegisterConfigInput } from './config';
import { hashPinWithCost } from './pins';
import { NoDevices } from './null-devices';
import { RegisterService } from './service';
import type { CardResult } from './devices';

// Returns, post-voids and shifts as the register does them (the service's code path over a
// real SQLite journal), not only core's functions: partial and repeated returns, refunds back
// to the original card within what it paid, no-receipt returns, and the Z report's processors.

class CardDevices extends NoDevices {
  drawer = 0;
  refunds: { amount: number; original?: OriginalCardPayment }[] = [];
  refundAnswer: CardResult['status'] = 'approved';
  private n = 0;
  override async openDrawer() {
    this.drawer++;
  }
  override async printReceipt() {}
  override async authorizeCard(amount: number): Promise<CardResult> {
    this.n++;
    return { status: 'approved', processor: 'adyen', masked_pan: '476173******0119', auth_code: `A${this.n}`, terminal_ref: `TR${this.n}-${amount}` };
  }
  override async refundCard(amount: number, _currency: string, _ref: string, original?: OriginalCardPayment): Promise<CardResult> {
    this.refunds.push({ amount, ...(original ? { original } : {}) });
    return this.refundAnswer === 'approved'
      ? { status: 'approved', processor: original?.processor ?? 'adyen', masked_pan: '476173******0119', auth_code: 'R1' }
      : { status: this.refundAnswer, processor: 'adyen', message: 'card refund refused' };
  }
}

const CASHIER_PIN = '1234';
const MANAGER_PIN = '9876';
const hashes = { c: hashPinWithCost(CASHIER_PIN, 1024), m: hashPinWithCost(MANAGER_PIN, 1024) };
const USD = (amount: number) => ({ amount, currency: 'USD' });

interface Till {
  dir: string;
  journal: Journal;
  devices: CardDevices;
  svc: RegisterService;
  call(name: CommandName, params?: unknown): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- results checked field by field
  close(): void;
}

async function till(extra: Partial<RegisterConfigInput> = {}): Promise<Till> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-returns-'));
  const file = path.join(dir, 'journal.sqlite');
  const journal = openJournal(file, { terminalId: 'T01', storeId: 'store-001' });
  journal.applySnapshot({ store_id: 'store-001', cursor: 1, catalog: US_PRODUCTS, prices: [], promotions: [], stock: [{ sku: 'SHIRT', on_hand: { units: 50, scale: 0 } }], tax: { rates: US_TAXES }, config: {} });
  const config = parseRegisterConfig({
    terminal_id: 'T01', store_id: 'store-001', store_name: 'Test', currency: 'USD', journal_path: file,
    cashiers: [
      { cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashes.c },
      { cashier_id: '9001', name: 'Manager', role: 'manager', pin_hash: hashes.m },
    ],
    ...extra,
  });
  const devices = new CardDevices();
  const svc = new RegisterService({ config, journal, devices });
  const call = (name: CommandName, params: unknown = {}) => svc.handle(name, params) as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
  await call('session.signIn', { cashier_id: '1001', pin: CASHIER_PIN });
  await call('shift.open', { opening_float: USD(10_000) });
  return {
    dir, journal, devices, svc, call,
    close() {
      svc.close();
      journal.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const failure = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof RegisterError ? `${err.code}: ${err.message}` : String(err);
  }
};

const lastPayload = <T,>(j: Journal, type: string): T => {
  const e = j.eventAt(j.head().seq)!;
  expect(e.type).toBe(type);
  return e.payload as T;
};

describe('returns through core', () => {
  let t: Till;
  beforeEach(async () => {
    t = await till();
  });
  afterEach(() => t.close());

  it('returns 1 of 3, then the other 2, and refuses a third return saying why', async () => {
    await t.call('sale.addSku', { sku: 'SHIRT', quantity: { units: 3, scale: 0 } });
    const sold = await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    const sale = lastPayload<SaleCompletedPayload>(t.journal, 'sale.completed');
    await t.call('sale.new');

    const first = await t.call('refund.start', { receipt: sold.receipt_no });
    expect(first.original.lines[0].quantity).toEqual({ units: 3, scale: 0 });
    const one = await t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id, quantity: { units: 1, scale: 0 } });
    expect(one.kind).toBe('refund');
    expect(one.lines[0].quantity).toEqual({ units: 1, scale: 0 });
    expect(one.tenders.map((x: { status: string }) => x.status)).toEqual(['pending']);
    expect(await failure(t.call('sale.tender', { kind: 'cash', amount: USD(100) }))).toMatch(/^INVALID_STATE: .*Refund/);
    const done1 = await t.call('refund.pay', {});
    expect(done1.status).toBe('completed');
    const r1 = lastPayload<SaleRefundedPayload>(t.journal, 'sale.refunded');
    expect(r1.lines[0]!.quantity).toEqual({ units: 1, scale: 0 });
    expect(r1.tenders.map((x) => x.kind)).toEqual(['cash']);
    await t.call('sale.new');

    const second = await t.call('refund.start', { receipt: sold.receipt_no });
    expect(second.original.lines[0].quantity).toEqual({ units: 2, scale: 0 });
    // Asking for more than is left is refused when asked, with what is left.
    expect(await failure(t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id, quantity: { units: 3, scale: 0 } }))).toMatch(/only 2 left/);
    await t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id });
    await t.call('refund.pay', {});
    const r2 = lastPayload<SaleRefundedPayload>(t.journal, 'sale.refunded');
    expect(r1.totals.total + r2.totals.total).toBe(sale.totals.total);
    await t.call('sale.new');

    expect(await failure(t.call('refund.start', { receipt: sold.receipt_no }))).toBe(`INVALID_STATE: receipt ${sold.receipt_no} was already returned in full`);
  });

  it('refunds a split card + cash sale: the card part back to the same card through the terminal, the rest in cash', async () => {
    await t.call('sale.addSku', { sku: 'SHIRT', quantity: { units: 2, scale: 0 } });
    await t.call('sale.tender', { kind: 'card', amount: USD(500) });
    const sold = await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    const sale = lastPayload<SaleCompletedPayload>(t.journal, 'sale.completed');
    const card = sale.tenders.find((x) => x.kind === 'card')!;
    expect(card.kind === 'card' && card.terminal_ref).toBe('TR1-500');
    await t.call('sale.new');
    await t.call('refund.start', { receipt: sold.receipt_no });
    await t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id });
    const drawerBefore = t.devices.drawer;
    await t.call('refund.pay', {});
    const r = lastPayload<SaleRefundedPayload>(t.journal, 'sale.refunded');
    expect(t.devices.refunds).toEqual([{ amount: 500, original: { processor: 'adyen', terminal_ref: 'TR1-500', masked_pan: '476173******0119' } }]);
    expect(r.tenders.map((x) => [x.kind, x.amount])).toEqual([['card', 500], ['cash', sale.totals.total - 500]]);
    expect(r.tenders[0]!.original_tender_id).toBe(card.tender_id);
    expect(t.devices.drawer).toBe(drawerBefore + 1);
  });

  it('keeps the return open when the terminal declines, and gives the rest in cash only when asked', async () => {
    await t.call('sale.addSku', { sku: 'CAP' });
    const sold = await t.call('sale.tender', { kind: 'card', amount: USD(1500) });
    await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    const sale = lastPayload<SaleCompletedPayload>(t.journal, 'sale.completed');
    await t.call('sale.new');
    await t.call('refund.start', { receipt: sold.receipt_no ?? `T01-${String(t.journal.head().seq).padStart(6, '0')}` });
    await t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id });
    t.devices.refundAnswer = 'declined';
    const open = await t.call('refund.pay', {});
    expect(open.status).toBe('tendering');
    expect(open.tenders.some((x: { status: string }) => x.status === 'declined')).toBe(true);
    expect(t.journal.eventAt(t.journal.head().seq)!.type).toBe('sale.completed');
    const done = await t.call('refund.pay', { rest_in_cash: true });
    expect(done.status).toBe('completed');
    const r = lastPayload<SaleRefundedPayload>(t.journal, 'sale.refunded');
    expect(r.tenders.map((x) => x.kind)).toEqual(['cash', 'cash'].slice(0, r.tenders.length));
    expect(r.tenders.reduce((s, x) => s + x.amount, 0)).toBe(r.totals.total);
  });

  it('post-voids a sale once through core, restoring its stock once', async () => {
    await t.call('sale.addSku', { sku: 'SHIRT', quantity: { units: 2, scale: 0 } });
    const sold = await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    expect(t.journal.getStockLevel('SHIRT')).toEqual({ units: 48, scale: 0 });
    await t.call('sale.new');
    expect(await failure(t.call('sale.postVoid', { receipt_no: sold.receipt_no }))).toMatch(/^APPROVAL_REQUIRED/);
    await t.call('sale.postVoid', { receipt_no: sold.receipt_no, approval: { manager_pin: MANAGER_PIN } });
    expect(t.journal.getStockLevel('SHIRT')).toEqual({ units: 50, scale: 0 });
    expect(await failure(t.call('sale.postVoid', { receipt_no: sold.receipt_no, approval: { manager_pin: MANAGER_PIN } }))).toMatch(/already post-voided/);
    expect(t.journal.getStockLevel('SHIRT')).toEqual({ units: 50, scale: 0 });
    expect(await failure(t.call('refund.start', { receipt: sold.receipt_no }))).toMatch(/post-voided/);
  });

  it('takes a no-receipt return only under a manager and up to the limit, journalled as such', async () => {
    expect(await failure(t.call('refund.noReceipt', { lines: [{ sku: 'SOCKS' }] }))).toMatch(/^APPROVAL_REQUIRED/);
    expect(await failure(t.call('refund.noReceipt', { lines: [{ sku: 'SHIRT', quantity: { units: 6, scale: 0 } }], approval: { manager_pin: MANAGER_PIN } }))).toMatch(/limited to 50.00 USD/);
    const v = await t.call('refund.noReceipt', { lines: [{ sku: 'SOCKS' }], approval: { manager_pin: MANAGER_PIN } });
    expect(v.kind).toBe('refund');
    expect(v.original_receipt_no).toBeNull();
    await t.call('refund.pay', {});
    const r = lastPayload<SaleRefundedPayload>(t.journal, 'sale.refunded');
    expect(r.no_receipt).toBe(true);
    expect(r.approved_by).toBe('9001');
    expect(r.tenders.map((x) => x.kind)).toEqual(['cash']);
    expect(r.lines[0]!.sku).toBe('SOCKS');
  });

  it('brings an open return back after a restart', async () => {
    await t.call('sale.addSku', { sku: 'SHIRT', quantity: { units: 3, scale: 0 } });
    const sold = await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    const sale = lastPayload<SaleCompletedPayload>(t.journal, 'sale.completed');
    await t.call('sale.new');
    await t.call('refund.start', { receipt: sold.receipt_no });
    await t.call('refund.addLine', { original_line_id: sale.lines[0]!.line_id, quantity: { units: 2, scale: 0 } });
    const cfg = t.svc['cfg'];
    t.svc.close();
    t.svc = new RegisterService({ config: cfg, journal: t.journal, devices: t.devices });
    await t.call('session.signIn', { cashier_id: '1001', pin: CASHIER_PIN });
    const v = await t.call('sale.get');
    expect([v.kind, v.status, v.lines[0].quantity.units]).toEqual(['refund', 'open', 2]);
  });

  it('rebuilds the shift from the journal and shows the real card processor on the Z report', async () => {
    await t.call('sale.addSku', { sku: 'CAP' });
    await t.call('sale.tender', { kind: 'card', amount: USD(1000) });
    await t.call('sale.tender', { kind: 'cash', amount: USD(5000) });
    await t.call('sale.new');
    const cfg = t.svc['cfg'];
    t.svc.close();
    t.svc = new RegisterService({ config: cfg, journal: t.journal, devices: t.devices });
    await t.call('session.signIn', { cashier_id: '9001', pin: MANAGER_PIN });
    const x = await t.call('report.x');
    expect(x.sales_count).toBe(1);
    const z = await t.call('shift.close', { counted_cash: USD(10_000 + 1500 + 133 - 1000) });
    expect(z.tenders.find((x: { kind: string }) => x.kind === 'card')).toMatchObject({ processor: 'adyen', amount: USD(1000) });
    const closed = lastPayload<{ tenders: { kind: string; processor?: string }[] }>(t.journal, 'shift.closed');
    expect(closed.tenders.find((x) => x.kind === 'card')?.processor).toBe('adyen');
  });
});

// For any sale and any sequence of partial returns made at the register: no tender gets back
// more than it took, the returns never add up to more than the sale, and after everything
// was returned the ledger (core's posting of what the register journalled) nets to zero.
describe('returns property (the register code path)', () => {
  let t: Till;
  beforeAll(async () => {
    t = await till({ no_receipt_return_limit: 0 });
  });
  afterAll(() => t.close());
  const chart = loadChart({ ...US_DEFAULT_CHART, mapping: { ...US_DEFAULT_CHART.mapping, refund_mode: 'reverse_revenue' } });
  const skus = ['SHIRT', 'SOCKS', 'CAP', 'MILK', 'YOG-A'];

  it('per tender, per sale and in the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.constantFrom(...skus), { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }),
        async (items, qtys, cardShare, returns) => {
          for (const [i, sku] of items.entries()) await t.call('sale.addSku', { sku, quantity: { units: qtys[i]!, scale: 0 } });
          const total = (await t.call('sale.get')).total.amount;
          const cardPart = Math.floor(total * cardShare);
          if (cardPart > 0) await t.call('sale.tender', { kind: 'card', amount: USD(cardPart) });
          const sold = cardPart < total ? await t.call('sale.tender', { kind: 'cash', amount: USD(total - cardPart) }) : await t.call('sale.get');
          const saleEv = t.journal.eventAt(t.journal.head().seq)!;
          const sale = saleEv.payload as SaleCompletedPayload;
          const events = [saleEv];
          await t.call('sale.new');
          const returnOnce = async (pick: (left: Map<string, number>) => [string, number][]) => {
            const start = await t.call('refund.start', { receipt: sold.receipt_no });
            const left = new Map<string, number>(start.original.lines.map((l: { line_id: string; quantity: { units: number } }) => [l.line_id, l.quantity.units]));
            for (const [id, n] of pick(left)) await t.call('refund.addLine', { original_line_id: id, quantity: { units: n, scale: 0 } });
            await t.call('refund.pay', {});
            events.push(t.journal.eventAt(t.journal.head().seq)!);
            await t.call('sale.new');
          };
          for (const [a, b] of returns) {
            const remaining = t.journal.reversalsOf(sale.sale_id).refunds.reduce((s, r) => s + r.totals.total, 0);
            if (remaining >= sale.totals.total) break;
            await returnOnce((left) => {
              const open = [...left].filter(([, n]) => n > 0);
              const [id, n] = open[a % open.length]!;
              return [[id, 1 + (b % n)]];
            });
          }
          // Whatever is left goes back in one last return.
          const refundsBefore = t.journal.reversalsOf(sale.sale_id).refunds;
          if (refundsBefore.reduce((s, r) => s + r.totals.total, 0) < sale.totals.total) {
            await returnOnce((left) => [...left].filter(([, n]) => n > 0));
          }
          expect(await failure(t.call('refund.start', { receipt: sold.receipt_no }))).toMatch(/already returned in full/);

          const refunds = t.journal.reversalsOf(sale.sale_id).refunds;
          expect(refunds.reduce((s, r) => s + r.totals.total, 0)).toBe(sale.totals.total);
          for (const tender of sale.tenders) {
            const back = refunds.flatMap((r) => r.tenders).filter((x) => x.original_tender_id === tender.tender_id).reduce((s, x) => s + x.amount, 0);
            expect(back).toBeLessThanOrEqual(tender.amount);
            // A card that took money gets its share back to the card (the terminal always approves here).
            if (tender.kind === 'card') expect(back).toBe(Math.min(tender.amount, sale.totals.total));
          }
          const balance = new Map<string, bigint>();
          for (const e of events) for (const entry of postEvent(e, chart)) for (const l of entry.lines) balance.set(l.account, (balance.get(l.account) ?? 0n) + BigInt(l.debit) - BigInt(l.credit));
          expect([...balance].filter(([, v]) => v !== 0n)).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
