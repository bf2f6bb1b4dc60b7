import { money, multiplyByQuantity, multiplyRatio, roundToIncrement } from '../../money/money';
import type { RefundTender, SaleCompletedPayload, SaleLine, SaleRefundedPayload, Tender, TaxBreakdownRow } from '../../events/sale';

// fast-check generators of valid sale.completed payloads (they pass the events schema,
// arithmetic included) and of partial and full refunds of them. Used by the ledger and
// stock property tests; other areas may reuse them. fast-check is handed in by the test
// (`const { saleCompletedArb, partialRefundArb } = saleArbitraries(fc)`), because core code
// may not import test libraries.

type FC = typeof import('fast-check').default;
type Arbitrary<T> = import('fast-check').Arbitrary<T>;

export const GEN_STORE = 'store-001';
export const GEN_TERMINAL = 'store-001-t1';
const SHIFT = '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b';

const CATEGORIES = ['grocery', 'apparel', 'bakery', 'produce', 'misc'] as const;
const PROCESSORS = ['stripe', 'adyen', 'sim'] as const;
const US_TAXES = [
  { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000 },
  { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750 },
  { code: 'US-CA-STATE', jurisdiction: 'US-CA', rate_ppm: 72_500 },
  { code: 'US-TX-STATE', jurisdiction: 'US-TX', rate_ppm: 62_500 },
] as const;
const VAT = [
  { code: 'DE-VAT-STD', jurisdiction: 'DE', rate_ppm: 190_000 },
  { code: 'DE-VAT-RED', jurisdiction: 'DE', rate_ppm: 70_000 },
  { code: 'FR-VAT-STD', jurisdiction: 'FR', rate_ppm: 200_000 },
  { code: 'NL-VAT-STD', jurisdiction: 'NL', rate_ppm: 210_000 },
] as const;

export type TaxStyle = 'us' | 'eu';

interface LineSeed {
  category: string;
  weighed: boolean;
  units: number;
  unit_price: number;
  discountFractions: number[];
  discountKinds: Array<'line' | 'order' | 'promotion' | 'override'>;
  taxIdx: number[];
}

function buildLine(i: number, s: LineSeed, currency: string, style: TaxStyle, weightUnits: number): SaleLine {
  const quantity = s.weighed ? { units: weightUnits, scale: 3 } : { units: s.units, scale: 0 };
  const gross = multiplyByQuantity(money(s.unit_price, currency), quantity, 'half-up').amount;
  // Discounts take fractions (per mille) of what is left, so they never exceed the gross.
  const discounts: SaleLine['discounts'] = [];
  let left = gross;
  s.discountFractions.forEach((f, k) => {
    const amt = Math.floor((left * f) / 1000);
    if (amt > 0) {
      const kind = s.discountKinds[k]!;
      discounts.push({ kind, amount: amt, ...(kind === 'promotion' ? { promotion_id: `PROMO-${k}` } : {}) });
      left -= amt;
    }
  });
  const net = left;
  const taxes: SaleLine['taxes'] = [];
  if (style === 'us') {
    for (const idx of s.taxIdx) {
      const t = US_TAXES[idx]!;
      const amount = multiplyRatio(money(net, currency), t.rate_ppm, 1_000_000, 'half-up').amount;
      taxes.push({ ...t, inclusive: false, compound: false, base: net, amount });
    }
  } else if (s.taxIdx.length > 0) {
    const t = VAT[s.taxIdx[0]!]!;
    const base = multiplyRatio(money(net, currency), 1_000_000, 1_000_000 + t.rate_ppm, 'half-up').amount;
    taxes.push({ ...t, inclusive: true, compound: false, base, amount: net - base });
  }
  const exclusive = taxes.reduce((a, t) => a + (t.inclusive ? 0 : t.amount), 0);
  return {
    line_id: `L${i + 1}`,
    sku: `SKU-${s.category.toUpperCase()}-${i % 3}`,
    description: `Item ${i + 1}`,
    category: s.category,
    tax_category: 'general',
    quantity,
    unit: s.weighed ? 'kg' : 'each',
    unit_price: s.unit_price,
    gross,
    discounts,
    net,
    taxes,
    total: net + exclusive,
  };
}

function breakdown(lines: ReadonlyArray<Pick<SaleLine, 'taxes'>>): TaxBreakdownRow[] {
  const rows = new Map<string, TaxBreakdownRow>();
  for (const l of lines) {
    for (const t of l.taxes) {
      const k = `${t.code}|${t.jurisdiction}|${t.rate_ppm}|${t.inclusive}`;
      const r = rows.get(k) ?? { code: t.code, jurisdiction: t.jurisdiction, rate_ppm: t.rate_ppm, inclusive: t.inclusive, base: 0, amount: 0 };
      r.base += t.base;
      r.amount += t.amount;
      rows.set(k, r);
    }
  }
  return [...rows.values()];
}

function totalsOf(lines: readonly SaleLine[], rounding: number) {
  const sum = (f: (l: SaleLine) => number) => lines.reduce((a, l) => a + f(l), 0);
  return {
    subtotal: sum((l) => l.gross),
    discount_total: sum((l) => l.discounts.reduce((a, d) => a + d.amount, 0)),
    tax_total: sum((l) => l.taxes.reduce((a, t) => a + t.amount, 0)),
    total: sum((l) => l.total) + rounding,
    rounding,
  };
}

/** Splits `total` into ≤ parts.length positive amounts (by the weights), dropping zero parts. */
function split(total: number, weights: readonly number[]): number[] {
  if (total === 0) return [];
  const w = weights.map((x) => x + 1);
  const s = w.reduce((a, b) => a + b, 0);
  const parts = w.map((x) => Math.floor((total * x) / s));
  parts[0]! += total - parts.reduce((a, b) => a + b, 0);
  return parts.filter((p) => p > 0);
}

export interface SaleArbOptions {
  currencies?: readonly string[];
  style?: TaxStyle;
  maxLines?: number;
}

function shareLine(l: SaleLine, num: number, den: number, i: number): SaleRefundedPayload['lines'][number] {
  const f = (x: number) => Math.floor((x * num) / den);
  const gross = Math.round((l.gross * num) / den);
  const discounts = l.discounts.map((d) => ({ ...d, amount: f(d.amount) })).filter((d) => d.amount > 0);
  const net = gross - discounts.reduce((a, d) => a + d.amount, 0);
  const taxes = l.taxes.map((t) => ({ ...t, base: f(t.base), amount: f(t.amount) }));
  const exclusive = taxes.reduce((a, t) => a + (t.inclusive ? 0 : t.amount), 0);
  const quantity = num === den ? l.quantity : { units: (l.quantity.units * num) / den, scale: l.quantity.scale };
  return { ...l, line_id: `R${i + 1}`, original_line_id: l.line_id, quantity, gross, discounts, net, taxes, total: net + exclusive };
}

function refundOf(
  sale: SaleCompletedPayload,
  refund_id: string,
  lines: SaleRefundedPayload['lines'],
  rounding: number,
  tenders: RefundTender[] | null,
  restock: boolean,
): SaleRefundedPayload {
  const totals = totalsOf(lines, rounding);
  const card = sale.tenders.find((t) => t.kind === 'card');
  const refundTenders: RefundTender[] =
    tenders ?? (totals.total === 0 ? [] : [card ? { ...card, tender_id: 'RT1', amount: totals.total, original_tender_id: card.tender_id } : { tender_id: 'RT1', kind: 'cash', amount: totals.total }]);
  return {
    refund_id,
    original_sale_id: sale.sale_id,
    store_id: sale.store_id,
    terminal_id: sale.terminal_id,
    shift_id: sale.shift_id,
    cashier_id: 'emp-1',
    reason: 'Customer return',
    currency: sale.currency,
    lines,
    totals,
    tax_breakdown: breakdown(lines),
    tenders: refundTenders,
    restock,
    refunded_at: '2026-11-23T03:00:00.000Z',
  };
}

/** Everything back: the same lines, the same rounding and each tender returned the way it came. */
export function fullRefundOf(sale: SaleCompletedPayload, refund_id: string, restock = true): SaleRefundedPayload {
  const lines = sale.lines.map((l, i) => shareLine(l, 1, 1, i));
  const tenders: RefundTender[] = sale.tenders.map((t) => {
    const { tendered: _t, change: _c, ...rest } = t as Tender & { tendered?: number; change?: number };
    return { ...rest, tender_id: `R${t.tender_id}`, original_tender_id: t.tender_id } as RefundTender;
  });
  return refundOf(sale, refund_id, lines, sale.totals.rounding, tenders, restock);
}

export function saleArbitraries(fc: FC) {
  const uuidArb = fc.uuid({ version: 4 });

  const lineSeedArb: Arbitrary<LineSeed> = fc.record({
    category: fc.constantFrom(...CATEGORIES),
    weighed: fc.boolean(),
    units: fc.integer({ min: 1, max: 6 }),
    unit_price: fc.oneof(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 2_000_000 })),
    discountFractions: fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 3 }),
    discountKinds: fc.array(fc.constantFrom('line' as const, 'order' as const, 'promotion' as const, 'override' as const), { minLength: 3, maxLength: 3 }),
    taxIdx: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { maxLength: 2 }),
  });

  function saleCompletedArb(opts: SaleArbOptions = {}): Arbitrary<SaleCompletedPayload> {
    const currencies = opts.currencies ?? ['USD', 'EUR', 'JPY', 'BHD', 'CHF'];
    return fc
      .record({
        sale_id: uuidArb,
        currency: fc.constantFrom(...currencies),
        style: opts.style ? fc.constant(opts.style) : fc.constantFrom<TaxStyle>('us', 'eu'),
        seeds: fc.array(lineSeedArb, { minLength: 1, maxLength: opts.maxLines ?? 6 }),
        weights: fc.array(fc.integer({ min: 1, max: 5_000 }), { minLength: 6, maxLength: 6 }),
        tenderKinds: fc.array(fc.constantFrom('cash' as const, 'card' as const, 'gift_card' as const), { minLength: 1, maxLength: 3 }),
        tenderWeights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }),
        processors: fc.array(fc.constantFrom(...PROCESSORS), { minLength: 3, maxLength: 3 }),
        changes: fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 3, maxLength: 3 }),
        cashRounding: fc.constantFrom(0, 5, 10),
      })
      .map((r) => {
        const lines = r.seeds.map((s, i) => buildLine(i, s, r.currency, r.style, r.weights[i % 6]!));
        const linesTotal = lines.reduce((a, l) => a + l.total, 0);
        const hasCash = r.tenderKinds.includes('cash');
        const rounding = hasCash && r.cashRounding > 0 ? roundToIncrement(money(linesTotal, r.currency), r.cashRounding).amount - linesTotal : 0;
        const totals = totalsOf(lines, rounding);
        const amounts = split(totals.total, r.tenderWeights.slice(0, r.tenderKinds.length));
        const tenders: Tender[] = amounts.map((amount, i) => {
          const kind = r.tenderKinds[i]!;
          const tender_id = `T${i + 1}`;
          if (kind === 'cash') return { tender_id, kind, amount, tendered: amount + r.changes[i]!, change: r.changes[i]! };
          if (kind === 'card') return { tender_id, kind, amount, processor: r.processors[i]!, masked_pan: '411111******1111' };
          return { tender_id, kind, amount, gift_card_id: `GC-${i}` };
        });
        const change_due = tenders.reduce((a, t) => a + (t.kind === 'cash' ? (t.change ?? 0) : 0), 0);
        return {
          sale_id: r.sale_id,
          store_id: GEN_STORE,
          terminal_id: GEN_TERMINAL,
          shift_id: SHIFT,
          cashier_id: 'emp-1',
          currency: r.currency,
          price_book_version: 1,
          lines,
          totals,
          tax_breakdown: breakdown(lines),
          tenders,
          change_due,
          completed_at: '2026-11-23T02:30:00.000Z',
        } satisfies SaleCompletedPayload;
      });
  }

  /** A partial refund of a sale: some lines, some of each line's units, proportional amounts. */
  function partialRefundArb(sale: SaleCompletedPayload): Arbitrary<SaleRefundedPayload> {
    return fc
      .record({
        refund_id: uuidArb,
        picks: fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 1_000 })), { minLength: sale.lines.length, maxLength: sale.lines.length }),
        restock: fc.boolean(),
      })
      .map(({ refund_id, picks, restock }) => {
        const chosen: SaleRefundedPayload['lines'] = [];
        sale.lines.forEach((l, i) => {
          const [take, r] = picks[i]!;
          if (!take && !(i === 0 && chosen.length === 0 && picks.every((p) => !p[0]))) return;
          // Whole units for counted goods; a weighed line is refunded whole.
          const den = l.quantity.scale === 0 ? l.quantity.units : 1;
          const num = l.quantity.scale === 0 ? 1 + (r % l.quantity.units) : 1;
          chosen.push(shareLine(l, num, den, chosen.length));
        });
        return refundOf(sale, refund_id, chosen, 0, null, restock);
      });
  }

  return { saleCompletedArb, partialRefundArb };
}
