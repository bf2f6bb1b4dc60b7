import { assertBalanced, freezeEntry, type Dimensions, type JournalEntry, type JournalLine } from './entry';

// The "daily summary" posting mode: accounting platforms that do not want one entry per sale
// get one entry per store and accounting day, with one line per account, currency, tender
// (and processor), tax code and category: what a bookkeeper would key in from the Z reports.
// A summary is a pure function of the entries it covers, so the same entries always give
// byte-identical summaries; amounts are netted per group (a sale and its post-void cancel),
// and since each entry balances per currency, so does each summary.

export const SUMMARY_TERMINAL = 'summary';

/** Dimensions a summary keeps; everything else (terminal, promotion, gift card id...) is summed over. */
const KEPT = ['tender', 'processor', 'tax_code', 'jurisdiction', 'category'] as const;

function groupKey(line: JournalLine): string {
  return JSON.stringify([line.account, line.currency, ...KEPT.map((k) => line.dimensions[k] ?? '')]);
}

function safeId(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

export interface SummaryOptions {
  /** Prefix that makes the ids unique per export batch (e.g. "b17"): a day can be summarised again later with new entries. */
  idPrefix: string;
}

/**
 * One entry per (store, date) of `entries`, lines netted per group and ordered by account,
 * currency and dimensions. Days whose lines all net to zero give no entry.
 */
export function dailySummaries(entries: readonly JournalEntry[], options: SummaryOptions): JournalEntry[] {
  const days = new Map<string, { store: string; date: string; count: number; groups: Map<string, { line: JournalLine; net: bigint }> }>();
  for (const e of entries) {
    const store = e.source.store_id;
    const dayKey = `${store}\u0000${e.date}`;
    let day = days.get(dayKey);
    if (!day) {
      day = { store, date: e.date, count: 0, groups: new Map() };
      days.set(dayKey, day);
    }
    day.count += 1;
    for (const l of e.lines) {
      const k = groupKey(l);
      const g = day.groups.get(k) ?? { line: l, net: 0n };
      g.net += BigInt(l.debit) - BigInt(l.credit);
      day.groups.set(k, g);
    }
  }
  const out: JournalEntry[] = [];
  const sortedDays = [...days.values()].sort((a, b) => (a.date === b.date ? (a.store < b.store ? -1 : a.store > b.store ? 1 : 0) : a.date < b.date ? -1 : 1));
  for (const day of sortedDays) {
    const lines: JournalLine[] = [...day.groups.entries()]
      .filter(([, g]) => g.net !== 0n)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, g]) => {
        const dims: Dimensions = { store_id: day.store, terminal_id: SUMMARY_TERMINAL };
        for (const k of KEPT) if (g.line.dimensions[k] !== undefined) dims[k] = g.line.dimensions[k];
        const n = Number(g.net);
        return { account: g.line.account, currency: g.line.currency, debit: n > 0 ? n : 0, credit: n < 0 ? -n : 0, dimensions: dims };
      });
    if (lines.length === 0) continue;
    const id = `${safeId(options.idPrefix)}-daily-${safeId(day.store)}-${day.date}`.slice(0, 128);
    const entry: JournalEntry = {
      entry_id: id,
      source: { terminal_id: SUMMARY_TERMINAL, store_id: day.store, seq: 1, event_id: id.slice(0, 64), type: 'books.daily_summary' },
      date: day.date,
      memo: `Daily summary ${day.store} ${day.date} (${day.count} entries)`,
      lines,
    };
    assertBalanced(entry);
    out.push(freezeEntry(entry));
  }
  return out;
}
