import { describe, expect, it } from 'vitest';
import { applyAll } from './engine';
import { priceSale } from './pricing';
import { applyPromotions } from './promotions';
import { promotionSchema, type PromotionInput } from '../catalog/promotion';
import { ctxWith, newSale, usBook } from './test-fixtures';
import type { SaleCommand } from './types';

function price(promos: PromotionInput[], cmds: SaleCommand[], now = '2026-11-23T02:30:00.000Z') {
  const ctx = ctxWith({ book: usBook(promos), now });
  const r = applyAll(newSale(), cmds, ctx);
  if (!r.ok) throw new Error(r.error.message);
  return priceSale(r.state, ctx);
}
const add = (sku: string, n = 1): SaleCommand => ({ type: 'add_sku', sku, quantity: { units: n, scale: 0 } });
const target = { categories: ['dairy'] };

describe('promotions', () => {
  it('percent off: each eligible line, shown as a promotion discount', () => {
    const p = price([{ promotion_id: 'P10', name: '10% off dairy', kind: 'percent_off', percent_bp: 1000, target }], [add('YOG-A', 3), add('SHIRT'), add('YOG-B')]);
    expect(p.lines.map((l) => l.discounts)).toEqual([
      [{ kind: 'promotion', amount: 36, promotion_id: 'P10', reason: '10% off dairy' }],
      [],
      [{ kind: 'promotion', amount: 10, promotion_id: 'P10', reason: '10% off dairy' }],
    ]);
  });

  it('percent off on a weighed line takes the line price', () => {
    const p = price([{ promotion_id: 'PA', name: 'Apples 50%', kind: 'percent_off', percent_bp: 5000, target: { skus: ['APPLES'] } }], [
      { type: 'add_weighed', sku: 'APPLES', weight: { units: 1500, scale: 3 } },
    ]);
    expect(p.lines[0]).toMatchObject({ gross: 449, net: 224 }); // 1.5 kg × 2.99 = 4.485 → 449; 50 % = 224.5 → 225 off
  });

  it('buy 2 get 1 free: the cheapest unit is free, groups repeat', () => {
    const promo: PromotionInput = { promotion_id: 'B2G1', name: 'Buy 2 get 1', kind: 'buy_x_get_y', buy_qty: 2, get_qty: 1, target };
    const p = price([promo], [add('YOG-A', 2), add('YOG-B', 1)]);
    expect(p.lines[0]!.discounts).toEqual([]);
    expect(p.lines[1]!.discounts).toEqual([{ kind: 'promotion', amount: 100, promotion_id: 'B2G1', reason: 'Buy 2 get 1' }]);
    // 6 units (4 A + 2 B) → 2 groups: the two cheapest (both B) free
    const p6 = price([promo], [add('YOG-A', 4), add('YOG-B', 2)]);
    expect(p6.totals.discount_total).toBe(200);
    // 5 units: one group only
    expect(price([promo], [add('YOG-A', 5)]).totals.discount_total).toBe(120);
    // 2 units: nothing
    expect(price([promo], [add('YOG-A', 2)]).totals.discount_total).toBe(0);
    // half price instead of free
    expect(price([{ ...promo, get_percent_bp: 5000 }], [add('YOG-A', 3)]).totals.discount_total).toBe(60);
  });

  it('mix and match: any 3 for 3.00, most expensive grouped first, spread by price', () => {
    const promo: PromotionInput = { promotion_id: 'MM3', name: 'Any 3 for 3.00', kind: 'mix_match', quantity: 3, price: 300, target };
    const p = price([promo], [add('YOG-A', 2), add('YOG-B', 2)]);
    // group = A, A, B (340) → 40 off, spread 120:120:100 → 14/14/12 (allocate: 14.1,14.1,11.8 → 14,14,12)
    expect(p.lines[0]!.discounts).toEqual([{ kind: 'promotion', amount: 28, promotion_id: 'MM3', reason: 'Any 3 for 3.00' }]);
    expect(p.lines[1]!.discounts).toEqual([{ kind: 'promotion', amount: 12, promotion_id: 'MM3', reason: 'Any 3 for 3.00' }]);
    expect(p.totals.subtotal - p.totals.discount_total).toBe(300 + 100);
    // no saving → no discount
    expect(price([{ ...promo, price: 400 }], [add('YOG-A', 3)]).totals.discount_total).toBe(0);
  });

  it('a unit takes part in one promotion only, in priority order; time windows apply', () => {
    const mm: PromotionInput = { promotion_id: 'MM', name: '3 for 3', kind: 'mix_match', quantity: 3, price: 300, target, priority: 1 };
    const pct: PromotionInput = { promotion_id: 'PCT', name: '50%', kind: 'percent_off', percent_bp: 5000, target, priority: 2 };
    const p = price([pct, mm], [add('YOG-A', 4)]); // 3 units in MM (60 off), the 4th at 50 % (60 off)
    expect(p.totals.discount_total).toBe(120);
    expect(p.lines[0]!.discounts.map((d) => d.promotion_id)).toEqual(['MM', 'PCT']);
    const later = { ...pct, starts_at: '2026-12-01T00:00:00.000Z' };
    expect(price([later], [add('YOG-A')]).totals.discount_total).toBe(0);
    expect(price([later], [add('YOG-A')], '2026-12-01T00:00:00.000Z').totals.discount_total).toBe(60);
    expect(price([{ ...pct, active: false }], [add('YOG-A')]).totals.discount_total).toBe(0);
    expect(price([{ ...pct, active: true }], [add('YOG-A')]).totals.discount_total).toBe(60);
    const ended = { ...pct, ends_at: '2026-11-01T00:00:00.000Z' };
    expect(price([ended], [add('YOG-A')]).totals.discount_total).toBe(0);
  });

  it('is deterministic regardless of the order promotions are listed', () => {
    const a: PromotionInput = { promotion_id: 'A', name: 'a', kind: 'percent_off', percent_bp: 1000, target };
    const b: PromotionInput = { promotion_id: 'B', name: 'b', kind: 'buy_x_get_y', buy_qty: 1, get_qty: 1, target };
    const cmds = [add('YOG-A', 3), add('YOG-B', 2)];
    expect(price([a, b], cmds)).toEqual(price([b, a], cmds));
    const parsed = [a, b].map((x) => promotionSchema.parse(x));
    const lines = [{ line_id: 'L1', sku: 'YOG-A', category: 'dairy', unit: 'each' as const, units: 2, unit_price: 120, price: 240 }];
    expect(applyPromotions(lines, parsed, 'USD')).toEqual(applyPromotions(lines, [...parsed].reverse().sort((x, y) => (x.promotion_id < y.promotion_id ? -1 : 1)), 'USD'));
  });

  it('promotion schema refuses a target-less or malformed promotion', () => {
    expect(promotionSchema.safeParse({ promotion_id: 'X', name: 'x', kind: 'percent_off', percent_bp: 10, target: {} }).success).toBe(false);
    expect(promotionSchema.safeParse({ promotion_id: 'X', name: 'x', kind: 'mix_match', quantity: 1, price: 10, target }).success).toBe(false);
    expect(promotionSchema.safeParse({ promotion_id: 'X', name: 'x', kind: 'percent_off', percent_bp: 10_001, target }).success).toBe(false);
  });
});
