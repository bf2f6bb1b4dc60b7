import type { Queryable } from './db/db';
import type { Chart } from '../core/ledger/chart';
import type { JournalEntry, JournalLine } from '../core/ledger/entry';
import { toBeancount, toHledgerJournal, toQuickBooksCsv } from '../core/ledger/export';
import { channelOfTerminals } from './ledger-queries';

// Ledger exports written while the hub runs, for any date range and store set, a page of
// entries at a time: memory stays one page whatever the range, and the first bytes leave
// before the last entry is read. Pages follow (date, posted_at, entry_id), the order core's
// exporters give a whole list (by date, ties in posting order), so the concatenated pages
// are the same file as one call over every entry; only the header comes from the first page
// (with every currency of the range declared up front).

export const STREAM_FORMATS = ['hledger', 'beancount', 'quickbooks-csv'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];
export const EXPORT_PAGE = 500;

export interface LedgerRange {
  from?: string;
  to?: string;
  /** null: every entry, books' own (no store) included. */
  stores: string[] | null;
}

function rangeWhere(r: LedgerRange, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  return [
    r.from ? `e.date >= ${p(r.from)}::date` : 'TRUE',
    r.to ? `e.date <= ${p(r.to)}::date` : 'TRUE',
    r.stores ? `e.store_id = ANY(${p(r.stores)}::text[])` : 'TRUE',
  ].join(' AND ');
}

export async function rangeFacts(db: Queryable, r: LedgerRange): Promise<{ currencies: string[]; first_date: string | null; entries: number }> {
  const params: unknown[] = [];
  const where = rangeWhere(r, params);
  const cur = await db.query<{ currency: string }>(
    `SELECT DISTINCT l.currency FROM ledger_lines l JOIN ledger_entries e ON e.entry_id = l.entry_id WHERE ${where} ORDER BY l.currency`,
    params,
  );
  const f = await db.query<{ first: string | null; n: string }>(`SELECT to_char(min(e.date), 'YYYY-MM-DD') AS first, count(*)::text AS n FROM ledger_entries e WHERE ${where}`, params);
  return { currencies: cur.rows.map((x) => x.currency), first_date: f.rows[0]?.first ?? null, entries: Number(f.rows[0]?.n ?? 0) };
}

type Key = { date: string; posted_at: string; entry_id: string };

async function entryPage(db: Queryable, r: LedgerRange, after: Key | null, limit: number): Promise<{ entries: JournalEntry[]; last: Key | null }> {
  const params: unknown[] = [];
  let where = rangeWhere(r, params);
  if (after) {
    params.push(after.date, after.posted_at, after.entry_id);
    where += ` AND (e.date, e.posted_at, e.entry_id) > ($${params.length - 2}::date, $${params.length - 1}::timestamptz, $${params.length})`;
  }
  params.push(limit);
  const { rows } = await db.query<{
    entry_id: string; date: string; posted_at: string; memo: string; reverses: string | null; adjusts: string | null;
    terminal_id: string | null; store_id: string | null; seq: string | null; event_id: string | null; event_type: string;
  }>(
    `SELECT e.entry_id, to_char(e.date, 'YYYY-MM-DD') AS date, e.posted_at::text AS posted_at, e.memo, e.reverses, e.adjusts, e.terminal_id, e.store_id,
            e.seq::text AS seq, e.event_id::text AS event_id, e.event_type
       FROM ledger_entries e WHERE ${where} ORDER BY e.date, e.posted_at, e.entry_id LIMIT $${params.length}`,
    params,
  );
  if (!rows.length) return { entries: [], last: null };
  const lines = await db.query<{ entry_id: string; account: string; currency: string; debit: string; credit: string; dimensions: JournalLine['dimensions'] }>(
    `SELECT entry_id, account, currency, debit::text AS debit, credit::text AS credit, dimensions FROM ledger_lines WHERE entry_id = ANY($1::text[]) ORDER BY entry_id, line_no`,
    [rows.map((x) => x.entry_id)],
  );
  const byEntry = new Map<string, JournalLine[]>();
  for (const l of lines.rows) {
    const list = byEntry.get(l.entry_id) ?? [];
    list.push({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions });
    byEntry.set(l.entry_id, list);
  }
  const entries = rows.map((e) => ({
    entry_id: e.entry_id,
    // Same mapping as loadEntries: entries books adds have no journal event behind them.
    source: { terminal_id: e.terminal_id ?? 'books', store_id: e.store_id ?? 'hq', seq: e.seq == null ? 1 : Number(e.seq), event_id: e.event_id ?? e.entry_id.slice(0, 64), type: e.event_type },
    date: e.date,
    memo: e.memo,
    lines: byEntry.get(e.entry_id) ?? [],
    ...(e.reverses ? { reverses: e.reverses } : {}),
    ...(e.adjusts ? { adjusts: e.adjusts } : {}),
  }));
  const l = rows[rows.length - 1]!;
  return { entries, last: { date: l.date, posted_at: l.posted_at, entry_id: l.entry_id } };
}

const TXN_START = /^\d{4}-\d{2}-\d{2} \* /m;

/**
 * The export as text chunks, one page of entries each. Refuses (before the first chunk) a
 * QuickBooks export over several currencies, as core's exporter does.
 */
export async function* streamLedgerExport(db: Queryable, chart: Chart, format: StreamFormat, r: LedgerRange, pageSize = EXPORT_PAGE): AsyncGenerator<string> {
  const facts = await rangeFacts(db, r);
  const title = 'Tillstream hub ledger';
  const channels = format === 'hledger' ? await channelOfTerminals(db) : undefined;
  const render = (entries: JournalEntry[]) =>
    format === 'hledger'
      ? toHledgerJournal(entries, chart, { title, channels, currencies: facts.currencies })
      : format === 'beancount'
        ? toBeancount(entries, chart, { title, currencies: facts.currencies, ...(facts.first_date ? { openDate: facts.first_date } : {}) })
        : toQuickBooksCsv(entries, chart);
  let after: Key | null = null;
  let first = true;
  for (;;) {
    const page = await entryPage(db, r, after, pageSize);
    if (first || page.entries.length) {
      const text = render(page.entries);
      if (first) yield text;
      else if (format === 'quickbooks-csv') yield text.slice(text.indexOf('\n') + 1);
      else {
        const m = TXN_START.exec(text);
        // Each page's text after its header; the blank line between transactions is kept.
        yield m ? `\n${text.slice(m.index)}` : '';
      }
    }
    first = false;
    if (!page.last || page.entries.length < pageSize) return;
    after = page.last;
  }
}

/** Trial balance over a date range and store set (null: all). */
export async function trialBalanceFor(db: Queryable, r: LedgerRange) {
  const params: unknown[] = [];
  const where = rangeWhere(r, params);
  const { rows } = await db.query<{ account: string; currency: string; debit: string; credit: string }>(
    `SELECT l.account, l.currency, sum(l.debit)::text AS debit, sum(l.credit)::text AS credit
       FROM ledger_lines l JOIN ledger_entries e ON e.entry_id = l.entry_id WHERE ${where}
      GROUP BY l.account, l.currency ORDER BY l.currency, l.account`,
    params,
  );
  const out = rows.map((x) => ({ account: x.account, currency: x.currency, debit: Number(x.debit), credit: Number(x.credit) }));
  const totals: Record<string, { debit: number; credit: number }> = {};
  for (const x of out) {
    const t = (totals[x.currency] ??= { debit: 0, credit: 0 });
    t.debit += x.debit;
    t.credit += x.credit;
  }
  return { rows: out, balanced: Object.values(totals).every((t) => t.debit === t.credit), totals };
}
