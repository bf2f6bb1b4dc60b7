import type { JournalEvent } from '../../core/protocol';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload, ShiftCashMovedPayload, ShiftOpenedPayload } from '../../core/events';
import type { ShiftReport } from '../../core/register-api';

// X and Z reports are a pure fold over the journal events of the shift, so a report printed
// after a crash or on another day says the same thing as one printed live.

export interface ShiftTotals {
  opened: ShiftOpenedPayload;
  salesCount: number;
  refundsCount: number;
  voidsCount: number;
  postVoidsCount: number;
  noSalesCount: number;
  gross: number;
  discounts: number;
  tax: number;
  refunds: number;
  net: number;
  tenders: Map<'cash' | 'card' | 'gift', { salesCount: number; sales: number; refundsCount: number; refunds: number }>;
  drops: number;
  paidIn: number;
  paidOut: number;
  /** Cash taken minus change, minus cash refunds. */
  cashNet: number;
}

const MAX_SHIFT_EVENTS = 1_000_000;

function tenderKind(k: string): 'cash' | 'card' | 'gift' {
  return k === 'cash' ? 'cash' : k === 'card' ? 'card' : 'gift';
}

export function foldShift(opened: ShiftOpenedPayload, events: Iterable<JournalEvent>): ShiftTotals {
  const t: ShiftTotals = {
    opened, salesCount: 0, refundsCount: 0, voidsCount: 0, postVoidsCount: 0, noSalesCount: 0, gross: 0, discounts: 0, tax: 0, refunds: 0, net: 0,
    tenders: new Map(), drops: 0, paidIn: 0, paidOut: 0, cashNet: 0,
  };
  const tender = (k: 'cash' | 'card' | 'gift') => {
    let x = t.tenders.get(k);
    if (!x) t.tenders.set(k, (x = { salesCount: 0, sales: 0, refundsCount: 0, refunds: 0 }));
    return x;
  };
  let n = 0;
  for (const e of events) {
    if (++n > MAX_SHIFT_EVENTS) throw new Error('shift has more events than a report can fold');
    const p = e.payload as Record<string, unknown>;
    if (p.shift_id !== opened.shift_id) continue;
    switch (e.type) {
      case 'sale.completed': {
        const s = p as unknown as SaleCompletedPayload;
        t.salesCount++;
        t.gross += s.totals.subtotal;
        t.discounts += s.totals.discount_total;
        t.tax += s.totals.tax_total;
        t.net += s.totals.total;
        for (const x of s.tenders) {
          const k = tenderKind(x.kind);
          tender(k).salesCount++;
          tender(k).sales += x.amount;
          if (k === 'cash') t.cashNet += x.amount;
        }
        break;
      }
      case 'sale.refunded': {
        const r = p as unknown as SaleRefundedPayload;
        t.refundsCount++;
        t.refunds += r.totals.total;
        t.net -= r.totals.total;
        for (const x of r.tenders) {
          const k = tenderKind(x.kind);
          tender(k).refundsCount++;
          tender(k).refunds += x.amount;
          if (k === 'cash') t.cashNet -= x.amount;
        }
        break;
      }
      case 'sale.post_voided': {
        const v = p as unknown as SalePostVoidedPayload;
        t.postVoidsCount++;
        t.net -= v.original.totals.total;
        for (const x of v.original.tenders) {
          const k = tenderKind(x.kind);
          tender(k).refundsCount++;
          tender(k).refunds += x.amount;
          if (k === 'cash') t.cashNet -= x.amount;
        }
        break;
      }
      case 'sale.voided':
        t.voidsCount++;
        break;
      case 'drawer.no_sale':
        t.noSalesCount++;
        break;
      case 'shift.cash_moved': {
        const m = p as unknown as ShiftCashMovedPayload;
        if (m.kind === 'drop') t.drops += m.amount;
        else if (m.kind === 'paid_in') t.paidIn += m.amount;
        else t.paidOut += m.amount;
        break;
      }
    }
  }
  return t;
}

export function expectedCash(t: ShiftTotals): number {
  return t.opened.opening_float + t.cashNet - t.drops + t.paidIn - t.paidOut;
}

export function toReport(
  kind: 'X' | 'Z',
  t: ShiftTotals,
  cashierName: string,
  extra: { closedAt: string | null; counted: number | null; unsynced: number; oldestUnsyncedAt: string | null },
): ShiftReport {
  const c = t.opened.currency;
  const m = (amount: number) => ({ amount, currency: c });
  const expected = expectedCash(t);
  return {
    kind,
    shift_id: t.opened.shift_id,
    cashier: cashierName,
    opened_at: t.opened.opened_at,
    closed_at: extra.closedAt,
    sales_count: t.salesCount,
    refunds_count: t.refundsCount + t.postVoidsCount,
    voids_count: t.voidsCount,
    gross_sales: m(t.gross),
    refunds: m(t.refunds),
    discounts: m(t.discounts),
    tax: m(t.tax),
    net_sales: m(t.net),
    tenders: [...t.tenders].map(([k, v]) => ({ kind: k, count: v.salesCount + v.refundsCount, amount: m(v.sales - v.refunds) })),
    opening_float: m(t.opened.opening_float),
    cash_drops: m(t.drops),
    paid_in: m(t.paidIn),
    paid_out: m(t.paidOut),
    expected_cash: m(expected),
    counted_cash: extra.counted === null ? null : m(extra.counted),
    variance: extra.counted === null ? null : m(extra.counted - expected),
    unsynced: extra.unsynced,
    oldest_unsynced_at: extra.oldestUnsyncedAt,
  };
}
