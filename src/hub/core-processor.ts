import { stockMovementsFor, stockMovementsOfParsed } from '../core/stock';
import { postEvent, postParsedEvent, originalEntryIdFor } from '../core/ledger/post';
import { parsedPayload } from './parsed-event';
import { reviewHoldEntry } from '../core/ledger/review-hold';
import type { Chart } from '../core/ledger/chart';
import type { JournalEvent } from '../core/protocol';
import type { EventProcessor, StockMovementDraft } from './processor';
import type { PostingMaps } from './books/posting-map';
import type { Queryable } from './db/db';

// The shipped processor: payload schemas, postings and stock movements all come from core,
// so register and hub agree on what an event means.

export function coreProcessor(chart: Chart): EventProcessor {
  // Ingest asks for an event's movements twice (to lock the SKU rows first, then to apply them).
  const movements = new WeakMap<JournalEvent, StockMovementDraft[]>();
  return {
    validate(e) {
      const r = parsedPayload(e);
      return r.ok ? null : `event ${e.terminal_id}#${e.seq}: ${r.error}`;
    },
    originalEntryId: (e) => originalEntryIdFor(e),
    post(e, original) {
      const r = parsedPayload(e);
      // A payload that does not parse: postEvent throws the error it names.
      return r.ok ? postParsedEvent(e, r, chart, original ? { original } : {}) : postEvent(e, chart, original ? { original } : {});
    },
    holdForReview: (entry, why) => reviewHoldEntry(entry, chart, why),
    stock(e) {
      let m = movements.get(e);
      if (!m) {
        const r = parsedPayload(e);
        m = (r.ok ? stockMovementsOfParsed(e, r) : stockMovementsFor(e)).map((x) => ({ sku: x.sku, quantity: x.quantity, reason: x.reason }));
        movements.set(e, m);
      }
      return m;
    },
  };
}

/**
 * The hub's processor: posts with the newest posting map version, read inside each ingest
 * transaction (PostingMaps caches the parsed chart per version, so this is one indexed read).
 */
export function versionedProcessor(maps: PostingMaps): EventProcessor {
  let bound: { version: number; processor: EventProcessor } | null = null;
  const bind = async (tx: Queryable) => {
    const cur = await maps.current(tx);
    if (bound?.version !== cur.version) bound = { version: cur.version, processor: coreProcessor(cur.chart) };
    return { processor: bound.processor, chart_version: cur.version };
  };
  return {
    ...coreProcessor(maps.seed),
    bind,
    async bindVersion(tx, version) {
      if (version === null) return bind(tx);
      if (bound?.version !== version) bound = { version, processor: coreProcessor((await maps.get(tx, version)).chart) };
      return { processor: bound.processor, chart_version: version };
    },
  };
}
