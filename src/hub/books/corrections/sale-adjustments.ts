import { describeAdjustment, storeWeights, tenderLookup, type AdjustmentChange } from '../../../core/ledger/adjustment-changes';
import type { Chart } from '../../../core/ledger/chart';
import type { Queryable } from '../../db/db';

// The corrections made to a sale's ledger entries, as the sales explorer shows them: each
// adjusting entry a corrections import posted (linked by `adjusts`), with the import that
// brought it (who, when, which file and batch) and what it changed in the shop's terms
// (tender card → cash, store A → store B, revenue account X → Y). The sale itself, its
// journal event and its ledger entry stay as the register recorded them; the books' view is
// the entry plus these adjustments.

export const MAX_SALE_ADJUSTMENTS = 200;

export interface SaleAdjustment {
  entry_id: string;
  adjusts: string;
  date: string;
  memo: string;
  posted_at: string;
  source: { import_id: number; batch_id: number; format: string; file_name: string; imported_by: string; imported_at: string } | null;
  changes: AdjustmentChange[];
  lines: Array<{ account: string; currency: string; debit: number; credit: number; dimensions: Record<string, unknown> }>;
}

/** What the books hold for the entries after their corrections: the stores and tenders that carry amounts. */
export interface BooksView {
  stores: Array<{ store_id: string; amount: number; currency: string }>;
  tenders: Array<{ tender: string; amount: number; currency: string }>;
}

type Line = SaleAdjustment['lines'][number] & { entry_id: string };
type Dimensioned = { account: string; currency: string; debit: number; credit: number; dimensions: { store_id: string; tender?: string } };
const dimensioned = (l: SaleAdjustment['lines'][number]): Dimensioned => ({ ...l, dimensions: { store_id: String(l.dimensions.store_id ?? ''), ...(typeof l.dimensions.tender === 'string' ? { tender: l.dimensions.tender } : {}) } });

export async function saleAdjustments(
  db: Queryable,
  entries: ReadonlyArray<{ entry_id: string; lines: SaleAdjustment['lines'] }>,
  chart: Chart | null,
): Promise<{ adjustments: SaleAdjustment[]; books: BooksView | null }> {
  if (entries.length === 0) return { adjustments: [], books: null };
  const { rows } = await db.query<{
    entry_id: string; adjusts: string; date: string; memo: string; posted_at: Date;
    import_id: string | null; batch_id: string | null; format: string | null; file_name: string | null; imported_by: string | null; imported_at: Date | null;
  }>(
    `SELECT a.entry_id, a.adjusts, to_char(a.date, 'YYYY-MM-DD') AS date, a.memo, a.posted_at,
            ci.import_id::text AS import_id, ci.batch_id::text AS batch_id, ci.format, ci.file_name, ci.imported_by, ci.imported_at
       FROM ledger_entries a
       LEFT JOIN correction_items it ON it.correction_entry_id = a.entry_id
       LEFT JOIN correction_imports ci ON ci.import_id = it.import_id
      WHERE a.adjusts = ANY($1::text[]) AND a.event_type = 'books.correction'
      ORDER BY a.posted_at, a.entry_id LIMIT ${MAX_SALE_ADJUSTMENTS}`,
    [entries.map((e) => e.entry_id)],
  );
  if (rows.length === 0) return { adjustments: [], books: null };
  const lines = await db.query<Line & { debit: string; credit: string }>(
    `SELECT entry_id, account, currency, debit::text AS debit, credit::text AS credit, dimensions FROM ledger_lines WHERE entry_id = ANY($1::text[]) ORDER BY entry_id, line_no`,
    [rows.map((r) => r.entry_id)],
  );
  const linesOf = new Map<string, SaleAdjustment['lines']>();
  for (const l of lines.rows) {
    linesOf.set(l.entry_id, [...(linesOf.get(l.entry_id) ?? []), { account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions ?? {} }]);
  }
  const allOriginal = entries.flatMap((e) => e.lines.map(dimensioned));
  const tenderOf = tenderLookup(allOriginal, chart);
  // Each adjustment is read against its entry as it stood before it (the entry plus the earlier adjustments).
  const state = new Map(entries.map((e) => [e.entry_id, e.lines.map(dimensioned)] as const));
  const adjustments = rows.map((r) => {
    const own = linesOf.get(r.entry_id) ?? [];
    const before = state.get(r.adjusts) ?? [];
    const changes = describeAdjustment(before, own.map(dimensioned), tenderOf);
    state.set(r.adjusts, [...before, ...own.map(dimensioned)]);
    return {
      entry_id: r.entry_id, adjusts: r.adjusts, date: r.date, memo: r.memo, posted_at: r.posted_at.toISOString(),
      source: r.import_id === null ? null : {
        import_id: Number(r.import_id), batch_id: Number(r.batch_id), format: r.format ?? '', file_name: r.file_name ?? '', imported_by: r.imported_by ?? '',
        imported_at: (r.imported_at ?? r.posted_at).toISOString(),
      },
      changes, lines: own,
    };
  });
  return { adjustments, books: booksView([...state.values()].flat(), tenderOf) };
}

/** Stores by what they carry (their tenders, core's storeWeights), tenders by their net, after every correction. */
function booksView(lines: readonly Dimensioned[], tenderOf: (account: string) => string | null): BooksView {
  const stores: BooksView['stores'] = [];
  const tenders: BooksView['tenders'] = [];
  for (const currency of [...new Set(lines.map((l) => l.currency))].sort()) {
    const cells = new Map<string, bigint>();
    const tender = new Map<string, bigint>();
    for (const l of lines.filter((x) => x.currency === currency)) {
      const v = BigInt(l.debit) - BigInt(l.credit);
      const k = `${l.account}\u0000${l.dimensions.store_id}`;
      cells.set(k, (cells.get(k) ?? 0n) + v);
      const t = tenderOf(l.account);
      if (t !== null) tender.set(t, (tender.get(t) ?? 0n) + v);
    }
    for (const [store_id, v] of storeWeights(cells, tenderOf)) stores.push({ store_id, amount: Number(v), currency });
    for (const [t, v] of tender) if (v !== 0n) tenders.push({ tender: t, amount: Number(v < 0n ? -v : v), currency });
  }
  return { stores, tenders };
}
