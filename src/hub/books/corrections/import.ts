import { createHash } from 'node:crypto';
import { loadChart } from '../../../core/ledger/chart';
import { planCorrections, type NeedsPerson, type ToolTransaction } from '../../../core/ledger/corrections';
import type { JournalEntry } from '../../../core/ledger/entry';
import type { Db, Queryable } from '../../db/db';
import { loadEntriesByIds } from '../entries-read';
import { MAX_EXPORT_ENTRIES } from '../../../core/ledger/export';
import { batchEntryIds, getBatch } from '../export/batches';
import { BOOKS_SOURCE, writeBooksEntries } from '../ledger-write';
import { BooksInputError } from '../reconcile/store';
import { entryIdsInCsv, readQuickBooksCsv, readXeroCsv } from './csv-readers';
import { readBeancount, readHledger } from './tool-readers';

// Importing an edited export back as corrections. The file names its batch
// (`tillstream-batch:<id>` in its first lines, or the caller says which); it is read with
// the tool's own parser, compared transaction by transaction with what the hub holds now for
// each entry of the batch, and every difference is posted as an adjusting entry linked to
// the entry it corrects, in one transaction with the import record and its items. The same
// bytes twice are recognised; an equivalent file finds no difference. Imports are serialised
// (a table lock), so two at once cannot both adjust the same difference.

export const CORRECTION_FORMATS = ['hledger', 'beancount', 'quickbooks-csv', 'xero-csv'] as const;
export type CorrectionFormat = (typeof CORRECTION_FORMATS)[number];

export interface CorrectionImportResult {
  import_id: number;
  batch_id: number;
  already_imported: boolean;
  adjusted: Array<{ entry_id: string; correction_entry_id: string }>;
  needs_person: NeedsPerson[];
  unchanged: number;
}

export function batchIdInFile(text: string): number | null {
  const m = /tillstream-batch:(\d{1,15})\b/.exec(text.slice(0, 4096));
  return m ? Number(m[1]) : null;
}

/**
 * Corrections of the batch's entries made by imports: those of this batch count as part of
 * what the file stands for; those of other batches that this batch does not contain are
 * conflicts (the file cannot know them).
 */
async function correctionsOf(db: Queryable, batchId: number, ids: readonly string[]): Promise<{ mine: Map<string, JournalEntry[]>; conflicts: Map<string, string[]> }> {
  const mine = new Map<string, JournalEntry[]>();
  const conflicts = new Map<string, string[]>();
  const inBatch = new Set(ids);
  for (let i = 0; i < ids.length; i += 5_000) {
    const r = await db.query<{ entry_id: string; adjusts: string; batch_id: string | null }>(
      `SELECT e.entry_id, e.adjusts, ci.batch_id::text AS batch_id
         FROM ledger_entries e
         LEFT JOIN correction_items it ON it.correction_entry_id = e.entry_id
         LEFT JOIN correction_imports ci ON ci.import_id = it.import_id
        WHERE e.event_type = 'books.correction' AND e.adjusts = ANY($1::text[])
        ORDER BY e.posted_at, e.entry_id`,
      [ids.slice(i, i + 5_000)],
    );
    const own = r.rows.filter((x) => x.batch_id !== null && Number(x.batch_id) === batchId).map((x) => x.entry_id);
    for (const e of await loadEntriesByIds(db, own)) mine.set(e.adjusts!, [...(mine.get(e.adjusts!) ?? []), e]);
    for (const x of r.rows) {
      if ((x.batch_id === null || Number(x.batch_id) !== batchId) && !inBatch.has(x.entry_id)) conflicts.set(x.adjusts, [...(conflicts.get(x.adjusts) ?? []), x.entry_id]);
    }
  }
  return { mine, conflicts };
}

async function planFor(q: Queryable, batchId: number, o: { chart: ReturnType<typeof loadChart>; tool: ToolTransaction[]; idPrefix: string; by: string }) {
  const ids = await batchEntryIds(q, batchId);
  const exported = await loadEntriesByIds(q, ids);
  const { mine, conflicts } = await correctionsOf(q, batchId, ids);
  // A posting may move to another store (hledger's store: tag), but only to one the hub has;
  // `hq` is where the books' own entries (payouts, fees) stand.
  const stores = await q.query<{ store_id: string }>(`SELECT store_id FROM stores`);
  const known = new Set([...stores.rows.map((r) => r.store_id), BOOKS_SOURCE.store_id]);
  return planCorrections({ chart: o.chart, exported, earlier: mine, conflicts, tool: o.tool, idPrefix: o.idPrefix, by: o.by, stores: known });
}

/** Checks a file as importCorrections would and returns what it would post, writing nothing. */
async function readCorrectionFile(db: Queryable, input: { bytes: Uint8Array; format: CorrectionFormat; batch_id?: number; by: string }) {
  if (!CORRECTION_FORMATS.includes(input.format)) throw new BooksInputError('BAD_FORMAT', `format must be one of ${CORRECTION_FORMATS.join(', ')}`);
  if (input.by.length < 1 || input.by.length > 200) throw new BooksInputError('BAD_ACTOR', 'who imports must be named (1-200 characters)');
  const text = Buffer.from(input.bytes.subarray(0, 8192)).toString('utf8');
  // A CSV cannot carry the marker line: its batch is the one per_transaction batch of that
  // format holding every entry it names. Another batch holding them too (another target, an
  // `again` export) would make "missing from the file" mean deleted from the wrong batch, so
  // then the caller must say which.
  const batchId = input.batch_id ?? batchIdInFile(text) ?? (input.format.endsWith('-csv') ? await batchOfEntries(db, input.format, entryIdsInCsv(input.bytes, MAX_EXPORT_ENTRIES)) : null);
  if (batchId === null) throw new BooksInputError('UNKNOWN_BATCH', 'the file does not name its export batch (tillstream-batch:<id> in its first line); say which batch it came from');
  const batch = await getBatch(db, batchId);
  if (batch.mode !== 'per_transaction') throw new BooksInputError('NOT_PER_TRANSACTION', `batch ${batchId} is a daily summary; corrections are matched per entry, so export a per_transaction batch to edit`);
  if (batch.format !== input.format) throw new BooksInputError('FORMAT_MISMATCH', `batch ${batchId} was exported as ${batch.format}, the file is read as ${input.format}`);
  const hash = createHash('sha256').update(input.bytes).digest('hex');
  return { batchId, batch, hash };
}

const NAME_THE_BATCH = 'say which export batch it came from (--batch on the command line, batch_id in the API)';

/** The one per_transaction batch of the format that holds every id; refused (BATCH_NOT_NAMED) when none or several do. */
async function batchOfEntries(db: Queryable, format: string, ids: readonly string[] | null): Promise<number> {
  if (ids === null) throw new BooksInputError('BATCH_NOT_NAMED', `the file names more than ${MAX_EXPORT_ENTRIES} entries, more than one batch holds; ${NAME_THE_BATCH}`);
  if (ids.length === 0) throw new BooksInputError('BATCH_NOT_NAMED', `the file names no Tillstream entry ([entry id] in its descriptions); ${NAME_THE_BATCH}`);
  const r = await db.query<{ batch_id: string }>(
    `SELECT b.batch_id::text FROM export_batch_entries be JOIN export_batches b ON b.batch_id = be.batch_id
      WHERE be.entry_id = ANY($1::text[]) AND b.format = $2 AND b.mode = 'per_transaction'
      GROUP BY b.batch_id HAVING count(DISTINCT be.entry_id) = $3 ORDER BY b.batch_id LIMIT 3`,
    [ids, format, ids.length],
  );
  if (r.rows.length === 1) return Number(r.rows[0]!.batch_id);
  if (r.rows.length === 0) throw new BooksInputError('BATCH_NOT_NAMED', `no per_transaction ${format} batch holds all ${ids.length} entries the file names; ${NAME_THE_BATCH}`);
  throw new BooksInputError('BATCH_NOT_NAMED', `several ${format} batches (${r.rows.map((x) => x.batch_id).join(', ')}${r.rows.length > 2 ? ', …' : ''}) hold every entry the file names; ${NAME_THE_BATCH}`);
}

/** Reads the file with the tool (hledger, Beancount) or, for QuickBooks/Xero CSV, with csv-parse against the batch. */
async function readTool(db: Queryable, format: CorrectionFormat, bytes: Uint8Array, batchId: number, chart: ReturnType<typeof loadChart>): Promise<ToolTransaction[]> {
  if (format === 'hledger') return readHledger(bytes);
  if (format === 'beancount') return readBeancount(bytes);
  const ids = await batchEntryIds(db, batchId);
  const entries = await loadEntriesByIds(db, ids);
  const currencies = new Set(entries.flatMap((e) => e.lines.map((l) => l.currency)));
  const ctx = { chart, entryIds: ids, currency: currencies.size === 1 ? [...currencies][0]! : null };
  return format === 'quickbooks-csv' ? readQuickBooksCsv(bytes, ctx) : readXeroCsv(bytes, ctx);
}

export interface CorrectionPreview {
  batch_id: number;
  already_imported: boolean;
  unchanged: number;
  /** The adjusting entries an import would post, each with the entry it corrects. */
  adjustments: Array<{ adjusts: string; memo: string; date: string; lines: Array<{ account: string; currency: string; debit: number; credit: number }> }>;
  needs_person: NeedsPerson[];
}

/** What importing the file would post (the diff against the hub), without writing anything. */
export async function previewCorrections(db: Db, input: { bytes: Uint8Array; format: CorrectionFormat; batch_id?: number; by: string }): Promise<CorrectionPreview> {
  const { batchId, batch, hash } = await readCorrectionFile(db, input);
  const known = await db.query(`SELECT 1 FROM correction_imports WHERE batch_id = $1 AND content_sha256 = $2`, [batchId, hash]);
  if (known.rows[0]) return { batch_id: batchId, already_imported: true, unchanged: 0, adjustments: [], needs_person: [] };
  const tool = await readTool(db, input.format, input.bytes, batchId, loadChart(batch.chart));
  const plan = await planFor(db, batchId, { chart: loadChart(batch.chart), tool, idPrefix: 'preview', by: input.by });
  return {
    batch_id: batchId, already_imported: false, unchanged: plan.unchanged, needs_person: plan.needs_person,
    adjustments: plan.adjustments.map((a) => ({ adjusts: a.adjusts!, memo: a.memo, date: a.date, lines: a.lines.map((l) => ({ account: l.account, currency: l.currency, debit: l.debit, credit: l.credit })) })),
  };
}

export async function importCorrections(
  db: Db,
  input: { bytes: Uint8Array; format: CorrectionFormat; batch_id?: number; file_name?: string; by: string },
): Promise<CorrectionImportResult> {
  const { batchId, batch, hash } = await readCorrectionFile(db, input);
  const known = await db.query<{ import_id: string }>(`SELECT import_id::text FROM correction_imports WHERE batch_id = $1 AND content_sha256 = $2`, [batchId, hash]);
  if (known.rows[0]) return { import_id: Number(known.rows[0].import_id), batch_id: batchId, already_imported: true, adjusted: [], needs_person: [], unchanged: 0 };

  // Read with the tool before opening a transaction: a file that does not parse writes nothing.
  const chart = loadChart(batch.chart);
  const tool = await readTool(db, input.format, input.bytes, batchId, chart);

  return db.transaction(async (tx) => {
    await tx.query(`LOCK TABLE correction_imports IN SHARE ROW EXCLUSIVE MODE`);
    const again = await tx.query<{ import_id: string }>(`SELECT import_id::text FROM correction_imports WHERE batch_id = $1 AND content_sha256 = $2`, [batchId, hash]);
    if (again.rows[0]) return { import_id: Number(again.rows[0].import_id), batch_id: batchId, already_imported: true, adjusted: [], needs_person: [], unchanged: 0 };
    const idRow = await tx.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('correction_imports', 'import_id'))::text AS id`);
    const importId = Number(idRow.rows[0]!.id);
    const plan = await planFor(tx, batchId, { chart, tool, idPrefix: `ci${importId}`, by: input.by });
    // Every adjusted account must still be in the hub's ledger chart: accounts are codes, and the batch chart is the one the file used.
    const summary = { transactions: tool.length, adjusted: plan.adjustments.length, needs_person: plan.needs_person.length, unchanged: plan.unchanged };
    await tx.query(
      `INSERT INTO correction_imports (import_id, batch_id, format, content_sha256, file_name, imported_by, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [importId, batchId, input.format, hash, (input.file_name ?? '').slice(0, 500), input.by, JSON.stringify(summary)],
    );
    await writeBooksEntries(tx, plan.adjustments);
    const items = [
      ...plan.adjustments.map((a) => ({ entry_id: a.adjusts!, outcome: 'adjusted', correction_entry_id: a.entry_id, reason: a.memo })),
      ...plan.needs_person.map((n) => ({ entry_id: n.entry_id, outcome: 'needs_person', correction_entry_id: null, reason: `${n.where}: ${n.reason}`.slice(0, 2000) })),
    ];
    for (let i = 0; i < items.length; i += 5_000) {
      await tx.query(
        `INSERT INTO correction_items (import_id, entry_id, outcome, correction_entry_id, reason)
         SELECT $1, x.entry_id, x.outcome, x.correction_entry_id, x.reason FROM jsonb_to_recordset($2::jsonb) AS x(entry_id text, outcome text, correction_entry_id text, reason text)`,
        [importId, JSON.stringify(items.slice(i, i + 5_000))],
      );
    }
    return {
      import_id: importId, batch_id: batchId, already_imported: false,
      adjusted: plan.adjustments.map((a) => ({ entry_id: a.adjusts!, correction_entry_id: a.entry_id })),
      needs_person: plan.needs_person, unchanged: plan.unchanged,
    };
  });
}

export interface CorrectionImportRecord {
  import_id: number;
  batch_id: number;
  format: string;
  file_name: string;
  imported_by: string;
  imported_at: string;
  summary: Record<string, number>;
}

export async function listCorrectionImports(db: Queryable, opts: { before?: number; limit?: number } = {}): Promise<CorrectionImportRecord[]> {
  const r = await db.query<CorrectionImportRecord & Record<string, unknown>>(
    `SELECT import_id::int AS import_id, batch_id::int AS batch_id, format, file_name, imported_by,
            to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at, summary
       FROM correction_imports WHERE ($1::bigint IS NULL OR import_id < $1) ORDER BY import_id DESC LIMIT $2`,
    [opts.before ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
  );
  return r.rows.map((x) => ({ ...x, import_id: Number(x.import_id), batch_id: Number(x.batch_id) }));
}

export async function correctionItems(db: Queryable, importId: number) {
  const r = await db.query<{ entry_id: string | null; outcome: string; correction_entry_id: string | null; reason: string }>(
    `SELECT entry_id, outcome, correction_entry_id, reason FROM correction_items WHERE import_id = $1 ORDER BY item_id`,
    [importId],
  );
  return r.rows;
}
