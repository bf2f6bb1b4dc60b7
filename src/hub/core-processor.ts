import { parseJournalEvent } from '../core/events';
import { stockMovementsFor } from '../core/stock';
import { postEvent, originalEntryIdFor } from '../core/ledger/post';
import type { Chart } from '../core/ledger/chart';
import type { EventProcessor } from './processor';

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
    stock: (e) => stockMovementsFor(e).map((m) => ({ sku: m.sku, quantity: m.quantity, reason: m.reason })),
  };
}
