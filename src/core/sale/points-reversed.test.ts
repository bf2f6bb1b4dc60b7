import { describe, expect, it } from 'vitest';
import { parseEventPayload } from '../events/registry';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../events/sale';
import { DEFAULT_LOYALTY_SETTINGS } from '../loyalty';
import { refundValueMovements } from '../loyalty/movements';
import { applyAll } from './engine';
import { buildRefund, type RefundRequest } from './refund';
import { CASHIER, SHIFT_ID, ctxWith, newSale } from './test-fixtures';

// A refund takes back the points the sale earned (points_reversed), in proportion to the
// returned net, adding up to exactly what was earned when everything is returned, never more.
const ctx = ctxWith({ loyalty: DEFAULT_LOYALTY_SETTINGS });
const CUSTOMER = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
let n = 0;
const req = (lines: RefundRequest['lines']): RefundRequest => ({
  refund_id: `4d3c2b1a-8f7e-4d6c-9b5a-${String(++n).padStart(12, '0')}`, store_id: 'store-001', terminal_id: 'store-001-t1', shift_id: SHIFT_ID,
  cashier_id: 'emp-17', reason: 'changed mind', lines, refund_to: 'cash',
});
function refund(original: SaleCompletedPayload, prior: SaleRefundedPayload[], r: RefundRequest): SaleRefundedPayload {
  const out = buildRefund(original, prior, r, { actor: CASHIER, now: '2026-11-23T03:00:00.000Z' });
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  expect(parseEventPayload('sale.refunded', out.payload).ok).toBe(true);
  return out.payload;
}

describe('points reversed on returns', () => {
  const r = applyAll(newSale(), [
    { type: 'set_customer', customer_id: CUSTOMER },
    { type: 'add_sku', sku: 'SHIRT', quantity: { units: 3, scale: 0 } },
    { type: 'add_sku', sku: 'MILK' },
    { type: 'tender_cash', tendered: 100_000 },
  ], ctx);
  if (!r.ok) throw new Error(r.error.message);
  const sale = r.state.completed!;

  it('three partial returns reverse exactly what the sale earned, once; the hub moves them as unearn', () => {
    const earned = sale.loyalty!.points_earned;
    expect(earned).toBeGreaterThan(0);
    const a = refund(sale, [], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]));
    const b = refund(sale, [a], req([{ original_line_id: 'L1', quantity: { units: 2, scale: 0 } }]));
    const c = refund(sale, [a, b], req([{ original_line_id: 'L2', quantity: { units: 1, scale: 0 } }]));
    const parts = [a, b, c].map((x) => x.loyalty?.points_reversed ?? 0);
    expect(parts.reduce((s, p) => s + p, 0)).toBe(earned);
    expect(a.loyalty).toMatchObject({ customer_id: CUSTOMER, point_value: sale.loyalty!.point_value });
    expect(refundValueMovements(a)).toEqual([expect.objectContaining({ kind: 'unearn', amount: -parts[0]!, part: 'unearn' })]);
  });

  it('a sale without a customer reverses nothing', () => {
    const plain = applyAll(newSale(), [{ type: 'add_sku', sku: 'SHIRT' }, { type: 'tender_cash', tendered: 10_000 }], ctx);
    if (!plain.ok) throw new Error(plain.error.message);
    expect(refund(plain.state.completed!, [], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }])).loyalty).toBeUndefined();
  });
});
