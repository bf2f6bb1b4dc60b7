import type { JournalEntry, JournalLine } from '../../core/ledger/entry';
import type { Queryable } from '../db/db';

// Reads stored ledger entries by id, in the order given, in bounded chunks (an export batch
// may cover up to a million entries; one ANY($1) of that size would be one huge statement).

const CHUNK = 5_000;

type EntryRow = {
  entry_id: string; date: string; memo: string; reverses: string | null; adjusts: string | null;
  terminal_id: string | null; store_id: string | null; seq: number | null; event_id: string | null; event_type: string;
};

export async function loadEntriesByIds(db: Queryable, ids: readonly string[]): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const { rows } = await db.query<EntryRow>(
      `SELECT entry_id, to_char(date, 'YYYY-MM-DD') AS date, memo, reverses, adjusts, terminal_id, store_id, seq, event_id::text AS event_id, event_type
         FROM ledger_entries WHERE entry_id = ANY($1::text[])`,
      [chunk],
    );
    const lines = await db.query<{ entry_id: string; account: string; currency: string; debit: string; credit: string; dimensions: JournalLine['dimensions'] }>(
      `SELECT entry_id, account, currency, debit::text AS debit, credit::text AS credit, dimensions FROM ledger_lines
        WHERE entry_id = ANY($1::text[]) ORDER BY entry_id, line_no`,
      [chunk],
    );
    const byEntry = new Map<string, JournalLine[]>();
    for (const l of lines.rows) {
      const list = byEntry.get(l.entry_id) ?? [];
      list.push({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions });
      byEntry.set(l.entry_id, list);
    }
    const byId = new Map(rows.map((r) => [r.entry_id, r] as const));
    for (const id of chunk) {
      const e = byId.get(id);
      if (!e) throw new Error(`ledger entry ${id} is missing (ledger entries are never deleted)`);
      out.push({
        entry_id: e.entry_id,
        // Entries books adds (settlements, adjustments) have no journal event behind them.
        source: { terminal_id: e.terminal_id ?? 'books', store_id: e.store_id ?? 'hq', seq: e.seq == null ? 1 : Number(e.seq), event_id: e.event_id ?? e.entry_id.slice(0, 64), type: e.event_type },
        date: e.date,
        memo: e.memo,
        lines: byEntry.get(id) ?? [],
        ...(e.reverses ? { reverses: e.reverses } : {}),
        ...(e.adjusts ? { adjusts: e.adjusts } : {}),
      });
    }
  }
  return out;
}
