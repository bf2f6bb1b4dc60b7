import type { Queryable } from './db/db';
import type { JournalEntry, JournalLine } from '../core/ledger/entry';

// Read side of the ledger: trial balance, stock checks. Used by the HTTP API, the CLI and tests.

export interface TrialBalanceRow {
  account: string;
  currency: string;
  debit: number;
  credit: number;
}

export async function trialBalance(db: Queryable): Promise<{ rows: TrialBalanceRow[]; balanced: boolean; totals: Record<string, { debit: number; credit: number }> }> {
  const { rows } = await db.query<{ account: string; currency: string; debit: string; credit: string }>(
    `SELECT account, currency, sum(debit)::text AS debit, sum(credit)::text AS credit
       FROM ledger_lines GROUP BY account, currency ORDER BY currency, account`,
  );
  const out = rows.map((r) => ({ account: r.account, currency: r.currency, debit: Number(r.debit), credit: Number(r.credit) }));
  const totals: Record<string, { debit: number; credit: number }> = {};
  for (const r of out) {
    const t = (totals[r.currency] ??= { debit: 0, credit: 0 });
    t.debit += r.debit;
    t.credit += r.credit;
  }
  const balanced = Object.values(totals).every((t) => t.debit === t.credit);
  return { rows: out, balanced, totals };
}

export async function stockLevels(db: Queryable, storeId: string): Promise<Array<{ sku: string; on_hand: string; from_movements: string }>> {
  const { rows } = await db.query<{ sku: string; on_hand: string; from_movements: string }>(
    `SELECT l.sku, l.on_hand::text AS on_hand, coalesce(m.total, 0)::text AS from_movements
       FROM stock_levels l
       LEFT JOIN (SELECT sku, sum(quantity) AS total FROM stock_movements WHERE store_id = $1 GROUP BY sku) m ON m.sku = l.sku
      WHERE l.store_id = $1 ORDER BY l.sku`,
    [storeId],
  );
  return rows;
}

/** Every stored ledger entry in core's JournalEntry shape (for exporters), in posting order. */
export async function loadEntries(db: Queryable, opts: { from?: string; to?: string; limit?: number } = {}): Promise<JournalEntry[]> {
  const limit = opts.limit ?? 1_000_000;
  const { rows } = await db.query<{
    entry_id: string; date: string; memo: string; reverses: string | null; adjusts: string | null;
    terminal_id: string | null; store_id: string | null; seq: number | null; event_id: string | null; event_type: string;
  }>(
    `SELECT entry_id, to_char(date, 'YYYY-MM-DD') AS date, memo, reverses, adjusts, terminal_id, store_id, seq, event_id::text AS event_id, event_type
       FROM ledger_entries WHERE ($1::date IS NULL OR date >= $1::date) AND ($2::date IS NULL OR date <= $2::date)
      ORDER BY posted_at, entry_id LIMIT $3`,
    [opts.from ?? null, opts.to ?? null, limit],
  );
  if (rows.length === 0) return [];
  const lines = await db.query<{ entry_id: string; account: string; currency: string; debit: number; credit: number; dimensions: JournalLine['dimensions'] }>(
    `SELECT l.entry_id, l.account, l.currency, l.debit, l.credit, l.dimensions FROM ledger_lines l
      WHERE l.entry_id = ANY($1::text[]) ORDER BY l.entry_id, l.line_no`,
    [rows.map((r) => r.entry_id)],
  );
  const byEntry = new Map<string, JournalLine[]>();
  for (const l of lines.rows) {
    const list = byEntry.get(l.entry_id) ?? [];
    list.push({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions });
    byEntry.set(l.entry_id, list);
  }
  return rows.map((e) => ({
    entry_id: e.entry_id,
    // Entries books adds (settlements, adjustments) have no journal event behind them.
    source: { terminal_id: e.terminal_id ?? 'books', store_id: e.store_id ?? 'hq', seq: e.seq == null ? 1 : Number(e.seq), event_id: e.event_id ?? e.entry_id.slice(0, 64), type: e.event_type },
    date: e.date,
    memo: e.memo,
    lines: byEntry.get(e.entry_id) ?? [],
    ...(e.reverses ? { reverses: e.reverses } : {}),
    ...(e.adjusts ? { adjusts: e.adjusts } : {}),
  }));
}

/** Sales channel of each virtual terminal (terminal id → channel id), for exports that show revenue per channel. */
export async function channelOfTerminals(db: Queryable): Promise<Record<string, string>> {
  const { rows } = await db.query<{ terminal_id: string; channel_id: string }>(`SELECT terminal_id, channel_id FROM channels`);
  return Object.fromEntries(rows.map((r) => [r.terminal_id, r.channel_id]));
}
