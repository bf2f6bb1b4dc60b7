import type { JournalEvent } from '../core/protocol';
import type { JournalEntry } from '../core/ledger/entry';
import type { Qty } from './quantity';
import type { Queryable } from './db/db';

// What the hub needs from core for each journal event: is the payload valid, which
// balanced ledger entries does it post, which stock movements does it make. The shipped
// implementation (core-processor.ts) delegates to src/core; tests may pass a fixture.

export interface StockMovementDraft {
  sku: string;
  /** Signed: a sale is negative. */
  quantity: Qty;
  reason: string;
}

export interface EventProcessor {
  /** Returns a message naming what is wrong with the payload, or null when valid. */
  validate(event: JournalEvent): string | null;
  /** entry_id of the earlier entry this event reverses/adjusts (looked up and passed to post), else null. */
  originalEntryId(event: JournalEvent): string | null;
  post(event: JournalEvent, original?: JournalEntry): JournalEntry[];
  stock(event: JournalEvent): StockMovementDraft[];
  /**
   * The entry that holds the revenue of an event flagged for review in the posting map's
   * review suspense account (core/ledger/review-hold.ts), or null (no such account, no revenue).
   */
  holdForReview?(entry: JournalEntry, why: string): JournalEntry | null;
  /**
   * A processor whose posting map is versioned in the database returns, inside the ingest
   * transaction, the processor for that transaction and the version it posts with. Without
   * it the processor's own chart is used and entries record no version.
   */
  bind?(tx: Queryable): Promise<{ processor: EventProcessor; chart_version: number | null }>;
  /**
   * Like bind, for a version the caller read already (ingest reads it with the terminal row);
   * null (no version saved yet) binds as bind does.
   */
  bindVersion?(tx: Queryable, version: number | null): Promise<{ processor: EventProcessor; chart_version: number | null }>;
}
