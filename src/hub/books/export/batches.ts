import { createHash } from 'node:crypto';
import { loadChart, type Chart, type ChartInput } from '../../../core/ledger/chart';
import { chartNow, type ChartSource } from '../posting-map';
import { dailySummaries } from '../../../core/ledger/daily-summary';
import type { JournalEntry } from '../../../core/ledger/entry';
import { MAX_EXPORT_ENTRIES, toBeancount, toHledgerJournal, toQuickBooksCsv, toXeroCsv } from '../../../core/ledger/export';
import type { Db, Queryable } from '../../db/db';
import { loadEntriesByIds } from '../entries-read';
import { BooksInputError } from '../reconcile/store';

// Export batches. An export goes to a named target (a format and a posting mode); each batch
// records exactly which entries it covered, in order, and the chart it was rendered with, so
// - the next export to the target takes only entries no batch of that target has covered
//   (new entries, and adjusting entries made by corrections since),
// - exporting an entry to the same target twice happens only when asked for (`again`),
// - a batch rendered again is byte-identical (checked against the SHA-256 kept with it).
// Targets are locked FOR UPDATE while a batch is cut, so two exports cannot take the same entries.

export const EXPORT_FORMATS = ['hledger', 'beancount', 'quickbooks-csv', 'xero-csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const POSTING_MODES = ['per_transaction', 'daily_summary'] as const;
export type PostingMode = (typeof POSTING_MODES)[number];

const TARGET_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface ExportRequest {
  target: string;
  /** Needed when the target does not exist yet (it is created with them); must match when it does. */
  format?: ExportFormat;
  mode?: PostingMode;
  from?: string;
  to?: string;
  /** 'new' (default): entries no batch of this target covered. 'all': every entry in the range. */
  entries?: 'new' | 'all';
  /** With entries 'all': allow entries this target already received. */
  again?: boolean;
  /** xero-csv: the currency to export (one per Xero journal file). */
  currency?: string;
  by: string;
}

export type BatchRecord = {
  batch_id: number;
  target: string;
  format: ExportFormat;
  mode: PostingMode;
  range_from: string | null;
  range_to: string | null;
  repeat: boolean;
  entry_count: number;
  content_sha256: string;
  created_by: string;
  created_at: string;
};

export interface RenderedBatch extends BatchRecord {
  /** The file(s): one, except Xero journals split at its row limit. */
  files: string[];
}

function sha256(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${Buffer.byteLength(f)}:`).update(f);
  return h.digest('hex');
}

/** The marker a corrections import looks for to know which batch an edited file came from. */
export function batchMarker(batchId: number): string {
  return `tillstream-batch:${batchId}`;
}

export function renderEntries(entries: readonly JournalEntry[], chart: Chart, b: { batch_id: number; target: string; format: ExportFormat; mode: PostingMode; currency?: string }): string[] {
  const body = b.mode === 'daily_summary' ? dailySummaries(entries, { idPrefix: `b${b.batch_id}` }) : entries;
  const title = `Tillstream export ${batchMarker(b.batch_id)} target ${b.target} (${b.mode})`;
  switch (b.format) {
    case 'hledger':
      return [toHledgerJournal(body, chart, { title })];
    case 'beancount':
      return [toBeancount(body, chart, { title })];
    case 'quickbooks-csv':
      return [toQuickBooksCsv(body, chart)];
    case 'xero-csv': {
      const currency = b.currency ?? body[0]?.lines[0]?.currency;
      if (!currency) return [];
      return toXeroCsv(body, chart, { currency });
    }
  }
}

function validate(req: ExportRequest): void {
  if (!TARGET_RE.test(req.target)) throw new BooksInputError('BAD_TARGET', 'target must be 1-64 of a-z 0-9 _ - starting with a letter or digit');
  if (req.format !== undefined && !EXPORT_FORMATS.includes(req.format)) throw new BooksInputError('BAD_FORMAT', `format must be one of ${EXPORT_FORMATS.join(', ')}`);
  if (req.mode !== undefined && !POSTING_MODES.includes(req.mode)) throw new BooksInputError('BAD_MODE', `mode must be one of ${POSTING_MODES.join(', ')}`);
  for (const [k, v] of [['from', req.from], ['to', req.to]] as const) {
    if (v !== undefined && !DATE_RE.test(v)) throw new BooksInputError('BAD_DATE', `${k} must be YYYY-MM-DD`);
  }
  if (req.entries !== undefined && req.entries !== 'new' && req.entries !== 'all') throw new BooksInputError('BAD_ENTRIES', "entries must be 'new' or 'all'");
  if (req.currency !== undefined && !/^[A-Z]{3}$/.test(req.currency)) throw new BooksInputError('BAD_CURRENCY', 'currency must be an ISO 4217 code');
  if (req.by.length < 1 || req.by.length > 200) throw new BooksInputError('BAD_ACTOR', 'who exports must be named (1-200 characters)');
}

async function lockTarget(tx: Queryable, req: ExportRequest): Promise<{ format: ExportFormat; mode: PostingMode }> {
  const found = await tx.query<{ format: ExportFormat; mode: PostingMode }>(`SELECT format, mode FROM export_targets WHERE target = $1 FOR UPDATE`, [req.target]);
  const t = found.rows[0];
  if (t) {
    if ((req.format && req.format !== t.format) || (req.mode && req.mode !== t.mode)) {
      throw new BooksInputError('TARGET_MISMATCH', `target ${req.target} exports ${t.format} in ${t.mode} mode; use another target for ${req.format ?? t.format} ${req.mode ?? t.mode}`);
    }
    return t;
  }
  if (!req.format || !req.mode) throw new BooksInputError('UNKNOWN_TARGET', `target ${req.target} does not exist yet; give its format and mode to create it`);
  await tx.query(`INSERT INTO export_targets (target, format, mode, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (target) DO NOTHING`, [req.target, req.format, req.mode, req.by]);
  // Someone may have created it at the same time: read (and lock) what is there now.
  const again = await tx.query<{ format: ExportFormat; mode: PostingMode }>(`SELECT format, mode FROM export_targets WHERE target = $1 FOR UPDATE`, [req.target]);
  const now = again.rows[0]!;
  if (now.format !== req.format || now.mode !== req.mode) throw new BooksInputError('TARGET_MISMATCH', `target ${req.target} was just created as ${now.format} ${now.mode}`);
  return now;
}

/**
 * Cuts a batch: picks the entries, records them and renders the file(s). Throws
 * BooksInputError NOTHING_TO_EXPORT when there is nothing (new) in the range, and
 * ALREADY_EXPORTED when entries 'all' would repeat entries without `again`.
 */
export async function createExportBatch(db: Db, charts: ChartSource, req: ExportRequest): Promise<RenderedBatch> {
  validate(req);
  return db.transaction(async (tx) => {
    // Accounts are named with the map current now (the batch keeps that chart for re-renders).
    const { chart } = await chartNow(charts, tx);
    const t = await lockTarget(tx, req);
    const all = req.entries === 'all';
    const picked = await tx.query<{ entry_id: string; exported: boolean }>(
      `SELECT e.entry_id, EXISTS (SELECT 1 FROM export_batch_entries b WHERE b.target = $1 AND b.entry_id = e.entry_id) AS exported
         FROM ledger_entries e
        WHERE ($2::date IS NULL OR e.date >= $2::date) AND ($3::date IS NULL OR e.date <= $3::date)
        ORDER BY e.date, e.posted_at, e.entry_id
        LIMIT $4`,
      [req.target, req.from ?? null, req.to ?? null, MAX_EXPORT_ENTRIES + 1],
    );
    if (picked.rows.length > MAX_EXPORT_ENTRIES) throw new BooksInputError('TOO_MANY_ENTRIES', `more than ${MAX_EXPORT_ENTRIES} entries in the range; export a shorter period`);
    const repeated = picked.rows.filter((r) => r.exported).length;
    if (all && repeated > 0 && !req.again) {
      throw new BooksInputError('ALREADY_EXPORTED', `${repeated} of the ${picked.rows.length} entries in the range were already exported to ${req.target}; ask for them again explicitly (again) or export only new entries`);
    }
    const ids = picked.rows.filter((r) => all || !r.exported).map((r) => r.entry_id);
    if (ids.length === 0) throw new BooksInputError('NOTHING_TO_EXPORT', `no ${all ? '' : 'new '}entries for ${req.target} in the range`);
    const entries = await loadEntriesByIds(tx, ids);
    const batchIdRow = await tx.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('export_batches', 'batch_id'))::text AS id`);
    const batchId = Number(batchIdRow.rows[0]!.id);
    const options = req.currency ? { currency: req.currency } : {};
    const files = renderEntries(entries, chart, { batch_id: batchId, target: req.target, format: t.format, mode: t.mode, ...options });
    if (files.length === 0) throw new BooksInputError('NOTHING_TO_EXPORT', 'nothing to export in that currency');
    const hash = sha256(files);
    const ins = await tx.query<{ created_at: string }>(
      `INSERT INTO export_batches (batch_id, target, format, mode, range_from, range_to, repeat, entry_count, chart, options, content_sha256, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       RETURNING to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`,
      [batchId, req.target, t.format, t.mode, req.from ?? null, req.to ?? null, all && repeated > 0, ids.length, JSON.stringify(chart.config), JSON.stringify(options), hash, req.by],
    );
    for (let i = 0; i < ids.length; i += 10_000) {
      await tx.query(
        `INSERT INTO export_batch_entries (batch_id, ordinal, target, entry_id)
         SELECT $1, $2 + x.ord - 1, $3, x.id FROM unnest($4::text[]) WITH ORDINALITY AS x(id, ord)`,
        [batchId, i, req.target, ids.slice(i, i + 10_000)],
      );
    }
    return {
      batch_id: batchId, target: req.target, format: t.format, mode: t.mode, range_from: req.from ?? null, range_to: req.to ?? null,
      repeat: all && repeated > 0, entry_count: ids.length, content_sha256: hash, created_by: req.by, created_at: ins.rows[0]!.created_at, files,
    };
  });
}

const BATCH_COLUMNS = `batch_id::int AS batch_id, target, format, mode, to_char(range_from, 'YYYY-MM-DD') AS range_from, to_char(range_to, 'YYYY-MM-DD') AS range_to,
  repeat, entry_count, content_sha256, created_by, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at`;

/** Export history, newest first; `after` pages back from a batch id. */
export async function listBatches(db: Queryable, opts: { target?: string; before?: number; limit?: number } = {}): Promise<BatchRecord[]> {
  const r = await db.query<BatchRecord & Record<string, unknown>>(
    `SELECT ${BATCH_COLUMNS} FROM export_batches WHERE ($1::text IS NULL OR target = $1) AND ($2::bigint IS NULL OR batch_id < $2) ORDER BY batch_id DESC LIMIT $3`,
    [opts.target ?? null, opts.before ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
  );
  return r.rows.map((x) => ({ ...x, batch_id: Number(x.batch_id), entry_count: Number(x.entry_count) }));
}

export async function getBatch(db: Queryable, batchId: number): Promise<BatchRecord & { chart: ChartInput; options: { currency?: string } }> {
  const r = await db.query<BatchRecord & { chart: ChartInput; options: { currency?: string } } & Record<string, unknown>>(`SELECT ${BATCH_COLUMNS}, chart, options FROM export_batches WHERE batch_id = $1`, [batchId]);
  const b = r.rows[0];
  if (!b) throw new BooksInputError('UNKNOWN_BATCH', `no export batch ${batchId}`);
  return { ...b, batch_id: Number(b.batch_id), entry_count: Number(b.entry_count) };
}

/** The entry ids a batch covered, in its order. */
export async function batchEntryIds(db: Queryable, batchId: number): Promise<string[]> {
  const r = await db.query<{ entry_id: string }>(`SELECT entry_id FROM export_batch_entries WHERE batch_id = $1 ORDER BY ordinal`, [batchId]);
  return r.rows.map((x) => x.entry_id);
}

/** Renders a batch again from what it recorded; identical to the first time (checked). */
export async function renderBatch(db: Queryable, batchId: number): Promise<RenderedBatch> {
  const b = await getBatch(db, batchId);
  const entries = await loadEntriesByIds(db, await batchEntryIds(db, batchId));
  const files = renderEntries(entries, loadChart(b.chart), { batch_id: b.batch_id, target: b.target, format: b.format, mode: b.mode, ...b.options });
  const hash = sha256(files);
  // Entries are immutable and rendering is pure: a difference means stored data was changed.
  if (hash !== b.content_sha256) throw new Error(`export batch ${batchId} renders differently than when it was made (sha256 ${hash} ≠ ${b.content_sha256})`);
  const { chart: _c, options: _o, ...record } = b;
  return { ...record, files };
}
