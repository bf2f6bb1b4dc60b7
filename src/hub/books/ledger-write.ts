import { assertBalanced, freezeEntry, type Dimensions, type JournalEntry } from '../../core/ledger/entry';
import type { Queryable } from '../db/db';

// Entries books adds to the ledger (settlement payouts and fees; later adjusting entries):
// balanced by core's assertBalanced before they are written and by the database's check on
// each INSERT of lines (migration 034), immutable like every ledger entry, with no journal event behind them
// (event_id NULL), so their source names the books module instead of a terminal. An
// adjusting entry keeps the store of the entry it corrects, so the store's reports see it.

export const BOOKS_SOURCE = { terminal_id: 'books', store_id: 'hq', seq: 1 } as const;

export function booksDimensions(extra: Omit<Dimensions, 'store_id' | 'terminal_id'> & { store_id?: string } = {}): Dimensions {
  return { ...extra, store_id: extra.store_id ?? BOOKS_SOURCE.store_id, terminal_id: BOOKS_SOURCE.terminal_id };
}

/** Inserts entries that are not there yet (by entry_id); returns the ids written. */
export async function writeBooksEntries(tx: Queryable, entries: readonly JournalEntry[], chartVersion: number | null = null): Promise<string[]> {
  const written: string[] = [];
  for (const raw of entries) {
    const entry = freezeEntry(raw);
    assertBalanced(entry);
    const ins = await tx.query(
      `INSERT INTO ledger_entries (entry_id, event_id, store_id, terminal_id, seq, event_type, date, memo, reverses, adjusts, chart_version)
       VALUES ($1, NULL, $8, $2, NULL, $3, $4, $5, $6, $7, $9) ON CONFLICT (entry_id) DO NOTHING`,
      [entry.entry_id, BOOKS_SOURCE.terminal_id, entry.source.type, entry.date, entry.memo, entry.reverses ?? null, entry.adjusts ?? null, entry.source.store_id === BOOKS_SOURCE.store_id ? null : entry.source.store_id, chartVersion],
    );
    if (ins.rowCount === 0) continue;
    await tx.query(
      `INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit, dimensions)
       SELECT $1, x.line_no, x.account, x.currency, x.debit, x.credit, x.dimensions
         FROM jsonb_to_recordset($2::jsonb) AS x(line_no int, account text, currency text, debit bigint, credit bigint, dimensions jsonb)`,
      [entry.entry_id, JSON.stringify(entry.lines.map((l, i) => ({ line_no: i, ...l })))],
    );
    written.push(entry.entry_id);
  }
  return written;
}
