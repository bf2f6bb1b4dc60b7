import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PromotionInput } from '../catalog/promotion';
import { parseEventPayload } from '../events/registry';
import { saleCompletedSchema, type SaleCompletedPayload, type SaleRefundedPayload } from '../events/sale';
import { createTaxTable } from '../tax/tax';
import { apply } from './engine';
import { priceSale } from './pricing';
import { buildRefund, refundableQuantities } from './refund';
import { parseSaleState } from './schemas';
import { CASHIER, EU_TAXES, MANAGER, SHIFT_ID, US_TAXES, ctxWith, newSale, usBook } from './test-fixtures';
import type { SaleCommand, SaleContext, SaleState } from './types';

const PROMOS: PromotionInput[] = [
  { promotion_id: 'P-PCT', name: '15% apparel', kind: 'percent_off', percent_bp: 1500, target: { categories: ['apparel'] }, priority: 3 },
  { promotion_id: 'P-B2G1', name: 'Buy 2 get 1', kind: 'buy_x_get_y', buy_qty: 2, get_qty: 1, target: { categories: ['dairy'] }, priority: 1 },
  { promotion_id: 'P-MM', name: '3 for 10', kind: 'mix_match', quantity: 3, price: 1000, target: { skus: ['SOCKS', 'SHIRT', 'MILK'] }, priority: 2 },
  { promotion_id: 'P-APL', name: 'Apples 20%', kind: 'percent_off', percent_bp: 2000, target: { skus: ['APPLES'] } },
];

const EACH = ['MILK', 'SHIRT', 'SOCKS', 'CAP', 'YOG-A', 'YOG-B'];

const lineCmd: fc.Arbitrary<SaleCommand> = fc.oneof(
  fc.record({ sku: fc.constantFrom(...EACH), n: fc.integer({ min: 1, max: 6 }) }).map(({ sku, n }) => ({ type: 'add_sku' as const, sku, quantity: { units: n, scale: 0 } })),
  fc.integer({ min: 1, max: 5000 }).map((g) => ({ type: 'add_weighed' as const, sku: 'APPLES', weight: { units: g, scale: 3 } })),
  fc.integer({ min: 0, max: 99_999 }).map((p) => ({ type: 'scan' as const, scan: { lookupKey: '02012345000001', price: { amountMinor: p, decimals: 2 } } })),
);

const modCmd: fc.Arbitrary<SaleCommand> = fc.oneof(
  fc.record({ l: fc.integer({ min: 1, max: 12 }), pct: fc.integer({ min: 1, max: 10_000 }) }).map(({ l, pct }) => ({
    type: 'discount_line' as const,
    line_id: `L${l}`,
    discount: { percent_bp: pct },
    approval: MANAGER,
  })),
  fc.record({ l: fc.integer({ min: 1, max: 12 }), amt: fc.integer({ min: 1, max: 3000 }) }).map(({ l, amt }) => ({
    type: 'discount_line' as const,
    line_id: `L${l}`,
    discount: { amount: amt },
    approval: MANAGER,
  })),
  fc.record({ l: fc.integer({ min: 1, max: 12 }), p: fc.integer({ min: 0, max: 3000 }) }).map(({ l, p }) => ({
    type: 'override_price' as const,
    line_id: `L${l}`,
    unit_price: p,
    reason: 'test',
    approval: MANAGER,
  })),
  fc.record({ l: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 4 }) }).map(({ l, n }) => ({ type: 'set_quantity' as const, line_id: `L${l}`, quantity: { units: n, scale: 0 } })),
  fc.integer({ min: 1, max: 12 }).map((l) => ({ type: 'void_line' as const, line_id: `L${l}` })),
  fc.integer({ min: 1, max: 2500 }).map((pct) => ({ type: 'discount_order' as const, discount: { percent_bp: pct }, approval: MANAGER })),
  fc.integer({ min: 1, max: 2000 }).map((amt) => ({ type: 'discount_order' as const, discount: { amount: amt }, approval: MANAGER })),
);

const saleArb = fc.record({
  lines: fc.array(lineCmd, { minLength: 1, maxLength: 12 }),
  mods: fc.array(modCmd, { maxLength: 8 }),
  promos: fc.subarray(PROMOS),
  inclusive: fc.boolean(),
  rounding: fc.constantFrom<'line' | 'document'>('line', 'document'),
  cashRounding: fc.option(fc.constantFrom(5, 10, 100), { nil: undefined }),
  exempt: fc.boolean(),
  // fractions (in ‰ of what is due) paid by card / gift card before the rest in cash
  splits: fc.array(fc.record({ kind: fc.constantFrom('card', 'gift_card'), permille: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 3 }),
  overpay: fc.integer({ min: 0, max: 5000 }),
});

type Gen = typeof saleArb extends fc.Arbitrary<infer T> ? T : never;

function contextFor(g: Gen): SaleContext {
  return ctxWith(
    { book: usBook(g.promos), taxes: createTaxTable({ rates: g.inclusive ? EU_TAXES.map((r) => ({ ...r, categories: r.code === 'DE-VAT-7' ? ['food'] : ['general'] })) : US_TAXES, rounding: g.rounding }) },
    g.cashRounding ? { cash_rounding: { increment: g.cashRounding, mode: 'half-even' } } : {},
  );
}

/** Applies commands, checking that every refused command leaves the state untouched. */
function step(s: SaleState, c: SaleCommand, ctx: SaleContext): SaleState {
  const before = JSON.stringify(s);
  const r = apply(s, c, ctx);
  if (!r.ok) {
    expect(r.state).toBe(s);
    expect(JSON.stringify(r.state)).toBe(before);
    return s;
  }
  return r.state;
}

function ringUp(g: Gen): { ctx: SaleContext; sale: SaleCompletedPayload | null; state: SaleState } {
  const ctx = contextFor(g);
  let s = newSale();
  for (const c of [...g.lines, ...g.mods]) s = step(s, c, ctx);
  if (g.exempt) s = step(s, { type: 'set_tax_exemption', exemption: { certificate_id: 'EX-1', codes: ['US-NY-STATE'] }, approval: MANAGER }, ctx);
  const priced = priceSale(s, ctx);
  if (priced.lines.length === 0) return { ctx, sale: null, state: s };
  if (priced.totals.total === 0) {
    const r = apply(s, { type: 'complete' }, ctx);
    expect(r.ok).toBe(true);
    return { ctx, sale: r.ok ? r.state.completed! : null, state: s };
  }
  for (const sp of g.splits) {
    const due = priceSale(s, ctx).due;
    const amount = Math.floor((due * sp.permille) / 1000);
    if (amount <= 0 || s.status !== 'open') continue;
    const c: SaleCommand =
      sp.kind === 'card'
        ? { type: 'tender_card', result: { status: 'approved', amount, processor: 'sim', masked_pan: '************4242' } }
        : { type: 'tender_gift_card', gift_card_id: 'GC-9', amount };
    const r = apply(s, c, ctx);
    expect(r.ok).toBe(true);
    if (r.ok) s = r.state;
  }
  if (s.status === 'open') {
    const due = priceSale(s, ctx).due;
    const r = apply(s, { type: 'tender_cash', tendered: due + (g.cashRounding ?? 0) + g.overpay }, ctx);
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    if (r.ok) s = r.state;
  }
  expect(s.status).toBe('completed');
  return { ctx, sale: s.completed ?? null, state: s };
}

describe('sale properties', () => {
  it('every generated sale completes with a payload that passes its own schema and adds up', () => {
    fc.assert(
      fc.property(saleArb, (g) => {
        const { sale, state } = ringUp(g);
        // the cart survives a save/restore through JSON at the end of every generated sale
        const restored = parseSaleState(JSON.parse(JSON.stringify(state)));
        expect(restored.ok, restored.ok ? '' : restored.error).toBe(true);
        if (!sale) return;
        expect(saleCompletedSchema.safeParse(sale).success).toBe(true);
        expect(parseEventPayload('sale.completed', JSON.parse(JSON.stringify(sale))).ok).toBe(true);
        const linesTotal = sale.lines.reduce((s, l) => s + l.total, 0);
        expect(linesTotal + sale.totals.rounding).toBe(sale.totals.total);
        expect(sale.tenders.reduce((s, t) => s + t.amount, 0)).toBe(sale.totals.total);
        expect(sale.tax_breakdown.reduce((s, b) => s + b.amount, 0)).toBe(sale.totals.tax_total);
        for (const l of sale.lines) {
          expect(l.net).toBeGreaterThanOrEqual(0);
          expect(l.discounts.every((d) => d.amount > 0)).toBe(true);
        }
        for (const t of sale.tenders) if (t.kind === 'cash') expect(t.tendered! - t.change!).toBe(t.amount);
        if (g.cashRounding) expect(Math.abs(sale.totals.rounding) * 2).toBeLessThanOrEqual(g.cashRounding);
        else expect(sale.totals.rounding).toBe(0);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('partial refunds never exceed what was sold and add up to it when everything is returned', () => {
    fc.assert(
      fc.property(saleArb, fc.array(fc.record({ line: fc.nat(), part: fc.integer({ min: 1, max: 1000 }) }), { minLength: 1, maxLength: 10 }), (g, picks) => {
        const { sale } = ringUp(g);
        if (!sale) return;
        const prior: SaleRefundedPayload[] = [];
        let k = 0;
        for (const p of picks) {
          const line = sale.lines[p.line % sale.lines.length]!;
          const left = refundableQuantities(sale, prior).get(line.line_id)!;
          if (left.units === 0) {
            const r = buildRefund(sale, prior, mkReq(++k, line.line_id, line.unit === 'each' ? { units: 1, scale: 0 } : { units: 1, scale: 3 }), rctx);
            expect(r).toMatchObject({ ok: false, error: { code: 'REFUND_EXCEEDS_SOLD' } });
            continue;
          }
          // a share of what is left, at least one unit (or one gram)
          let units = Math.max(1, Math.floor((left.units * p.part) / 1000));
          if (line.unit === 'each') units = Math.max(1, Math.floor(units / 10 ** left.scale)) * 10 ** left.scale;
          const r = buildRefund(sale, prior, mkReq(++k, line.line_id, { units, scale: left.scale }), rctx);
          expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
          if (r.ok) {
            expect(parseEventPayload('sale.refunded', r.payload).ok).toBe(true);
            prior.push(r.payload);
          }
        }
        // refund everything that is left, then compare sums
        for (const l of sale.lines) {
          const left = refundableQuantities(sale, prior).get(l.line_id)!;
          if (left.units === 0) continue;
          const r = buildRefund(sale, prior, mkReq(++k, l.line_id, left), rctx);
          expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
          if (r.ok) prior.push(r.payload);
        }
        for (const l of sale.lines) {
          const parts = prior.flatMap((r) => r.lines.filter((x) => x.original_line_id === l.line_id));
          const sum = (f: (x: (typeof parts)[number]) => number) => parts.reduce((s, x) => s + f(x), 0);
          expect(sum((x) => x.net)).toBe(l.net);
          expect(sum((x) => x.total)).toBe(l.total);
          expect(sum((x) => x.gross)).toBe(l.gross);
          for (const t of l.taxes) expect(sum((x) => x.taxes.find((y) => y.code === t.code)!.amount)).toBe(t.amount);
        }
        const refunded = prior.reduce((s, r) => s + r.totals.total, 0);
        expect(refunded).toBe(sale.totals.total - sale.totals.rounding);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

const rctx = { actor: CASHIER, now: '2026-11-23T03:00:00.000Z' };
function mkReq(k: number, line: string, quantity: { units: number; scale: number }) {
  return {
    refund_id: `3c2b1a09-8f7e-4d6c-9b5a-${String(k).padStart(12, '0')}`,
    store_id: 'store-001',
    terminal_id: 'store-001-t1',
    shift_id: SHIFT_ID,
    cashier_id: 'emp-17',
    reason: 'return',
    lines: [{ original_line_id: line, quantity }],
    refund_to: 'original' as const,
  };
}

describe('sale engine robustness', () => {
  // Commands with arbitrary values (and some garbage): the engine never throws, and a refused
  // command leaves the state exactly as it was.
  const anyNum = fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double({ noNaN: false }), fc.constant(Number.MAX_SAFE_INTEGER + 2));
  const anyStr = fc.oneof(fc.constantFrom('L1', 'L2', 'T1', 'SHIRT', 'APPLES', 'DELI', 'OLD', '02012345000001', ''), fc.string({ maxLength: 80 }));
  const anyQty = fc.record({ units: anyNum, scale: fc.integer({ min: -1, max: 8 }) });
  const fuzzCmd = fc.oneof(
    lineCmd,
    modCmd,
    fc.record({ type: fc.constant('add_sku'), sku: anyStr, quantity: anyQty, open_price: anyNum }),
    fc.record({ type: fc.constant('add_weighed'), sku: anyStr, weight: anyQty }),
    fc.record({ type: fc.constant('scan'), scan: fc.record({ lookupKey: anyStr, price: fc.record({ amountMinor: anyNum, decimals: fc.integer({ min: -1, max: 9 }) }) }) }),
    fc.record({ type: fc.constant('set_quantity'), line_id: anyStr, quantity: anyQty }),
    fc.record({ type: fc.constant('discount_line'), line_id: anyStr, discount: fc.record({ amount: anyNum, percent_bp: anyNum }, { requiredKeys: [] }), approval: fc.constant(MANAGER) }),
    fc.record({ type: fc.constant('override_price'), line_id: anyStr, unit_price: anyNum, reason: anyStr, approval: fc.constant(MANAGER) }),
    fc.record({ type: fc.constant('tender_cash'), tendered: anyNum }),
    fc.record({ type: fc.constant('tender_gift_card'), gift_card_id: anyStr, amount: anyNum }),
    fc.record({
      type: fc.constant('tender_card'),
      result: fc.record({ status: fc.constantFrom('approved', 'declined'), amount: anyNum, processor: anyStr, masked_pan: fc.oneof(anyStr, fc.constant('4111111111111111')) }),
    }),
    fc.record({ type: fc.constant('remove_tender'), tender_id: anyStr }),
    fc.record({ type: fc.constant('set_tax_exemption'), exemption: fc.record({ certificate_id: anyStr, codes: fc.array(anyStr, { maxLength: 3 }) }), approval: fc.constant(MANAGER) }),
    fc.constant({ type: 'complete' }),
    fc.constant({ type: 'reprice' }),
    fc.anything(),
  ) as fc.Arbitrary<SaleCommand>;

  it('refuses, without throwing, a label price or quantity beyond the safe money range (found by the fuzz test)', () => {
    const ctx = ctxWith({ book: usBook(PROMOS) });
    const s = newSale();
    // A 15-digit GS1 (392n) price with 0 decimals overflows once scaled to cents.
    const r = apply(s, { type: 'scan', scan: { lookupKey: 'APPLES', price: { amountMinor: 725084748269504, decimals: 0 } } } as SaleCommand, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('BAD_AMOUNT');
    expect(r.state).toBe(s);
    // The same bound holds where the overflow appears only when the line is priced.
    const big = apply(s, { type: 'scan', scan: { lookupKey: '02012345000001', price: { amountMinor: Number.MAX_SAFE_INTEGER - 1, decimals: 2 } } } as SaleCommand, ctx);
    const more = big.ok ? apply(big.state, { type: 'set_quantity', line_id: big.state.lines[0]!.line_id, quantity: { units: 1000, scale: 0 } } as SaleCommand, ctx) : big;
    expect(more.ok).toBe(false);
    if (!more.ok) expect(more.error.code).toBe('BAD_AMOUNT');
  });

  it('never throws; refusals change nothing; accepted states always price and complete to valid events', () => {
    fc.assert(
      fc.property(fc.array(fuzzCmd, { maxLength: 25 }), (cmds) => {
        const ctx = ctxWith({ book: usBook(PROMOS) });
        let s = newSale();
        for (const c of cmds) {
          s = step(s, c, ctx);
          if (s.status === 'completed') {
            expect(saleCompletedSchema.safeParse(s.completed).success).toBe(true);
            expect(JSON.stringify(s.completed)).not.toMatch(/4111111111111111/);
            break;
          }
          if (s.status !== 'open') break;
          expect(() => priceSale(s, ctx)).not.toThrow();
        }
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
