import type { JournalEvent } from '../core/protocol';
import { parseJournalEvent } from '../core/events';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload } from '../core/events';
import { postEvent, originalEntryIdFor } from '../core/ledger/post';
import type { Chart } from '../core/ledger/chart';
import type { EventProcessor, StockMovementDraft } from './processor';

// The shipped processor: payload schemas, postings and stock movements all come from core,
// so register and hub agree on what an event means.

export function coreProcessor(chart: Chart): EventProcessor {
  return {
    validate(e) {
      const r = parseJournalEvent(e);
      return r.ok ? null : r.error;
    },
    originalEntryId: (e) => originalEntryIdFor(e),
    post: (e, original) => postEvent(e, chart, original ? { original } : {}),
    stock: stockMovementsFromEvent,
  };
}

// Interim until src/core/stock lands (NOTES.md): the movement rules, sign by event type.
export function stockMovementsFromEvent(e: JournalEvent): StockMovementDraft[] {
  const out: StockMovementDraft[] = [];
  const lines = (ls: Array<{ sku: string; quantity: { units: number; scale: number } }>, sign: 1 | -1, reason: string) => {
    for (const l of ls) out.push({ sku: l.sku, quantity: { units: sign * l.quantity.units, scale: l.quantity.scale }, reason });
  };
  if (e.type === 'sale.completed') lines((e.payload as unknown as SaleCompletedPayload).lines, -1, 'sale');
  else if (e.type === 'sale.refunded') {
    const p = e.payload as unknown as SaleRefundedPayload;
    if (p.restock) lines(p.lines, 1, 'refund');
  } else if (e.type === 'sale.post_voided') lines((e.payload as unknown as SalePostVoidedPayload).original.lines, 1, 'post_void');
  return out;
}
