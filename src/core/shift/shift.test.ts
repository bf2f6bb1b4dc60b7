import { describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED } from '../events/examples';
import { parseEventPayload } from '../events/registry';
import type { SaleCompletedPayload } from '../events/sale';
import { CASHIER, MANAGER, SHIFT_ID } from '../sale/test-fixtures';
import { cashMove, closeShift, foldShiftEvent, noSale, openShift, replayShift, xReport, type ShiftState } from './shift';

const uuid = (n: number): string => `9a8b7c6d-5e4f-4a3b-8c2d-${String(n).padStart(12, '0')}`;
const open = () =>
  openShift({ shift_id: SHIFT_ID, store_id: 'store-001', terminal_id: 'store-001-t1', cashier_id: 'emp-17', currency: 'USD', opening_float: 10000, opened_at: '2026-11-23T01:00:00.000Z' });
const fold = (s: ShiftState, type: string, payload: unknown): ShiftState => {
  const r = foldShiftEvent(s, type, payload);
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
};
const noSync = { unsynced_count: 0, oldest_unsynced_at: null };

describe('shift', () => {
  it('folds sales, refunds, post-voids and cash moves into the expected cash', () => {
    const { state: s0, payload } = open();
    expect(parseEventPayload('shift.opened', payload).ok).toBe(true);
    let s = fold(s0, 'sale.completed', EXAMPLE_SALE_COMPLETED); // card 1000 + cash 678
    s = fold(s, 'sale.completed', EXAMPLE_SALE_COMPLETED); // replay: ignored
    expect(s.sales_count).toBe(1);
    expect(s.expected_cash).toBe(10678);
    s = fold(s, 'sale.refunded', EXAMPLE_SALE_REFUNDED); // cash 980 back
    expect(s.expected_cash).toBe(9698);
    const other: SaleCompletedPayload = { ...EXAMPLE_SALE_COMPLETED, sale_id: uuid(50), shift_id: uuid(99) };
    expect(fold(s, 'sale.completed', other)).toBe(s); // another shift: unchanged
    const pv = {
      post_void_id: uuid(7),
      sale_id: EXAMPLE_SALE_COMPLETED.sale_id,
      store_id: 'store-001',
      terminal_id: 'store-001-t1',
      shift_id: SHIFT_ID,
      cashier_id: 'emp-17',
      reason: 'wrong',
      original: EXAMPLE_SALE_COMPLETED,
      voided_at: '2026-11-23T03:00:00.000Z',
    };
    s = fold(s, 'sale.post_voided', pv);
    expect(s.expected_cash).toBe(9698 - 678);
    expect(s.post_voids_total).toBe(1678);

    const drop = cashMove(s, { movement_id: uuid(1), kind: 'drop', amount: 5000, reason: 'safe', moved_at: '2026-11-23T04:00:00.000Z' }, CASHIER);
    expect(drop.ok).toBe(true);
    if (!drop.ok) return;
    expect(parseEventPayload('shift.cash_moved', drop.payload).ok).toBe(true);
    s = drop.state;
    expect(s.expected_cash).toBe(9020 - 5000);
    // paid out needs a manager for this cashier
    const po = { movement_id: uuid(2), kind: 'paid_out' as const, amount: 500, reason: 'window cleaner', account_hint: 'expense:cleaning', moved_at: '2026-11-23T04:10:00.000Z' };
    expect(cashMove(s, po, CASHIER)).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED', permission: 'cash.paid_out' } });
    const po2 = cashMove(s, { ...po, approval: MANAGER }, CASHIER);
    expect(po2.ok && po2.payload.approved_by).toBe('mgr-2');
    if (po2.ok) s = po2.state;
    expect(cashMove(s, { ...po, movement_id: uuid(3), amount: 999_999, approval: MANAGER }, CASHIER)).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CASH' } });
    expect(cashMove(s, { ...po, movement_id: uuid(3), amount: 1.5, approval: MANAGER }, CASHIER)).toMatchObject({ ok: false, error: { code: 'BAD_AMOUNT' } });
    expect(cashMove(s, { ...po, movement_id: 'not-a-uuid', approval: MANAGER }, CASHIER)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    const pi = cashMove(s, { movement_id: uuid(4), kind: 'paid_in', amount: 2000, reason: 'change fund', moved_at: '2026-11-23T04:20:00.000Z' }, CASHIER);
    if (pi.ok) s = pi.state;
    expect(s.expected_cash).toBe(4020 - 500 + 2000);

    // no-sale needs drawer.no_sale
    const ns = { no_sale_id: uuid(5), opened_at: '2026-11-23T04:30:00.000Z' };
    expect(noSale(s, ns, CASHIER)).toMatchObject({ ok: false, error: { code: 'APPROVAL_REQUIRED', permission: 'drawer.no_sale' } });
    const ns2 = noSale(s, { ...ns, approval: MANAGER, reason: 'give change' }, CASHIER);
    expect(ns2.ok && parseEventPayload('drawer.no_sale', ns2.payload).ok).toBe(true);
    if (ns2.ok) s = ns2.state;
    expect(s.no_sales_count).toBe(1);

    const x = xReport(s, { unsynced_count: 3, oldest_unsynced_at: '2026-11-23T02:30:00.000Z' }, '2026-11-23T05:00:00.000Z');
    expect(x).toMatchObject({ kind: 'X', sales_count: 1, refunds_count: 1, post_voids_count: 1, expected_cash: 5520, net_sales: 1678 - 980 - 1678, oldest_unsynced_age_seconds: 9000 });
    expect(x.tenders).toEqual([
      { kind: 'card', processor: 'sim', sales_count: 1, sales_amount: 1000, refunds_count: 1, refunds_amount: 1000, net_amount: 0 },
      { kind: 'cash', sales_count: 1, sales_amount: 678, refunds_count: 2, refunds_amount: 980 + 678, net_amount: 678 - 1658 },
    ]);

    // Z: unsynced sales must be acknowledged; then variance is counted − expected
    const z = { counted_cash: 5500, closed_at: '2026-11-23T09:00:00.000Z', unsynced_count: 3, oldest_unsynced_at: '2026-11-23T02:30:00.000Z' };
    const refused = closeShift(s, z, CASHIER);
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNSYNCED_NOT_ACKNOWLEDGED' } });
    expect(!refused.ok && refused.error.message).toMatch(/3 journal event\(s\).*2026-11-23T02:30:00.000Z/);
    expect(closeShift(s, { ...z, unsynced_count: 0 }, CASHIER)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(closeShift(s, { ...z, acknowledge_unsynced: true, counted_denominations: [{ value: 100, count: 3 }] }, CASHIER)).toMatchObject({ ok: false, error: { code: 'BAD_AMOUNT' } });
    const closed = closeShift(s, { ...z, acknowledge_unsynced: true }, CASHIER);
    expect(closed.ok).toBe(true);
    if (!closed.ok) return;
    expect(closed.payload).toMatchObject({ expected_cash: 5520, counted_cash: 5500, variance: -20, unsynced_count: 3, oldest_unsynced_at: '2026-11-23T02:30:00.000Z' });
    expect(parseEventPayload('shift.closed', closed.payload).ok).toBe(true);
    expect(closed.report).toMatchObject({ kind: 'Z', variance: -20, counted_cash: 5500 });
    expect(closed.state.status).toBe('closed');
    expect(closeShift(closed.state, { ...z, acknowledge_unsynced: true }, CASHIER)).toMatchObject({ ok: false, error: { code: 'SHIFT_CLOSED' } });
    expect(cashMove(closed.state, { movement_id: uuid(9), kind: 'drop', amount: 1, reason: 'x', moved_at: z.closed_at }, CASHIER)).toMatchObject({ ok: false, error: { code: 'SHIFT_CLOSED' } });

    // replaying the journal gives the same state
    const journal = [
      { type: 'shift.opened', payload },
      { type: 'sale.completed', payload: EXAMPLE_SALE_COMPLETED },
      { type: 'sale.refunded', payload: EXAMPLE_SALE_REFUNDED },
      { type: 'sale.post_voided', payload: pv },
      { type: 'shift.cash_moved', payload: drop.payload },
      ...(po2.ok ? [{ type: 'shift.cash_moved', payload: po2.payload }] : []),
      ...(pi.ok ? [{ type: 'shift.cash_moved', payload: pi.payload }] : []),
      ...(ns2.ok ? [{ type: 'drawer.no_sale', payload: ns2.payload }] : []),
      { type: 'shift.closed', payload: closed.payload },
    ];
    const re = replayShift(journal);
    expect(re.ok && re.state).toEqual(closed.state);
  });

  it('a clean close with everything synced', () => {
    const { state } = open();
    const r = closeShift(state, { counted_cash: 10000, closed_at: '2026-11-23T09:00:00.000Z', ...noSync }, CASHIER);
    expect(r.ok && r.payload).toMatchObject({ variance: 0, unsynced_count: 0, oldest_unsynced_at: null });
    // a cashier without shift.close needs a manager
    expect(closeShift(state, { counted_cash: 1, closed_at: '2026-11-23T09:00:00.000Z', ...noSync }, { cashier_id: 't', permissions: [] })).toMatchObject({
      ok: false,
      error: { code: 'APPROVAL_REQUIRED' },
    });
  });

  it('refuses bad events and bad opening input', () => {
    const { state } = open();
    expect(foldShiftEvent(state, 'sale.completed', { sale_id: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    expect(() => openShift({ shift_id: 'nope', store_id: 's', terminal_id: 't', cashier_id: 'c', currency: 'USD', opening_float: 0, opened_at: '2026-11-23T01:00:00.000Z' })).toThrow(/shift_id/);
    expect(() =>
      openShift({ shift_id: SHIFT_ID, store_id: 's', terminal_id: 't', cashier_id: 'c', currency: 'USD', opening_float: 500, opened_at: '2026-11-23T01:00:00.000Z', float_counts: [{ value: 100, count: 4 }] }),
    ).toThrow(/add up to 400/);
    expect(() => xReport(state, { unsynced_count: 1, oldest_unsynced_at: null }, '2026-11-23T01:00:00.000Z')).toThrow(/oldest_unsynced_at/);
  });
});
