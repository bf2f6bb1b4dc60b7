import { describe, expect, it } from 'vitest';
import { saleCompletedSchema, saleVoidedSchema, type SaleCompletedPayload } from '../events/sale';
import { parseEventPayload } from '../events/registry';
import { apply, applyAll } from './engine';
import { priceSale } from './pricing';
import { CASHIER, EU_TAXES, MANAGER, US_PRODUCTS, ctxWith, newSale, usBook } from './test-fixtures';
import { createPriceBook } from '../catalog/price-book';
import { createTaxTable } from '../tax/tax';
import type { ApplyResult, SaleCommand, SaleContext, SaleState } from './types';

function run(cmds: SaleCommand[], ctx: SaleContext = ctxWith(), state: SaleState = newSale()): ApplyResult {
  return applyAll(state, cmds, ctx);
}
function must(cmds: SaleCommand[], ctx: SaleContext = ctxWith(), state: SaleState = newSale()): SaleState {
  const r = run(cmds, ctx, state);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.state;
}
/** Applies `cmd` to `state` and expects the given error with the state unchanged. */
function expectError(state: SaleState, cmd: SaleCommand, code: string, ctx: SaleContext = ctxWith()): string {
  const before = JSON.stringify(state);
  const r = apply(state, cmd, ctx);
  expect(r.ok, `expected ${code}`).toBe(false);
  if (r.ok) return '';
  expect(r.error.code).toBe(code);
  expect(r.state).toBe(state);
  expect(JSON.stringify(r.state)).toBe(before);
  return r.error.message;
}
const completed = (r: ApplyResult): SaleCompletedPayload => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  const j = r.effects.find((e) => e.kind === 'journal' && e.type === 'sale.completed');
  if (!j || j.kind !== 'journal' || j.type !== 'sale.completed') throw new Error('no sale.completed effect');
  return j.payload;
};

describe('sale engine: ringing up', () => {
  it('scans, prices with tax, takes cash with change and journals a valid sale.completed', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'scan', scan: { lookupKey: '00012345678905' }, quantity: { units: 2, scale: 0 } }, { type: 'add_sku', sku: 'SHIRT' }], ctx);
    const p = priceSale(s, ctx);
    expect(p.lines.map((l) => l.total)).toEqual([698, 1089]); // shirt: 1000 + 40 + 48.75→49
    expect(p.totals).toEqual({ subtotal: 1698, discount_total: 0, tax_total: 89, total: 1787, rounding: 0 });
    const r = apply(s, { type: 'tender_cash', tendered: 2000 }, ctx);
    const sale = completed(r);
    expect(saleCompletedSchema.safeParse(sale).success).toBe(true);
    expect(sale.tenders).toEqual([{ tender_id: 'T1', kind: 'cash', amount: 1787, tendered: 2000, change: 213 }]);
    expect(sale.change_due).toBe(213);
    expect(sale.lines[0]!.gtin).toBe('0012345678905');
    expect(r.ok && r.effects.some((e) => e.kind === 'open_drawer')).toBe(true);
    expect(r.ok && r.state.status).toBe('completed');
    expectError(r.state, { type: 'add_sku', sku: 'SHIRT' }, 'SALE_NOT_OPEN');
  });

  it('weighed items: scale weight and weight-embedded label; price-embedded label', () => {
    const ctx = ctxWith();
    const s = must(
      [
        { type: 'add_weighed', sku: 'APPLES', weight: { units: 375, scale: 3 } }, // 0.375 kg × 2.99 = 1.12125
        { type: 'scan', scan: { lookupKey: '02512345000006', weight: { grams: 1250 } } }, // 1.25 kg × 19.99 = 24.9875
        { type: 'scan', scan: { lookupKey: '02012345000001', price: { amountMinor: 1250, decimals: 2, currency: 'USD' } } },
      ],
      ctx,
    );
    const p = priceSale(s, ctx);
    expect(p.lines.map((l) => [l.sku, l.unit, l.quantity, l.unit_price, l.gross, l.price_source])).toEqual([
      ['APPLES', 'kg', { units: 375, scale: 3 }, 299, 112, 'price_book'],
      ['CHEESE', 'kg', { units: 1250, scale: 3 }, 1999, 2499, 'price_book'],
      ['PIE', 'each', { units: 1, scale: 0 }, 1250, 1250, 'barcode'],
    ]);
    expect(completed(apply(s, { type: 'tender_cash', tendered: 5000 }, ctx)).totals.total).toBe(112 + 2499 + 1250);
  });

  it('errors for items: unknown, inactive, weight required, not weighed, price required, currency', () => {
    const s = newSale();
    expect(expectError(s, { type: 'scan', scan: { lookupKey: '04006381333931' } }, 'UNKNOWN_ITEM')).toMatch(/04006381333931/);
    expectError(s, { type: 'add_sku', sku: 'NOPE' }, 'UNKNOWN_ITEM');
    expectError(s, { type: 'add_sku', sku: 'OLD' }, 'ITEM_INACTIVE');
    expect(expectError(s, { type: 'add_sku', sku: 'APPLES' }, 'WEIGHT_REQUIRED')).toMatch(/scale/);
    expectError(s, { type: 'add_weighed', sku: 'SHIRT', weight: { units: 1, scale: 0 } }, 'NOT_WEIGHED_ITEM');
    expectError(s, { type: 'scan', scan: { lookupKey: 'SHIRT', weight: { grams: 10 } } }, 'NOT_WEIGHED_ITEM');
    expectError(s, { type: 'add_sku', sku: 'DELI' }, 'PRICE_REQUIRED');
    expectError(s, { type: 'add_sku', sku: 'SHIRT', open_price: 5 }, 'BAD_AMOUNT');
    expectError(s, { type: 'scan', scan: { lookupKey: '02012345000001', price: { amountMinor: 100, decimals: 2, currency: 'EUR' } } }, 'CURRENCY_MISMATCH');
    expectError(newSale('EUR'), { type: 'add_sku', sku: 'SHIRT' }, 'CURRENCY_MISMATCH');
    const open = must([{ type: 'add_sku', sku: 'DELI', open_price: 455 }]);
    expect(priceSale(open, ctxWith()).lines[0]).toMatchObject({ unit_price: 455, price_source: 'open' });
  });

  it('quantities: change, bad values, unknown and voided lines, line limit', () => {
    const s = must([{ type: 'add_sku', sku: 'SOCKS' }]);
    const s2 = must([{ type: 'set_quantity', line_id: 'L1', quantity: { units: 3, scale: 0 } }], ctxWith(), s);
    expect(priceSale(s2, ctxWith()).lines[0]!.gross).toBe(1500);
    const s3 = must([{ type: 'set_quantity', line_id: 'L1', quantity: { units: 2000, scale: 3 } }], ctxWith(), s);
    expect(s3.lines[0]!.quantity).toEqual({ units: 2, scale: 0 }); // normalised
    expectError(s, { type: 'set_quantity', line_id: 'L1', quantity: { units: 0, scale: 0 } }, 'BAD_QUANTITY');
    expectError(s, { type: 'set_quantity', line_id: 'L1', quantity: { units: 15, scale: 1 } }, 'BAD_QUANTITY');
    expectError(s, { type: 'set_quantity', line_id: 'L1', quantity: { units: 10_000, scale: 0 } }, 'BAD_QUANTITY');
    expectError(s, { type: 'set_quantity', line_id: 'L9', quantity: { units: 1, scale: 0 } }, 'UNKNOWN_LINE');
    const voided = must([{ type: 'void_line', line_id: 'L1' }], ctxWith(), s);
    expectError(voided, { type: 'set_quantity', line_id: 'L1', quantity: { units: 1, scale: 0 } }, 'LINE_VOIDED');
    expect(priceSale(voided, ctxWith()).lines).toEqual([]);
    expectError(voided, { type: 'tender_cash', tendered: 100 }, 'EMPTY_SALE');
    const small = ctxWith({}, { max_lines: 1 });
    expectError(s, { type: 'add_sku', sku: 'SOCKS' }, 'TOO_MANY_LINES', small);
    // void_line needs the permission
    expectError(s, { type: 'void_line', line_id: 'L1' }, 'APPROVAL_REQUIRED', ctxWith({ actor: { cashier_id: 'trainee', permissions: [] } }));
  });

  it('merges repeated scans of the same plain item when the policy says so', () => {
    const ctx = ctxWith({}, { merge_repeated_scans: true });
    const s = must([{ type: 'add_sku', sku: 'SOCKS' }, { type: 'add_sku', sku: 'SOCKS', quantity: { units: 2, scale: 0 } }, { type: 'add_sku', sku: 'SHIRT' }, { type: 'add_sku', sku: 'SOCKS' }], ctx);
    expect(s.lines.map((l) => [l.line_id, l.sku, l.quantity.units])).toEqual([
      ['L1', 'SOCKS', 3],
      ['L2', 'SHIRT', 1],
      ['L3', 'SOCKS', 1],
    ]);
    const discounted = must([{ type: 'discount_line', line_id: 'L3', discount: { amount: 10 } }, { type: 'add_sku', sku: 'SOCKS' }], ctx, s);
    expect(discounted.lines).toHaveLength(4);
    expect(must([{ type: 'add_sku', sku: 'SOCKS' }, { type: 'add_sku', sku: 'SOCKS' }]).lines).toHaveLength(2); // default: no merge
    expectError(s, { type: 'add_sku', sku: 'SOCKS', quantity: { units: 9999, scale: 0 } }, 'BAD_QUANTITY', ctx);
  });

  it('price override: needs permission, records a discount, or raises the price', () => {
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }]);
    expect(expectError(s, { type: 'override_price', line_id: 'L1', unit_price: 950, reason: 'match' }, 'APPROVAL_REQUIRED')).toMatch(/sale.price_override/);
    expectError(s, { type: 'override_price', line_id: 'L1', unit_price: -1, reason: 'x', approval: MANAGER }, 'BAD_AMOUNT');
    expectError(s, { type: 'override_price', line_id: 'L1', unit_price: 900, reason: '', approval: MANAGER }, 'BAD_AMOUNT');
    const low = must([{ type: 'override_price', line_id: 'L1', unit_price: 800, reason: 'price match', approval: MANAGER }], ctxWith(), s);
    const l = priceSale(low, ctxWith()).lines[0]!;
    expect(l.discounts).toEqual([{ kind: 'override', amount: 200, reason: 'price match', approved_by: 'mgr-2' }]);
    expect(l.net).toBe(800);
    const high = must([{ type: 'override_price', line_id: 'L1', unit_price: 1200, reason: 'wrong tag', approval: MANAGER }], ctxWith(), s);
    expect(priceSale(high, ctxWith()).lines[0]).toMatchObject({ unit_price: 1200, gross: 1200, price_source: 'override', discounts: [] });
    // a cashier holding the permission may override within the limit, not above it
    const ctx = ctxWith({ actor: { ...CASHIER, permissions: [...CASHIER.permissions, 'sale.price_override'] } });
    expect(apply(s, { type: 'override_price', line_id: 'L1', unit_price: 950, reason: 'x' }, ctx).ok).toBe(true);
    expectError(s, { type: 'override_price', line_id: 'L1', unit_price: 850, reason: 'x' }, 'APPROVAL_REQUIRED', ctx);
  });

  it('line and order discounts with limits and approvals', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'add_sku', sku: 'SOCKS' }], ctx);
    // 10 % is within the cashier limit
    const ten = must([{ type: 'discount_line', line_id: 'L1', discount: { percent_bp: 1000, reason: 'loyal' } }], ctx, s);
    expect(priceSale(ten, ctx).lines[0]!.discounts).toEqual([{ kind: 'line', amount: 100, reason: 'loyal' }]);
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 101 } }, 'APPROVAL_REQUIRED');
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 300 }, approval: { approved_by: 'sup', permissions: ['drawer.no_sale'] } }, 'APPROVAL_DENIED');
    const big = must([{ type: 'discount_line', line_id: 'L1', discount: { amount: 300 }, approval: MANAGER }], ctx, s);
    expect(priceSale(big, ctx).lines[0]!.discounts[0]).toEqual({ kind: 'line', amount: 300, approved_by: 'mgr-2' });
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 1001 }, approval: MANAGER }, 'DISCOUNT_EXCEEDS_PRICE');
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 10, percent_bp: 10 } }, 'BAD_DISCOUNT');
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { percent_bp: 10_001 } }, 'BAD_DISCOUNT');
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 1.5 } }, 'BAD_DISCOUNT');
    // order discount: the cashier lacks the permission
    expectError(s, { type: 'discount_order', discount: { amount: 100 } }, 'APPROVAL_REQUIRED');
    expectError(newSale(), { type: 'discount_order', discount: { amount: 100 } }, 'EMPTY_SALE');
    const od = must([{ type: 'discount_order', discount: { amount: 301, reason: 'complaint' }, approval: MANAGER }], ctx, s);
    const lines = priceSale(od, ctx).lines;
    // 301 spread 1000:500 → 201 / 100 (largest remainder to the first)
    expect(lines.map((l) => l.discounts)).toEqual([
      [{ kind: 'order', amount: 201, reason: 'complaint', approved_by: 'mgr-2' }],
      [{ kind: 'order', amount: 100, reason: 'complaint', approved_by: 'mgr-2' }],
    ]);
    const sale = completed(apply(od, { type: 'tender_cash', tendered: 5000 }, ctx));
    expect(sale.totals.discount_total).toBe(301);
    const removed = must([{ type: 'remove_order_discount' }, { type: 'remove_line_discount', line_id: 'L1' }], ctx, od);
    expect(priceSale(removed, ctx).totals.discount_total).toBe(0);
  });

  it('a 100 % discounted sale completes with no tender', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SOCKS' }, { type: 'discount_line', line_id: 'L1', discount: { percent_bp: 10_000 }, approval: MANAGER }], ctx);
    expectError(s, { type: 'tender_cash', tendered: 100 }, 'NOTHING_DUE');
    const sale = completed(apply(s, { type: 'complete' }, ctx));
    expect(sale.totals.total).toBe(0);
    expect(sale.tenders).toEqual([]);
    const due = must([{ type: 'add_sku', sku: 'SOCKS' }], ctx);
    expectError(due, { type: 'complete' }, 'TENDER_SHORT');
    expectError(newSale(), { type: 'complete' }, 'EMPTY_SALE');
  });

  it('reprice: a price change mid-sale keeps the rung-up price until the cashier reprices', () => {
    const v1 = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'add_sku', sku: 'SOCKS' }], v1);
    const v2 = ctxWith({ book: usBook([], 2, usBook().products.size ? [...usBook().products.values()].map((p) => (p.sku === 'SHIRT' ? { ...p, price: 800 } : p)) : []) });
    const s2 = must([{ type: 'add_sku', sku: 'SHIRT' }], v2, s);
    const before = priceSale(s2, v2).lines;
    expect(before.map((l) => [l.unit_price, l.price_book_version])).toEqual([[1000, 1], [500, 1], [800, 2]]);
    const r1 = must([{ type: 'reprice', line_id: 'L1' }], v2, s2);
    expect(priceSale(r1, v2).lines.map((l) => l.unit_price)).toEqual([800, 500, 800]);
    expectError(s2, { type: 'reprice', line_id: 'L7' }, 'UNKNOWN_LINE', v2);
    const sale = completed(apply(must([{ type: 'reprice' }], v2, s2), { type: 'tender_cash', tendered: 9999 }, v2));
    expect(sale.price_book_version).toBe(2);
  });

  it('tax exemption needs a permission and zeroes the taxes', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }], ctx);
    expectError(s, { type: 'set_tax_exemption', exemption: { certificate_id: 'NY-EX-1', codes: [] } }, 'APPROVAL_REQUIRED');
    const ex = must([{ type: 'set_tax_exemption', exemption: { certificate_id: 'NY-EX-1', codes: [] }, approval: MANAGER }], ctx, s);
    const sale = completed(apply(ex, { type: 'tender_cash', tendered: 1000 }, ctx));
    expect(sale.totals.tax_total).toBe(0);
    expect(sale.tax_exemption).toEqual({ certificate_id: 'NY-EX-1', codes: [] });
    expect(sale.lines[0]!.taxes.every((t) => t.amount === 0 && t.exempt_reason)).toBe(true);
  });
});

describe('sale engine: tenders', () => {
  const card = (amount: number, extra: object = {}) => ({
    type: 'tender_card' as const,
    result: { status: 'approved' as const, amount, processor: 'sim', auth_code: 'A1', masked_pan: '411111******1111', card_brand: 'visa', terminal_ref: 'R1', ...extra },
  });

  it('split payment: card then cash, locked while tendered', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, card(500)], ctx); // total 1089
    expect(priceSale(s, ctx).due).toBe(589);
    expectError(s, { type: 'add_sku', sku: 'SOCKS' }, 'LOCKED_BY_TENDER');
    expectError(s, { type: 'discount_line', line_id: 'L1', discount: { amount: 1 } }, 'LOCKED_BY_TENDER');
    const sale = completed(apply(s, { type: 'tender_cash', tendered: 600 }, ctx));
    expect(sale.tenders.map((t) => [t.kind, t.amount])).toEqual([
      ['card', 500],
      ['cash', 589],
    ]);
    expect(sale.change_due).toBe(11);
  });

  it('partial cash then gift card; removing a card tender asks to reverse it', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'tender_cash', tendered: 89 }], ctx);
    expect(s.tenders[0]).toEqual({ tender_id: 'T1', kind: 'cash', amount: 89, tendered: 89, change: 0 });
    expectError(s, { type: 'tender_gift_card', gift_card_id: 'GC-1', amount: 1001 }, 'TENDER_EXCEEDS_DUE');
    expectError(s, { type: 'tender_gift_card', gift_card_id: 'bad id!', amount: 10 }, 'INVALID_CARD_DATA');
    const sale = completed(apply(s, { type: 'tender_gift_card', gift_card_id: 'GC-1', amount: 1000 }, ctx));
    expect(sale.tenders[1]).toEqual({ tender_id: 'T2', kind: 'gift_card', amount: 1000, gift_card_id: 'GC-1' });

    const c = must([{ type: 'add_sku', sku: 'SHIRT' }, card(100)], ctx);
    const r = apply(c, { type: 'remove_tender', tender_id: 'T1' }, ctx);
    expect(r.ok && r.effects).toEqual([{ kind: 'reverse_tenders', tenders: [c.tenders[0]] }]);
    expect(r.ok && r.state.tenders).toEqual([]);
    expectError(c, { type: 'remove_tender', tender_id: 'T9' }, 'UNKNOWN_TENDER');
  });

  it('card errors: declined, over the due amount, unmasked PAN never echoed', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }], ctx);
    expect(expectError(s, { type: 'tender_card', result: { status: 'declined', amount: 1089, processor: 'sim', message: 'insufficient funds' } }, 'CARD_NOT_APPROVED')).toMatch(/declined/);
    expectError(s, { type: 'tender_card', result: { status: 'unknown', amount: 1089, processor: 'sim' } }, 'CARD_NOT_APPROVED');
    expectError(s, card(1090), 'TENDER_EXCEEDS_DUE');
    expectError(s, card(0), 'BAD_AMOUNT');
    const msg = expectError(s, card(1089, { masked_pan: '4111111111111111' }), 'INVALID_CARD_DATA');
    expect(msg).not.toMatch(/4111/);
    expectError(s, card(1089, { processor: '' }), 'INVALID_CARD_DATA');
    expectError(s, { type: 'tender_cash', tendered: 0 }, 'BAD_AMOUNT');
    expectError(s, { type: 'tender_cash', tendered: 10.5 }, 'BAD_AMOUNT');
    const sale = completed(apply(s, card(1089), ctx));
    expect(sale.tenders[0]).toMatchObject({ kind: 'card', masked_pan: '411111******1111', auth_code: 'A1', processor: 'sim' });
  });

  it('too many tenders', () => {
    const ctx = ctxWith({}, { max_tenders: 2 });
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'tender_cash', tendered: 1 }, { type: 'tender_cash', tendered: 1 }], ctx);
    expectError(s, { type: 'tender_cash', tendered: 1 }, 'TOO_MANY_TENDERS', ctx);
  });

  it('cash rounding to an increment records the adjustment', () => {
    const ctx = ctxWith({}, { cash_rounding: { increment: 5, mode: 'half-up' } });
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'add_sku', sku: 'MILK' }], ctx); // 1089 + 349 = 1438
    const sale = completed(apply(s, { type: 'tender_cash', tendered: 2000 }, ctx));
    expect(sale.totals).toMatchObject({ total: 1440, rounding: 2 });
    expect(sale.tenders[0]).toEqual({ tender_id: 'T1', kind: 'cash', amount: 1440, tendered: 2000, change: 560 });
    // a card pays the exact amount: no rounding
    const byCard = completed(apply(s, { type: 'tender_card', result: { status: 'approved', amount: 1438, processor: 'sim' } }, ctx));
    expect(byCard.totals.rounding).toBe(0);
    // card leaves 2 due, which rounds to 0 in cash
    const part = must([{ type: 'tender_card', result: { status: 'approved', amount: 1436, processor: 'sim' } }], ctx, s);
    const rest = completed(apply(part, { type: 'tender_cash', tendered: 5 }, ctx));
    expect(rest.totals).toMatchObject({ total: 1436, rounding: -2 });
  });

  it('void sale before completion journals sale.voided and reverses card tenders', () => {
    const ctx = ctxWith();
    const s = must([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'tender_card', result: { status: 'approved', amount: 100, processor: 'sim' } }], ctx);
    expectError(s, { type: 'void_sale' }, 'APPROVAL_REQUIRED');
    const r = apply(s, { type: 'void_sale', reason: 'customer left', approval: MANAGER }, ctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.status).toBe('voided');
    const j = r.effects[0]!;
    expect(j.kind === 'journal' && j.type === 'sale.voided').toBe(true);
    if (j.kind === 'journal') {
      expect(saleVoidedSchema.safeParse(j.payload).success).toBe(true);
      expect(parseEventPayload('sale.voided', j.payload).ok).toBe(true);
      expect(j.payload).toMatchObject({ total: 1089, approved_by: 'mgr-2', reason: 'customer left' });
    }
    expect(r.effects[1]).toEqual({ kind: 'reverse_tenders', tenders: s.tenders });
    expectError(r.state, { type: 'tender_cash', tendered: 1 }, 'SALE_NOT_OPEN');
  });
});

describe('sale engine: VAT store and tax errors', () => {
  const eurBook = createPriceBook({ version: 3, currency: 'EUR', products: US_PRODUCTS.map((p) => ({ ...p, currency: 'EUR' })) });
  const eu = ctxWith({ book: eurBook, taxes: createTaxTable({ rates: EU_TAXES }) }, { cash_rounding: { increment: 5, mode: 'half-even' } });

  it('extracts inclusive VAT; the price on the shelf is what the customer pays', () => {
    const s = newSale('EUR');
    const r = applyAll(s, [{ type: 'add_sku', sku: 'SHIRT' }, { type: 'add_sku', sku: 'MILK' }, { type: 'tender_cash', tendered: 2000 }], eu);
    const sale = completed(r);
    expect(sale.currency).toBe('EUR');
    // 10.00 incl. 19 % → 1.60 VAT ; 3.49 incl. 7 % → 0.23 VAT
    expect(sale.tax_breakdown).toEqual([
      { code: 'DE-VAT-19', jurisdiction: 'DE', rate_ppm: 190_000, inclusive: true, base: 840, amount: 160 },
      { code: 'DE-VAT-7', jurisdiction: 'DE', rate_ppm: 70_000, inclusive: true, base: 326, amount: 23 },
    ]);
    expect(sale.totals).toEqual({ subtotal: 1349, discount_total: 0, tax_total: 183, total: 1350, rounding: 1 });
    expect(sale.tenders[0]).toEqual({ tender_id: 'T1', kind: 'cash', amount: 1350, tendered: 2000, change: 650 });
  });

  it('a tax table that mixes inclusive and exclusive rates on a category gives TAX_ERROR and changes nothing', () => {
    const bad = ctxWith({
      taxes: createTaxTable({
        rates: [
          { code: 'A', jurisdiction: 'X', rate_ppm: 1000, inclusive: true, categories: ['general'] },
          { code: 'B', jurisdiction: 'X', rate_ppm: 1000, inclusive: false, categories: ['general'] },
        ],
      }),
    });
    expect(expectError(newSale(), { type: 'add_sku', sku: 'SHIRT' }, 'TAX_ERROR', bad)).toMatch(/both inclusive and exclusive/);
  });
});
