import { z } from 'zod';
import type { RouteModule } from '../app';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';
import { createExportBatch, EXPORT_FORMATS, POSTING_MODES, renderBatch } from '../../books/export/batches';
import { correctionItems, CORRECTION_FORMATS, importCorrections, previewCorrections } from '../../books/corrections/import';
import { HISTORY_STATUSES, listHistoryImports, MAX_BATCH, requestHistoryPause, resumeHistoryImport } from '../../books/history/run';
import { scheduleHistoryImport, withWindowTimes } from '../../books/history/schedule';
import { parseWindow } from '../../books/history/window';
import { convertSquareFile, SQUARE_FORMAT } from '../../books/history/square';
import { importSettlement, importStatement, reconciliationReport, resolveItem, runReconciliation, SettlementParseError, StatementParseError } from '../../books/reconcile/store';
import { SETTLEMENT_FORMATS } from '../../books/settlement';
import { BooksInputError } from '../../books/errors';
import { STATEMENT_FORMATS } from '../../books/statements';
import { postingUniverse } from '../../books/posting-map';
import { mapCoverage } from '../../../core/ledger/map-coverage';

// The books over HTTP (admin and hq only): export batches, corrections coming back,
// statement and settlement imports, reconciliation runs, items and resolutions. Lists use
// the API's one keyset paging (paging.ts). Files travel inside JSON (text, or base64 for
// statements and settlements), so they are bounded by the API's body limit (8 MiB); larger
// files go through the CLI. Refusals carry the books' codes (docs/books.md).

const ROLES = { auth: 'user' as const, roles: ['admin' as const, 'hq' as const] };
const date = z.iso.date();
const CONFLICT = new Set(['NOTHING_TO_EXPORT', 'ALREADY_EXPORTED', 'TARGET_MISMATCH', 'CONCURRENT_RUN', 'MAP_ACCOUNT_IN_USE', 'ALREADY_SCHEDULED', 'NOT_PAUSED', 'NOT_HUB_RUN']);
const NOT_FOUND = new Set(['UNKNOWN_BATCH', 'UNKNOWN_ITEM', 'UNKNOWN_TARGET', 'UNKNOWN_MAP_VERSION', 'UNKNOWN_IMPORT']);

/** Books refusals as HTTP answers with the same code. */
async function books<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof BooksInputError) throw new HttpError(CONFLICT.has(e.code) ? 409 : NOT_FOUND.has(e.code) ? 404 : 400, e.code, e.message);
    if (e instanceof StatementParseError || e instanceof SettlementParseError) throw new HttpError(400, 'BAD_FILE', e.message.replace(/\s*\n\s*/g, ' '), 'content_base64');
    throw e;
  }
}

const batchSchema = z.object({
  batch_id: z.number(), target: z.string(), format: z.enum(EXPORT_FORMATS), mode: z.enum(POSTING_MODES), range_from: z.string().nullable(), range_to: z.string().nullable(),
  repeat: z.boolean(), entry_count: z.number(), content_sha256: z.string(), created_by: z.string(), created_at: z.string(),
});
const itemSchema = z.object({
  item_key: z.string(), kind: z.string(), store_id: z.string().nullable(), date: z.string(), currency: z.string(), expected: z.number(), received: z.number(),
  status: z.string(), reason: z.string().nullable(), matched_with: z.string().nullable(), detail: z.string(),
  resolution: z.object({ resolved_by: z.string(), resolved_at: z.string(), note: z.string() }).nullable(),
});
const dateSpan = {
  from: z.string().nullable().describe('the earliest date in the file (YYYY-MM-DD); null when it has no lines'),
  to: z.string().nullable().describe('the latest date in the file'),
};
function span(dates: string[]): { from: string | null; to: string | null } {
  if (dates.length === 0) return { from: null, to: null };
  let from = dates[0]!;
  let to = from;
  for (const d of dates) {
    if (d < from) from = d;
    if (d > to) to = d;
  }
  return { from, to };
}
const errors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };
const correctionBody = z.object({ format: z.enum(CORRECTION_FORMATS), content: z.string().min(1).max(8_000_000), batch_id: z.number().int().min(1).optional(), file_name: z.string().max(500).optional() }).strict();
const base64 = z.string().min(1).max(12_000_000).regex(/^[A-Za-z0-9+/=\s]*$/, 'must be base64');

const uncoveredSchema = z.object({ what: z.string(), mapping: z.string() });
const mapVersionSchema = z.object({
  version: z.number(), note: z.string(), created_by: z.string(), created_at: z.string(),
  chart: z.record(z.string(), z.unknown()).describe('the chart of accounts and posting map (docs/ledger.md)'),
  unmapped: z.array(uncoveredSchema).describe('what the hub knows of that this version cannot post (a category added since it was saved)'),
  to_suspense: z.array(uncoveredSchema).describe('what posts to the suspense account'),
});

export const booksRoutes: RouteModule = (app, deps) => {
  app.get('/api/books/map', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'The chart of accounts and posting map: the current version, or ?version=N (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647).optional() }).strict(),
      response: { 200: mapVersionSchema, ...errors },
    },
    handler: async (req) =>
      books(async () => {
        const version = req.query.version ?? (await deps.charts.current(deps.db)).version;
        const v = await deps.charts.get(deps.db, version);
        const coverage = mapCoverage(v.chart, await postingUniverse(deps.db, v.chart));
        return { version: v.version, note: v.note, created_by: v.created_by, created_at: v.created_at, chart: v.chart.config as unknown as Record<string, unknown>, ...coverage };
      }),
  });

  const mapVersions = keyset('books-map-versions', [{ sql: 'version', type: 'bigint' }], 'desc');
  app.get('/api/books/map/versions', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Versions of the posting map, newest first (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery() }).strict(),
      response: { 200: pageReply('versions', z.object({ version: z.number(), note: z.string(), created_by: z.string(), created_at: z.string() })), ...errors },
    },
    handler: async (req) => {
      await deps.charts.current(deps.db); // seeds version 1 on a fresh database
      const q = new SqlParams();
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT version, note, created_by, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, ${mapVersions.select}
           FROM chart_versions WHERE ${mapVersions.after(q, req.query.cursor)} ORDER BY ${mapVersions.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = mapVersions.page(r.rows, req.query.limit);
      return { versions: page.rows.map((x) => ({ version: Number(x.version), note: String(x.note), created_by: String(x.created_by), created_at: String(x.created_at) })), next_cursor: page.next_cursor };
    },
  });

  app.put('/api/books/map', {
    config: ROLES,
    schema: {
      tags: ['books'],
      summary: 'Save a new version of the posting map; refused naming what has no account (MAP_UNMAPPED), a chart error (BAD_MAP) or an account with postings removed (MAP_ACCOUNT_IN_USE) (admin, hq)',
      security: [{ bearer: [] }],
      body: z.object({ chart: z.record(z.string(), z.unknown()), note: z.string().max(500).optional() }).strict(),
      response: { 200: z.object({ version: z.number(), unchanged: z.boolean(), to_suspense: z.array(uncoveredSchema) }), ...errors },
    },
    handler: async (req) =>
      books(async () => {
        const r = await deps.charts.save(deps.db, req.body.chart, { by: userOf(req).user_id, ...(req.body.note !== undefined ? { note: req.body.note } : {}) });
        return { version: r.version, unchanged: r.unchanged, to_suspense: r.coverage.to_suspense };
      }),
  });

  app.post('/api/books/exports', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Cut an export batch for a target: only entries new to it unless entries=all (and again=true for repeats) (admin, hq)', security: [{ bearer: [] }],
      body: z.object({
        target: z.string().min(1).max(64), format: z.enum(EXPORT_FORMATS).optional(), mode: z.enum(POSTING_MODES).optional(), from: date.optional(), to: date.optional(),
        entries: z.enum(['new', 'all']).optional(), again: z.boolean().optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional(),
      }).strict(),
      response: { 201: batchSchema, ...errors },
    },
    handler: async (req, reply) => {
      const b = await books(() => createExportBatch(deps.db, deps.charts, { ...req.body, by: userOf(req).user_id }));
      const { files: _f, ...record } = b;
      return reply.code(201).send(record);
    },
  });

  const batches = keyset('books-exports', [{ sql: 'batch_id', type: 'bigint' }], 'desc');
  app.get('/api/books/exports', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Export history, newest first (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), target: z.string().min(1).max(64).optional() }).strict(),
      response: { 200: pageReply('batches', batchSchema), ...errors },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const where = [req.query.target ? `target = ${q.p(req.query.target)}` : 'TRUE', batches.after(q, req.query.cursor)];
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT batch_id::int AS batch_id, target, format, mode, to_char(range_from, 'YYYY-MM-DD') AS range_from, to_char(range_to, 'YYYY-MM-DD') AS range_to, repeat, entry_count, content_sha256, created_by,
                to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, ${batches.select}
           FROM export_batches WHERE ${where.join(' AND ')} ORDER BY ${batches.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = batches.page(r.rows, req.query.limit);
      return { batches: page.rows.map((x) => ({ ...x, batch_id: Number(x.batch_id), entry_count: Number(x.entry_count) })) as Array<z.infer<typeof batchSchema>>, next_cursor: page.next_cursor };
    },
  });

  app.get('/api/books/exports/:batch_id/file', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'The file of an export batch, rendered again byte-identical (admin, hq)', security: [{ bearer: [] }],
      params: z.object({ batch_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      querystring: z.object({ part: z.coerce.number().int().min(1).max(1000).default(1).describe('Xero files split at its row limit: which part') }).strict(),
      response: { 200: { description: 'the export file', content: { 'text/plain': { schema: z.string() } } }, ...errors },
    },
    handler: async (req, reply) => {
      const b = await books(() => renderBatch(deps.db, req.params.batch_id));
      const file = b.files[req.query.part - 1];
      if (file === undefined) throw new HttpError(404, 'NO_SUCH_PART', `batch ${b.batch_id} has ${b.files.length} file(s)`, 'part');
      const ext = b.format === 'hledger' ? 'journal' : b.format === 'beancount' ? 'beancount' : 'csv';
      return reply
        .header('content-type', ext === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="tillstream-batch-${b.batch_id}${b.files.length > 1 ? `-${req.query.part}` : ''}.${ext}"`)
        .header('x-content-sha256', b.content_sha256)
        .send(file);
    },
  });

  app.post('/api/books/corrections', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Import an edited hledger/Beancount export back as adjusting entries; the same file again changes nothing (admin, hq)', security: [{ bearer: [] }],
      body: correctionBody,
      response: {
        200: z.object({
          import_id: z.number(), batch_id: z.number(), already_imported: z.boolean(), unchanged: z.number(),
          adjusted: z.array(z.object({ entry_id: z.string(), correction_entry_id: z.string() })),
          needs_person: z.array(z.object({ entry_id: z.string().nullable(), where: z.string(), reason: z.string() })),
        }),
        ...errors,
      },
    },
    handler: async (req) => books(() => importCorrections(deps.db, { bytes: Buffer.from(req.body.content, 'utf8'), format: req.body.format, batch_id: req.body.batch_id, file_name: req.body.file_name, by: userOf(req).user_id })),
  });

  app.post('/api/books/corrections/preview', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'What importing an edited file would post: the adjusting entries (the diff against the hub) and what it would leave for a person; writes nothing (admin, hq)', security: [{ bearer: [] }],
      body: correctionBody,
      response: {
        200: z.object({
          batch_id: z.number(), already_imported: z.boolean(), unchanged: z.number(),
          adjustments: z.array(z.object({ adjusts: z.string(), memo: z.string(), date: z.string(), lines: z.array(z.object({ account: z.string(), currency: z.string(), debit: z.number(), credit: z.number() })) })),
          needs_person: z.array(z.object({ entry_id: z.string().nullable(), where: z.string(), reason: z.string() })),
        }),
        ...errors,
      },
    },
    handler: async (req) => books(() => previewCorrections(deps.db, { bytes: Buffer.from(req.body.content, 'utf8'), format: req.body.format, batch_id: req.body.batch_id, by: userOf(req).user_id })),
  });

  const corrections = keyset('books-corrections', [{ sql: 'import_id', type: 'bigint' }], 'desc');
  app.get('/api/books/corrections', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Corrections imports, newest first, with who, when and what each did (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object(pageQuery()).strict(),
      response: {
        200: pageReply('imports', z.object({ import_id: z.number(), batch_id: z.number(), format: z.string(), file_name: z.string(), imported_by: z.string(), imported_at: z.string(), summary: z.record(z.string(), z.number()) })),
        ...errors,
      },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT import_id::int AS import_id, batch_id::int AS batch_id, format, file_name, imported_by,
                to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at, summary, ${corrections.select}
           FROM correction_imports WHERE ${corrections.after(q, req.query.cursor)} ORDER BY ${corrections.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = corrections.page(r.rows, req.query.limit);
      return {
        imports: page.rows.map((x) => ({ import_id: Number(x.import_id), batch_id: Number(x.batch_id), format: String(x.format), file_name: String(x.file_name), imported_by: String(x.imported_by), imported_at: String(x.imported_at), summary: x.summary as Record<string, number> })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.get('/api/books/corrections/:import_id/items', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'What a corrections import adjusted, and what it left for a person with the reason (admin, hq)', security: [{ bearer: [] }],
      params: z.object({ import_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: z.object({ items: z.array(z.object({ entry_id: z.string().nullable(), outcome: z.string(), correction_entry_id: z.string().nullable(), reason: z.string() })) }), ...errors },
    },
    handler: async (req) => ({ items: await correctionItems(deps.db, req.params.import_id) }),
  });

  app.post('/api/books/imports/statement', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Import a bank statement (camt.053, MT940, OFX, CSV with a profile); the same file twice is recognised (admin, hq)', security: [{ bearer: [] }],
      body: z.object({ content_base64: base64, format: z.enum(STATEMENT_FORMATS).optional(), profile: z.record(z.string(), z.unknown()).optional(), file_name: z.string().max(500).optional() }).strict(),
      response: { 200: z.object({ import_id: z.number(), already_imported: z.boolean(), lines: z.number(), ...dateSpan }), ...errors },
    },
    handler: async (req) => {
      const r = await books(() => importStatement(deps.db, { bytes: Buffer.from(req.body.content_base64, 'base64'), format: req.body.format, profile: req.body.profile, file_name: req.body.file_name, by: userOf(req).user_id }));
      return { import_id: r.import_id, already_imported: r.already_imported, lines: r.lines, ...span(r.parsed.statements.flatMap((st) => st.entries.map((e) => e.booking_date))) };
    },
  });

  app.post('/api/books/imports/settlement', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Import a processor settlement report and post its payouts and fees (admin, hq)', security: [{ bearer: [] }],
      body: z.object({ content_base64: base64, format: z.enum(SETTLEMENT_FORMATS).optional(), processor: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(), file_name: z.string().max(500).optional() }).strict(),
      response: { 200: z.object({ import_id: z.number(), already_imported: z.boolean(), lines: z.number(), posted_entries: z.array(z.string()), ...dateSpan }), ...errors },
    },
    handler: async (req) => {
      const r = await books(() => importSettlement(deps.db, deps.charts, { bytes: Buffer.from(req.body.content_base64, 'base64'), format: req.body.format, processor: req.body.processor, file_name: req.body.file_name, by: userOf(req).user_id }));
      return { import_id: r.import_id, already_imported: r.already_imported, lines: r.lines, posted_entries: r.posted_entries, ...span([...r.report.lines.map((l) => l.transaction_date), ...r.report.payouts.map((p) => p.date)]) };
    },
  });

  app.post('/api/books/recon/runs', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Run the matching over a date range and store the items (admin, hq)', security: [{ bearer: [] }],
      body: z.object({ from: date.optional(), to: date.optional() }).strict(),
      response: { 200: z.object({ items: z.number(), matched: z.number(), open: z.number() }), ...errors },
    },
    handler: async (req) => {
      if (req.body.from && req.body.to && req.body.from > req.body.to) throw new HttpError(400, 'BAD_RANGE', `from (${req.body.from}) must not be after to (${req.body.to})`, 'from');
      const items = await runReconciliation(deps.db, req.body);
      const open = items.filter((i) => i.status === 'open').length;
      return { items: items.length, matched: items.length - open, open };
    },
  });

  const items = keyset('books-recon-items', [{ sql: "to_char(i.date, 'YYYY-MM-DD')", type: 'text' }, { sql: 'i.item_key', type: 'text' }], 'asc');
  app.get('/api/books/recon/items', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Reconciliation items with reason and latest resolution, by date (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), open: z.enum(['true', 'false']).optional().describe('only open, unresolved items'), from: date.optional(), to: date.optional() }).strict(),
      response: { 200: pageReply('items', itemSchema), ...errors },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const where = [
        req.query.from ? `i.date >= ${q.p(req.query.from)}::date` : 'TRUE',
        req.query.to ? `i.date <= ${q.p(req.query.to)}::date` : 'TRUE',
        req.query.open === 'true' ? `(i.status = 'open' AND r.resolved_by IS NULL)` : 'TRUE',
        items.after(q, req.query.cursor),
      ];
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT i.item_key, i.kind, i.store_id, to_char(i.date, 'YYYY-MM-DD') AS date, i.currency, i.expected, i.received, i.status, i.reason, i.matched_with, i.detail,
                r.resolved_by, to_char(r.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS resolved_at, r.note, ${items.select}
           FROM recon_items i
           LEFT JOIN LATERAL (SELECT resolved_by, resolved_at, note FROM recon_resolutions x WHERE x.item_key = i.item_key ORDER BY resolution_id DESC LIMIT 1) r ON true
          WHERE ${where.join(' AND ')} ORDER BY ${items.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = items.page(r.rows, req.query.limit);
      return {
        items: page.rows.map((x) => ({
          item_key: String(x.item_key), kind: String(x.kind), store_id: (x.store_id as string | null) ?? null, date: String(x.date), currency: String(x.currency),
          expected: Number(x.expected), received: Number(x.received), status: String(x.status), reason: (x.reason as string | null) ?? null,
          matched_with: (x.matched_with as string | null) ?? null, detail: String(x.detail),
          resolution: x.resolved_by ? { resolved_by: String(x.resolved_by), resolved_at: String(x.resolved_at), note: String(x.note) } : null,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.post('/api/books/recon/items/:item_key/resolutions', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Record who resolved an item, when and why; the item is kept (admin, hq)', security: [{ bearer: [] }],
      params: z.object({ item_key: z.string().min(1).max(300) }),
      body: z.object({ note: z.string().min(1).max(1000) }).strict(),
      response: { 201: z.object({ resolution_id: z.number() }), ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(await books(() => resolveItem(deps.db, { item_key: req.params.item_key, by: userOf(req).user_id, note: req.body.note }))),
  });

  app.get('/api/books/recon/report', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Expected, received, difference and open items per day, store and currency (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ from: date.optional(), to: date.optional() }).strict(),
      response: { 200: z.object({ rows: z.array(z.object({ date: z.string(), store_id: z.string().nullable(), currency: z.string(), expected: z.number(), received: z.number(), difference: z.number(), open_items: z.number() }).passthrough()) }), ...errors },
    },
    handler: async (req) => ({ rows: await reconciliationReport(deps.db, req.query) }),
  });
  // ---- imported files and their lines as the matching left them ----
  const imports = keyset('books-imports', [{ sql: 'import_id', type: 'bigint' }], 'desc');
  const importOut = z.object({
    import_id: z.number(), kind: z.enum(['statement', 'settlement']), format: z.string(), processor: z.string().nullable(), file_name: z.string(), imported_by: z.string(), imported_at: z.string(),
    summary: z.record(z.string(), z.unknown()).describe('statements: account, currency, balances and balance_check per statement; settlements: lines and payouts'),
  });
  app.get('/api/books/imports', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Imported bank statements and settlement reports, newest first (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), kind: z.enum(['statement', 'settlement']).optional() }).strict(),
      response: { 200: pageReply('imports', importOut), ...errors },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const where = [req.query.kind ? `kind = ${q.p(req.query.kind)}` : 'TRUE', imports.after(q, req.query.cursor)];
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT import_id, kind, format, processor, file_name, imported_by, to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS imported_at, summary, ${imports.select}
           FROM books_imports WHERE ${where.join(' AND ')} ORDER BY ${imports.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = imports.page(r.rows, req.query.limit);
      return {
        imports: page.rows.map((x) => ({
          import_id: Number(x.import_id), kind: x.kind as 'statement' | 'settlement', format: String(x.format), processor: (x.processor as string | null) ?? null, file_name: String(x.file_name),
          imported_by: String(x.imported_by), imported_at: String(x.imported_at), summary: x.summary as Record<string, unknown>,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  const fileLines = keyset('books-import-lines', [{ sql: 'line_id', type: 'bigint' }], 'asc');
  app.get('/api/books/imports/:import_id/lines', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: "An imported file's lines in file order, each with its reconciliation item: matched (with what), open (and why, and any resolution), or not reconciled yet (admin, hq)", security: [{ bearer: [] }],
      params: z.object({ import_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      querystring: z.object(pageQuery(100)).strict(),
      response: {
        200: pageReply('lines', z.object({
          line_id: z.number(), item_key: z.string().nullable().describe('null: no reconciliation run has covered the line yet'), date: z.string(), currency: z.string(),
          amount: z.number().describe('minor units: a bank line signed (credit positive), a settlement line its gross'), reference: z.string(), text: z.string(),
          status: z.enum(['matched', 'open', 'not reconciled']), reason: z.string().nullable(), matched_with: z.string().nullable(),
          resolution: z.object({ resolved_by: z.string(), resolved_at: z.string(), note: z.string() }).nullable(),
        })),
        ...errors,
      },
    },
    handler: async (req) => {
      const imp = await deps.db.query<{ kind: string }>(`SELECT kind FROM books_imports WHERE import_id = $1`, [req.params.import_id]);
      if (!imp.rows[0]) throw new HttpError(404, 'UNKNOWN_IMPORT', `no import ${req.params.import_id}`, 'import_id');
      const q = new SqlParams();
      const id = q.p(req.params.import_id);
      // The matching keys a line's item as reconcile/store.ts does: bank:<id>; settlement:<processor>:<line_id>, or with #<row id> for a repeat.
      const source =
        imp.rows[0].kind === 'statement'
          ? `SELECT bank_line_id AS line_id, to_char(booking_date, 'YYYY-MM-DD') AS date, currency, amount, reference, trim(counterparty || ' ' || description) AS text,
                    ARRAY['bank:' || bank_line_id] AS keys
               FROM bank_lines WHERE import_id = ${id}`
          : `SELECT settlement_line_id AS line_id, to_char(transaction_date, 'YYYY-MM-DD') AS date, currency, gross AS amount, reference, trim(kind || ' ' || description) AS text,
                    ARRAY['settlement:' || processor || ':' || line_id, 'settlement:' || processor || ':' || line_id || '#' || settlement_line_id] AS keys
               FROM settlement_lines WHERE import_id = ${id}`;
      // A bank line a payout or cash deposit claimed has no item of its own: the claiming item
      // (matched_with = its key) says whether it matched, and takes its resolution.
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT l.line_id, l.date, l.currency, l.amount, l.reference, l.text, i.item_key, i.status, i.reason, i.matched_with,
                res.resolved_by, to_char(res.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS resolved_at, res.note, ${fileLines.select}
           FROM (${source}) l
           LEFT JOIN LATERAL (
             (SELECT item_key, status, reason, matched_with, 0 AS pref FROM recon_items x WHERE x.item_key = ANY(l.keys) ORDER BY x.item_key DESC LIMIT 1)
             UNION ALL
             (SELECT item_key, status, reason, item_key AS matched_with, 1 AS pref FROM recon_items c WHERE c.matched_with = ANY(l.keys) AND c.kind IN ('payout', 'cash_deposit') ORDER BY c.item_key LIMIT 1)
             ORDER BY pref LIMIT 1) i ON true
           LEFT JOIN LATERAL (SELECT resolved_by, resolved_at, note FROM recon_resolutions y WHERE y.item_key = i.item_key ORDER BY resolution_id DESC LIMIT 1) res ON true
          WHERE ${fileLines.after(q, req.query.cursor)} ORDER BY ${fileLines.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = fileLines.page(r.rows, req.query.limit);
      return {
        lines: page.rows.map((x) => ({
          line_id: Number(x.line_id), item_key: (x.item_key as string | null) ?? null, date: String(x.date), currency: String(x.currency), amount: Number(x.amount), reference: String(x.reference), text: String(x.text),
          status: (x.status ?? 'not reconciled') as 'matched' | 'open' | 'not reconciled', reason: (x.reason as string | null) ?? null, matched_with: (x.matched_with as string | null) ?? null,
          resolution: x.resolved_by ? { resolved_by: String(x.resolved_by), resolved_at: String(x.resolved_at), note: String(x.note) } : null,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  // ---- historical imports (run by the CLI or the scheduler; the console follows their progress) ----
  const historyOut = z.object({
    import_id: z.number(), file_name: z.string(), total_sales: z.number(), total_lines: z.number(), next_line: z.number(), done_sales: z.number(), posted_entries: z.number(),
    status: z.enum(HISTORY_STATUSES), created_by: z.string(), created_at: z.string(), updated_at: z.string(),
    hub_run: z.boolean().describe('the hub runs it (scheduled); false: run by the CLI'),
    window: z.object({ start: z.string(), end: z.string(), time_zone: z.string() }).nullable().describe('off-peak window (wall clock in time_zone); null: any time'),
    batch_size: z.number(), yield_ms: z.number(), last_error: z.string().nullable(),
    next_window_at: z.string().nullable().describe('when the hub starts or resumes it (scheduled, window_paused)'),
    window_closes_at: z.string().nullable().describe('while it runs inside its window: when the window closes'),
  });
  const history = keyset('books-history', [{ sql: 'import_id', type: 'bigint' }], 'desc');
  app.get('/api/books/history', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Historical sales imports with their progress (sales done of total), newest first (admin, hq)', security: [{ bearer: [] }],
      querystring: z.object(pageQuery()).strict(),
      response: { 200: pageReply('imports', historyOut), ...errors },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const r = await deps.db.query<Record<string, unknown>>(
        `SELECT import_id, ${history.select} FROM history_imports WHERE ${history.after(q, req.query.cursor)} ORDER BY ${history.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = history.page(r.rows, req.query.limit);
      // The page's rows, read whole by the history module (the same import_id order).
      const first = page.rows[0];
      const jobs = first ? await listHistoryImports(deps.db, { before: Number(first.import_id) + 1, limit: page.rows.length }) : [];
      const now = deps.clock?.() ?? new Date();
      return { imports: jobs.map((j) => withWindowTimes(j, now)), next_cursor: page.next_cursor };
    },
  });

  app.post('/api/books/history', {
    config: ROLES,
    schema: {
      tags: ['books'],
      summary: 'Schedule a historical import for the hub: checked whole now, run now (no window) or only inside an off-peak window (admin, hq)',
      description: 'The file travels in the JSON body, so at most the API body limit (8 MiB); larger files: `tillstream books history import <file> --window …`.',
      security: [{ bearer: [] }],
      body: z.object({
        content: z.string().min(1).max(8_000_000).describe('the history file: our JSON Lines, or with format square-transactions a Square Dashboard Transactions CSV'),
        format: z.enum(['jsonl', SQUARE_FORMAT]).default('jsonl').describe('jsonl (default) or square-transactions (docs/books.md, "Square Transactions CSV")'),
        store_map: z.record(z.string().min(1).max(200), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)).optional().describe('square-transactions (required): Square Location → store id'),
        source_time_zone: z.string().max(64).optional().describe("square-transactions: IANA zone of every row instead of the file's Time Zone column"),
        file_name: z.string().max(500).optional(),
        window: z.string().max(40).optional().describe('HH:MM-HH:MM, e.g. 01:00-05:00; omitted: run now'),
        time_zone: z.string().max(64).optional().describe("IANA time zone of the window; default the books' time zone"),
        batch_size: z.number().int().min(1).max(MAX_BATCH).optional(),
        yield_ms: z.number().int().min(0).max(60_000).optional(),
      }).strict(),
      response: { 200: historyOut.extend({ already_imported: z.boolean() }), ...errors },
    },
    handler: async (req) =>
      books(async () => {
        const b = req.body;
        if (b.time_zone !== undefined && b.window === undefined) throw new HttpError(400, 'BAD_WINDOW', 'a time zone needs a window', 'window');
        const tz = b.time_zone ?? (await deps.charts.current(deps.db)).chart.config.time_zone;
        const window = b.window === undefined ? null : parseWindow(b.window, tz);
        if (b.format === 'jsonl' && (b.store_map !== undefined || b.source_time_zone !== undefined)) throw new HttpError(400, 'BAD_FORMAT', `store_map and source_time_zone are for format ${SQUARE_FORMAT}`, 'format');
        const storeMap = new Map(Object.entries(b.store_map ?? {}));
        if (b.format === SQUARE_FORMAT && (storeMap.size === 0 || storeMap.size > 1_000)) throw new HttpError(400, 'BAD_STORE_MAP', `format ${SQUARE_FORMAT} needs store_map (1-1000 Square locations → store ids)`, 'store_map');
        const raw = Buffer.from(b.content, 'utf8');
        const bytes = b.format === SQUARE_FORMAT ? (await convertSquareFile(deps.db, raw, { storeMap, timeZone: b.source_time_zone })).bytes : raw;
        const job = await scheduleHistoryImport(deps.db, deps.charts, { bytes, file_name: b.file_name, by: userOf(req).user_id, window, batch_size: b.batch_size, yield_ms: b.yield_ms });
        return { ...withWindowTimes(job, deps.clock?.() ?? new Date()), already_imported: job.already_imported };
      }),
  });

  app.post('/api/books/history/:import_id/resume', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: "Give a paused or failed hub import back to the scheduler: it resumes inside its next window (or at once without one) (admin, hq)", security: [{ bearer: [] }],
      params: z.object({ import_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: historyOut, ...errors },
    },
    handler: async (req) => books(async () => withWindowTimes(await resumeHistoryImport(deps.db, req.params.import_id), deps.clock?.() ?? new Date())),
  });

  app.post('/api/books/history/:import_id/pause', {
    config: ROLES,
    schema: {
      tags: ['books'], summary: 'Ask a running historical import to stop after its current batch (a hub job waiting for its window: paused at once); resume or run it again to go on (admin, hq)', security: [{ bearer: [] }],
      params: z.object({ import_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: z.object({ pause_requested: z.boolean().describe('false: the import was not running') }), ...errors },
    },
    handler: async (req) => ({ pause_requested: await requestHistoryPause(deps.db, req.params.import_id) }),
  });
};
