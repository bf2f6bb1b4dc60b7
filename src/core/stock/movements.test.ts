import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_SALE_COMPLETED, EXAMPLE_SALE_REFUNDED } from '../events/examples';
import type { JournalEvent } from '../protocol/journal-event';
import { envelope } from '../ledger/testing/envelope';
import { fullRefundOf, saleArbitraries } from '../ledger/testing/arbitraries';

const { saleCompletedArb, partialRefundArb } = saleArbitraries(fc);
import { stockLevels, stockMovementsFor, StockError, type StockMovement } from './movements';

const ev = (type: string, payload: object, seq = 1): JournalEvent => envelope(type, payload as Record<string, unknown>, { seq });
const level = (ms: StockMovement[], sku: string) => stockLevels(ms).find((l) => l.sku === sku)?.on_hand;

describe('stockMovementsFor', () => {
  it('a sale takes each line out, with a deterministic id and its source', () => {
    const e = ev('sale.completed', EXAMPLE_SALE_COMPLETED);
    const ms = stockMovementsFor(e);
    expect(ms).toEqual([
      { movement_id: `${e.event_id}:L1:sale`, store_id: 'store-001', sku: 'MILK-1L', quantity: { units: -2, scale: 0 }, reason: 'sale', source: { terminal_id: 'store-001-t1', seq: 1, event_id: e.event_id, line_id: 'L1' } },
      { movement_id: `${e.event_id}:L2:sale`, store_id: 'store-001', sku: 'TSHIRT-M', quantity: { units: -1, scale: 0 }, reason: 'sale', source: { terminal_id: 'store-001-t1', seq: 1, event_id: e.event_id, line_id: 'L2' } },
    ]);
    expect(stockMovementsFor(e)).toEqual(ms);
  });

  it('a line marked stock: false (a web order\'s shipping) moves no stock in a sale, a refund or a post-void', () => {
    const sale = { ...EXAMPLE_SALE_COMPLETED, lines: EXAMPLE_SALE_COMPLETED.lines.map((l, i) => (i === 1 ? { ...l, stock: false as const } : l)) };
    expect(stockMovementsFor(ev('sale.completed', sale)).map((m) => m.sku)).toEqual(['MILK-1L']);
    const refund = { ...EXAMPLE_SALE_REFUNDED, lines: EXAMPLE_SALE_REFUNDED.lines.map((l) => ({ ...l, stock: false as const })) };
    expect(stockMovementsFor(ev('sale.refunded', refund, 2))).toEqual([]);
    const pv = ev('sale.post_voided', {
      post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', sale_id: sale.sale_id, store_id: 'store-001', terminal_id: 'store-001-t1',
      shift_id: sale.shift_id, cashier_id: 'emp-17', reason: 'x', original: sale, voided_at: '2026-11-23T02:31:00.000Z',
    }, 2);
    expect(stockMovementsFor(pv).map((m) => m.sku)).toEqual(['MILK-1L']);
    // Only false is a value: "stock: true" is not a second way to say the default.
    expect(() => stockMovementsFor(ev('sale.completed', { ...sale, lines: sale.lines.map((l) => ({ ...l, stock: true })) }))).toThrow(StockError);
  });

  it('a refund restocks, or restocks and writes off as damaged (per refund, or per line)', () => {
    const sale = stockMovementsFor(ev('sale.completed', EXAMPLE_SALE_COMPLETED));
    const back = stockMovementsFor(ev('sale.refunded', EXAMPLE_SALE_REFUNDED, 2));
    expect(back.map((m) => [m.sku, m.reason, m.quantity.units])).toEqual([['TSHIRT-M', 'refund', 1]]);
    expect(level([...sale, ...back], 'TSHIRT-M')).toEqual({ units: 0, scale: 0 });

    const damaged = stockMovementsFor(ev('sale.refunded', { ...EXAMPLE_SALE_REFUNDED, restock: false }, 2));
    expect(damaged.map((m) => [m.reason, m.quantity.units])).toEqual([['refund', 1], ['damaged', -1]]);
    expect(level([...sale, ...damaged], 'TSHIRT-M')).toEqual({ units: -1, scale: 0 });

    const perLine = { ...EXAMPLE_SALE_REFUNDED, restock: true, lines: EXAMPLE_SALE_REFUNDED.lines.map((l) => ({ ...l, restock: false })) };
    expect(stockMovementsFor(ev('sale.refunded', perLine, 2)).map((m) => m.reason)).toEqual(['refund', 'damaged']);
    const badLine = { ...perLine, lines: perLine.lines.map((l) => ({ ...l, restock: 'no' })) };
    expect(() => stockMovementsFor(ev('sale.refunded', badLine, 2))).toThrow(/lines\[0\]\.restock/);
  });

  it('a post-void puts the original lines back; other events move nothing; bad payloads are refused', () => {
    const pv = ev('sale.post_voided', {
      post_void_id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', sale_id: EXAMPLE_SALE_COMPLETED.sale_id, store_id: 'store-001', terminal_id: 'store-001-t1',
      shift_id: EXAMPLE_SALE_COMPLETED.shift_id, cashier_id: 'emp-17', reason: 'x', original: EXAMPLE_SALE_COMPLETED, voided_at: '2026-11-23T02:31:00.000Z',
    }, 2);
    const all = [...stockMovementsFor(ev('sale.completed', EXAMPLE_SALE_COMPLETED)), ...stockMovementsFor(pv)];
    expect(stockLevels(all).map((l) => l.on_hand.units)).toEqual([0, 0]);
    expect(stockMovementsFor(ev('drawer.no_sale', { no_sale_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', shift_id: EXAMPLE_SALE_COMPLETED.shift_id, store_id: 'store-001', terminal_id: 'store-001-t1', cashier_id: 'e', opened_at: '2026-11-23T02:00:00.000Z' }))).toEqual([]);
    expect(() => stockMovementsFor(ev('sale.completed', { ...EXAMPLE_SALE_COMPLETED, lines: [] }))).toThrow(StockError);
    expect(() => stockMovementsFor(ev('stock.teleported', { store_id: 'store-001', terminal_id: 'store-001-t1' }))).toThrow(/unknown event type/);
  });
});

describe('stock levels', () => {
  it('are the sum of movements whatever their order, and a full refund or post-void restores them', () => {
    fc.assert(
      fc.property(
        fc.array(saleCompletedArb({ maxLines: 4 }).chain((s) => fc.tuple(fc.constant(s), partialRefundArb(s))), { minLength: 1, maxLength: 4 }),
        fc.infiniteStream(fc.nat()),
        (pairs, rnd) => {
          const events: JournalEvent[] = [];
          pairs.forEach(([s, r], i) => {
            events.push(ev('sale.completed', s, 3 * i + 1), ev('sale.refunded', r, 3 * i + 2));
          });
          const ms = events.flatMap((e) => stockMovementsFor(e));
          const shuffled = [...ms];
          const it = rnd[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = it.next().value! % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          const norm = (ls: ReturnType<typeof stockLevels>) => ls.map((l) => [l.store_id, l.sku, l.on_hand.units * 10 ** (6 - l.on_hand.scale)]);
          expect(norm(stockLevels(shuffled))).toEqual(norm(stockLevels(ms)));

          // A full restocking refund of every sale brings every level back to zero.
          const undo = pairs.flatMap(([s], i) => stockMovementsFor(ev('sale.refunded', fullRefundOf(s, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`), 100 + i)));
          const saleOnly = events.filter((e) => e.type === 'sale.completed').flatMap((e) => stockMovementsFor(e));
          for (const l of stockLevels([...saleOnly, ...undo])) expect(l.on_hand.units).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
