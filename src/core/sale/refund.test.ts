import { describe, expect, it } from 'vitest';
import { parseEventPayload } from '../events/registry';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../events/sale';
import { applyAll } from './engine';
import { buildPostVoid, buildRefund, refundableQuantities, type RefundRequest } from './refund';
import { CASHIER, MANAGER, SHIFT_ID, ctxWith, newSale } from './test-fixtures';
import type { SaleCommand } from './types';

const ctx = ctxWith();
function sell(cmds: SaleCommand[]): SaleCompletedPayload {
  const r = applyAll(newSale(), cmds, ctx);
  if (!r.ok) throw new Error(r.error.message);
  return r.state.completed!;
}
let n = 0;
const rid = (): string => `3c2b1a09-8f7e-4d6c-9b5a-${String(++n).padStart(12, '0')}`;
const req = (lines: RefundRequest['lines'], extra: Partial<RefundRequest> = {}): RefundRequest => ({
  refund_id: rid(),
  store_id: 'store-001',
  terminal_id: 'store-001-t1',
  shift_id: SHIFT_ID,
  cashier_id: 'emp-17',
  reason: 'changed mind',
  lines,
  refund_to: 'cash',
  ...extra,
});
const rctx = { actor: CASHIER, now: '2026-11-23T03:00:00.000Z' };
function refund(original: SaleCompletedPayload, prior: SaleRefundedPayload[], r: RefundRequest): SaleRefundedPayload {
  const out = buildRefund(original, prior, r, rctx);
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  expect(parseEventPayload('sale.refunded', out.payload).ok).toBe(true);
  return out.payload;
}

describe('refunds', () => {
  // 3 shirts with a 10 % line discount: gross 3000, discount 300, net 2700, tax 108 + 131.625→132
  const original = sell([
    { type: 'add_sku', sku: 'SHIRT', quantity: { units: 3, scale: 0 } },
    { type: 'discount_line', line_id: 'L1', discount: { percent_bp: 1000 } },
    { type: 'add_sku', sku: 'MILK' },
    { type: 'tender_card', result: { status: 'approved', amount: 2000, processor: 'sim', masked_pan: '411111******1111', terminal_ref: 'X9' } },
    { type: 'tender_cash', tendered: 2000 },
  ]);

  it('partial refunds are proportional and add up exactly to the original line', () => {
    const l1 = original.lines[0]!;
    expect([l1.gross, l1.net, l1.total]).toEqual([3000, 2700, 2940]);
    const a = refund(original, [], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]));
    expect(a.lines[0]).toMatchObject({ original_line_id: 'L1', gross: 1000, net: 900, total: 980 });
    const b = refund(original, [a], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]));
    const c = refund(original, [a, b], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]));
    const sum = (k: 'gross' | 'net' | 'total') => [a, b, c].reduce((s, r) => s + r.lines[0]![k], 0);
    expect([sum('gross'), sum('net'), sum('total')]).toEqual([l1.gross, l1.net, l1.total]);
    for (const code of ['US-NY-STATE', 'US-NY-NYC']) {
      const orig = l1.taxes.find((t) => t.code === code)!.amount;
      expect([a, b, c].reduce((s, r) => s + r.lines[0]!.taxes.find((t) => t.code === code)!.amount, 0)).toBe(orig);
    }
    expect(refundableQuantities(original, [a, b, c]).get('L1')).toEqual({ units: 0, scale: 0 });
    const over = buildRefund(original, [a, b, c], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]), rctx);
    expect(over).toMatchObject({ ok: false, error: { code: 'REFUND_EXCEEDS_SOLD', line_id: 'L1' } });
  });

  it('refund to the original tenders: card first up to what it paid, then cash', () => {
    const all = refund(original, [], req([{ original_line_id: 'L1', quantity: { units: 3, scale: 0 } }, { original_line_id: 'L2', quantity: { units: 1, scale: 0 } }], { refund_to: 'original' }));
    expect(all.totals.total).toBe(original.totals.total);
    expect(all.tenders).toEqual([
      { tender_id: 'RT1', kind: 'card', amount: 2000, processor: 'sim', original_tender_id: 'T1', masked_pan: '411111******1111', terminal_ref: 'X9' },
      { tender_id: 'RT2', kind: 'cash', amount: original.totals.total - 2000, original_tender_id: 'T2' },
    ]);
    const cashOnly = refund(original, [], req([{ original_line_id: 'L2', quantity: { units: 1, scale: 0 }, restock: false }]));
    expect(cashOnly.lines[0]!.restock).toBe(false);
    expect(cashOnly.restock).toBe(true);
    expect(cashOnly.tenders).toEqual([{ tender_id: 'RT1', kind: 'cash', amount: 349 }]);
  });

  it('weighed lines refund by weight', () => {
    const w = sell([{ type: 'add_weighed', sku: 'APPLES', weight: { units: 1000, scale: 3 } }, { type: 'tender_cash', tendered: 1000 }]);
    const a = refund(w, [], req([{ original_line_id: 'L1', quantity: { units: 333, scale: 3 } }]));
    expect(a.lines[0]!.net).toBe(100); // 299 × 0.333 = 99.57 → 100
    const b = refund(w, [a], req([{ original_line_id: 'L1', quantity: { units: 667, scale: 3 } }]));
    expect(a.lines[0]!.net + b.lines[0]!.net).toBe(299);
  });

  it('errors', () => {
    const q1 = { units: 1, scale: 0 };
    expect(buildRefund(original, [], req([{ original_line_id: 'L9', quantity: q1 }]), rctx)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_LINE' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: { units: 0, scale: 0 } }]), rctx)).toMatchObject({ ok: false, error: { code: 'BAD_QUANTITY' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: { units: 5, scale: 1 } }]), rctx)).toMatchObject({ ok: false, error: { code: 'BAD_QUANTITY' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: { units: 4, scale: 0 } }]), rctx)).toMatchObject({ ok: false, error: { code: 'REFUND_EXCEEDS_SOLD' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }, { original_line_id: 'L1', quantity: q1 }]), rctx)).toMatchObject({ ok: false, error: { code: 'NOT_REFUNDABLE' } });
    expect(buildRefund(original, [], req([]), rctx)).toMatchObject({ ok: false, error: { code: 'NOT_REFUNDABLE' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }], { refund_id: 'R-1' }), rctx)).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }], { reason: '' }), rctx)).toMatchObject({ ok: false, error: { code: 'NOT_REFUNDABLE' } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }], { original_post_voided: true }), rctx)).toMatchObject({ ok: false, error: { code: 'ALREADY_POST_VOIDED' } });
    const noPerm = { actor: { cashier_id: 'trainee', permissions: [] }, now: rctx.now };
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }]), noPerm)).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED', permission: 'sale.refund' } });
    const limited = { ...rctx, policy: { max_refund_without_approval: 500 } };
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }]), limited)).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED', message: expect.stringMatching(/limit/) } });
    expect(buildRefund(original, [], req([{ original_line_id: 'L2', quantity: q1 }]), limited).ok).toBe(true); // 3.49 is under the limit
    expect(buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }], { approval: MANAGER }), limited).ok).toBe(true);
    const approved = buildRefund(original, [], req([{ original_line_id: 'L1', quantity: q1 }], { approval: MANAGER }), noPerm);
    expect(approved.ok && approved.payload.approved_by).toBe('mgr-2');
  });
});

describe('post-void', () => {
  const original = sell([{ type: 'add_sku', sku: 'SHIRT' }, { type: 'tender_cash', tendered: 2000 }]);
  const pv = {
    post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    store_id: 'store-001',
    terminal_id: 'store-001-t1',
    shift_id: SHIFT_ID,
    cashier_id: 'emp-17',
    reason: 'wrong customer',
    prior_refunds: [] as SaleRefundedPayload[],
  };
  it('carries the whole original and needs the permission', () => {
    expect(buildPostVoid(original, pv, rctx)).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED', permission: 'sale.post_void' } });
    const r = buildPostVoid(original, { ...pv, approval: MANAGER }, rctx);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.payload.original).toEqual(original);
    expect(r.payload.approved_by).toBe('mgr-2');
    expect(parseEventPayload('sale.post_voided', r.payload).ok).toBe(true);
  });
  it('refuses a sale with refunds or one already voided', () => {
    const rf = refund(original, [], req([{ original_line_id: 'L1', quantity: { units: 1, scale: 0 } }]));
    expect(buildPostVoid(original, { ...pv, approval: MANAGER, prior_refunds: [rf] }, rctx)).toMatchObject({ ok: false, error: { code: 'HAS_REFUNDS' } });
    expect(buildPostVoid(original, { ...pv, approval: MANAGER, already_post_voided: true }, rctx)).toMatchObject({ ok: false, error: { code: 'ALREADY_POST_VOIDED' } });
  });
});
