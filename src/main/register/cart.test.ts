import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createTaxTable } from '../../core/tax';
import { parseEventPayload } from '../../core/events';
import { completedPayload, newCart, price, type Cart } from './cart';

const taxes = createTaxTable({
  rates: [
    { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, categories: ['general'] },
    { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, categories: ['general'] },
  ],
});
const SALE = '0b9d2f0e-7c1a-4d3e-9f00-000000000001';
const SHIFT = '0b9d2f0e-7c1a-4d3e-9f00-000000000002';

function cartWith(lines: { price: number; qty: number; kg: boolean; cat: string; bp?: number }[], orderBp?: number): Cart {
  const c = newCart({ sale_id: SALE, currency: 'USD', shift_id: SHIFT, cashier_id: '1001', price_book_version: 1 });
  lines.forEach((l, i) => {
    c.lines.push({
      line_id: `L${i + 1}`, sku: `SKU-${i}`, description: `Item ${i}`, category: 'grocery', tax_category: l.cat,
      quantity: l.kg ? { units: l.qty * 137, scale: 3 } : { units: l.qty, scale: 0 }, unit: l.kg ? 'kg' : 'each',
      unit_price: l.price, price_source: 'price_book', price_book_version: 1, source: 'scan', voided: false,
      ...(l.bp ? { line_discount: { percent_bp: l.bp } } : {}),
    });
  });
  if (orderBp) c.order_discount = { percent_bp: orderBp };
  return c;
}

describe('register cart pricing', () => {
  it('prices weight × unit price half-up, discounts, and exclusive taxes', () => {
    const c = cartWith([{ price: 299, qty: 1, kg: true, cat: 'food' }, { price: 1000, qty: 2, kg: false, cat: 'general', bp: 1000 }]);
    const p = price(c, taxes);
    expect(p.lines[0]!.gross).toBe(41); // 0.137 kg × 2.99 = 0.40963 → 0.41
    expect(p.lines[1]!.gross).toBe(2000);
    expect(p.lines[1]!.net).toBe(1800);
    expect(p.tax_total).toBe(72 + 88); // 4 % and 4.875 % of 18.00
    expect(p.total).toBe(41 + 1800 + 160);
  });

  it('always produces a sale.completed payload the core schema accepts (arithmetic, tenders)', () => {
    const line = fc.record({ price: fc.integer({ min: 1, max: 50_000 }), qty: fc.integer({ min: 1, max: 20 }), kg: fc.boolean(), cat: fc.constantFrom('food', 'general'), bp: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.option(fc.integer({ min: 1, max: 5000 }), { nil: undefined }), fc.integer({ min: 0, max: 5000 }), (lines, orderBp, extraCash) => {
        const c = cartWith(lines, orderBp);
        const total = price(c, taxes).total;
        if (total === 0) return;
        c.tenders.push({ tender_id: 'T1', kind: 'cash', amount: total, tendered: total + extraCash, change: extraCash, status: 'approved' });
        const payload = completedPayload(c, taxes, { store_id: 'store-001', terminal_id: 'T01' }, '2026-11-23T03:00:00.000Z');
        const r = parseEventPayload('sale.completed', payload);
        expect(r.ok ? 'ok' : r.error).toBe('ok');
        expect(payload.change_due).toBe(extraCash);
      }),
      { numRuns: 200 },
    );
  });
});
