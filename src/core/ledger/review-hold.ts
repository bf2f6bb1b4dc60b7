import type { Chart } from './chart';
import type { JournalEntry, JournalLine } from './entry';

// The review queue's postings (issue 15, docs/books.md "Review queue"). An event flagged for a
// person is still posted as usual; a second entry, the hold, then moves its revenue lines
// (lines on accounts of type revenue or contra-revenue: discounts, returns) to the review suspense account of the posting map
// (mapping.review_suspense, else mapping.suspense). Clearing the item posts the release: the
// hold's exact reverse, linked (adjusts) to the original entry. Entry, hold and release each
// balance on their own, so the trial balance is zero at every step; entry + hold + release
// equals the entry alone. Ids derive from the original's, so nothing posts twice.

export const REVIEW_HOLD = 'review.hold';
export const REVIEW_RELEASE = 'review.release';

/** The account types whose lines a hold moves: revenue and what is netted against it (discounts, returns). */
export const HELD_ACCOUNT_TYPES: readonly string[] = ['revenue', 'contra-revenue'];

/** The account a flagged event's revenue waits in, or null when the map has none. */
export function reviewSuspenseAccount(chart: Chart): string | null {
  return chart.config.mapping.review_suspense ?? chart.config.mapping.suspense ?? null;
}

/** The hold of an entry's revenue, or null when the map has no suspense account or the entry no revenue. */
export function reviewHoldEntry(entry: JournalEntry, chart: Chart, why: string): JournalEntry | null {
  const suspense = reviewSuspenseAccount(chart);
  if (suspense === null) return null;
  const revenue = entry.lines.filter((l) => l.account !== suspense && HELD_ACCOUNT_TYPES.includes(chart.accounts.get(l.account)?.type ?? ''));
  if (revenue.length === 0) return null;
  const lines: JournalLine[] = revenue.map((l) => ({ ...l, debit: l.credit, credit: l.debit, dimensions: { ...l.dimensions } }));
  const net = new Map<string, number>();
  for (const l of revenue) net.set(l.currency, (net.get(l.currency) ?? 0) + l.credit - l.debit);
  const where = { store_id: entry.source.store_id, terminal_id: entry.source.terminal_id };
  for (const [currency, n] of [...net].sort(([a], [b]) => a.localeCompare(b))) {
    if (n === 0) continue;
    lines.push({ account: suspense, currency, debit: n < 0 ? -n : 0, credit: n > 0 ? n : 0, dimensions: { ...where, reason: `review: ${why}`.slice(0, 200) } });
  }
  return {
    entry_id: `${entry.entry_id}:hold`,
    source: { ...entry.source, type: REVIEW_HOLD },
    date: entry.date,
    memo: `held in suspense for review: ${why}`.slice(0, 500),
    lines,
    adjusts: entry.entry_id,
  };
}

/** The release of a hold: its exact reverse, dated when it is cleared, linked to the original entry. */
export function reviewReleaseEntry(hold: JournalEntry, opts: { date: string; memo: string }): JournalEntry {
  if (!hold.entry_id.endsWith(':hold') || !hold.adjusts) throw new Error(`reviewReleaseEntry: ${hold.entry_id} is not a review hold`);
  return {
    entry_id: `${hold.entry_id.slice(0, -':hold'.length)}:release`,
    source: { ...hold.source, type: REVIEW_RELEASE },
    date: opts.date,
    memo: opts.memo.slice(0, 500),
    lines: hold.lines.map((l) => ({ ...l, debit: l.credit, credit: l.debit, dimensions: { ...l.dimensions } })),
    adjusts: hold.adjusts,
  };
}
