import { Readable } from 'node:stream';
import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import { ExportError } from '../../../core/ledger/export/common';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { rangeFacts, STREAM_FORMATS, streamLedgerExport, trialBalanceFor, type LedgerRange } from '../../ledger-stream';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';
import { accountCodeSchema } from '../../../core/ledger/chart';

// The books over HTTP while the hub runs (PGlite included: same process, same database):
// the trial balance for a date range and store set (an aggregate, one row per account and
// currency) and exports streamed a page of entries at a time (src/hub/ledger-stream.ts).

const tbRow = z.object({ account: z.string(), currency: z.string(), debit: z.number(), credit: z.number() });
const date = z.iso.date().describe('YYYY-MM-DD (accounting date, inclusive)');
const range = {
  from: date.optional(),
  to: date.optional(),
  store_id: z
    .string()
    .max(10_000)
    .transform((s) => s.split(','))
    .pipe(z.array(storeIdSchema).min(1).max(1000))
    .optional()
    .describe('stores, comma-separated; default every entry (books entries without a store included)'),
};
function toRange(q: { from?: string; to?: string; store_id?: string[] }): LedgerRange {
  if (q.from && q.to && q.from > q.to) throw new HttpError(400, 'BAD_RANGE', `from (${q.from}) must not be after to (${q.to})`, 'from');
  return { from: q.from, to: q.to, stores: q.store_id ?? null };
}

const CONTENT: Record<(typeof STREAM_FORMATS)[number], { type: string; ext: string }> = {
  hledger: { type: 'text/plain; charset=utf-8', ext: 'journal' },
  beancount: { type: 'text/plain; charset=utf-8', ext: 'beancount' },
  'quickbooks-csv': { type: 'text/csv; charset=utf-8', ext: 'csv' },
};

const entryOut = z.object({
  entry_id: z.string(),
  date: z.string(),
  memo: z.string(),
  store_id: z.string().nullable(),
  terminal_id: z.string().nullable(),
  event_id: z.string().nullable().describe('the journal event it posts (open it with GET /api/sales/:event_id); null for entries books added'),
  event_type: z.string(),
  reverses: z.string().nullable(),
  adjusts: z.string().nullable(),
  posted_at: z.string(),
  lines: z.array(tbRow.extend({ line_no: z.number() })),
});
// Newest accounting date first; entry ids break ties (the ledger_entries_date_idx range scan).
const ENTRY_KEYS = keyset('ledger-entries', [{ sql: 'e.date', type: 'date' }, { sql: 'e.entry_id', type: 'text' }], 'desc');

export const ledgerRoutes: RouteModule = (app, deps) => {
  app.get('/api/ledger/entries', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['ledger'],
      summary: 'Ledger entries with their lines, newest accounting date first, for a date range, store set and account (admin, hq)',
      security: [{ bearer: [] }],
      querystring: z.object({ ...range, account: accountCodeSchema.optional().describe('only entries with a line on this account code'), ...pageQuery() }).strict(),
      response: { 200: pageReply('entries', entryOut), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      requireRole(userOf(req), ['admin', 'hq']);
      const r = toRange(req.query);
      const q = new SqlParams();
      const where = [
        r.from ? `e.date >= ${q.p(r.from)}::date` : 'TRUE',
        r.to ? `e.date <= ${q.p(r.to)}::date` : 'TRUE',
        r.stores ? `e.store_id = ANY(${q.p(r.stores)}::text[])` : 'TRUE',
        req.query.account ? `EXISTS (SELECT 1 FROM ledger_lines a WHERE a.entry_id = e.entry_id AND a.account = ${q.p(req.query.account)})` : 'TRUE',
        ENTRY_KEYS.after(q, req.query.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT e.entry_id, to_char(e.date, 'YYYY-MM-DD') AS date, e.memo, e.store_id, e.terminal_id, e.event_id::text AS event_id, e.event_type, e.reverses, e.adjusts,
                to_char(e.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS posted_at, ${ENTRY_KEYS.select}
           FROM ledger_entries e WHERE ${where.join(' AND ')} ORDER BY ${ENTRY_KEYS.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = ENTRY_KEYS.page(rows, req.query.limit);
      const ids = page.rows.map((x) => String(x.entry_id));
      const lines = ids.length
        ? (
            await deps.db.query<{ entry_id: string; line_no: number; account: string; currency: string; debit: string; credit: string }>(
              `SELECT entry_id, line_no, account, currency, debit::text AS debit, credit::text AS credit FROM ledger_lines WHERE entry_id = ANY($1::text[]) ORDER BY entry_id, line_no`,
              [ids],
            )
          ).rows
        : [];
      const byEntry = new Map<string, Array<z.infer<typeof entryOut>['lines'][number]>>();
      for (const l of lines) {
        const list = byEntry.get(l.entry_id) ?? [];
        list.push({ line_no: Number(l.line_no), account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit) });
        byEntry.set(l.entry_id, list);
      }
      return {
        entries: page.rows.map((x) => ({
          entry_id: String(x.entry_id), date: String(x.date), memo: String(x.memo), store_id: (x.store_id as string | null) ?? null, terminal_id: (x.terminal_id as string | null) ?? null,
          event_id: (x.event_id as string | null) ?? null, event_type: String(x.event_type), reverses: (x.reverses as string | null) ?? null, adjusts: (x.adjusts as string | null) ?? null,
          posted_at: String(x.posted_at), lines: byEntry.get(String(x.entry_id)) ?? [],
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.get('/api/ledger/trial-balance', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['ledger'],
      summary: 'Debit and credit totals per account and currency for a date range and store set (admin, hq)',
      security: [{ bearer: [] }],
      querystring: z.object(range).strict(),
      response: {
        200: z.object({ rows: z.array(tbRow), balanced: z.boolean(), totals: z.record(z.string(), z.object({ debit: z.number(), credit: z.number() })) }),
        400: errorBodySchema,
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      requireRole(userOf(req), ['admin', 'hq']);
      return trialBalanceFor(deps.db, toRange(req.query));
    },
  });

  app.get('/api/ledger/export', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['ledger'],
      summary: 'Ledger entries for accounting software (hledger, Beancount, QuickBooks CSV) for a date range and store set, streamed while the hub runs (admin, hq)',
      security: [{ bearer: [] }],
      querystring: z.object({ format: z.enum(STREAM_FORMATS), ...range }).strict(),
      response: {
        200: { description: 'the export file, streamed', content: { 'text/plain': { schema: z.string() }, 'text/csv': { schema: z.string() } } },
        400: errorBodySchema,
        403: errorBodySchema,
      },
    },
    handler: async (req, reply) => {
      requireRole(userOf(req), ['admin', 'hq']);
      const r = toRange(req.query);
      const format = req.query.format;
      if (format === 'quickbooks-csv') {
        const facts = await rangeFacts(deps.db, r);
        if (facts.currencies.length > 1) throw new HttpError(400, 'MIXED_CURRENCY', `entries are in ${facts.currencies.join(', ')}; export one store set with one currency for QuickBooks`, 'store_id');
      }
      const { chart } = await deps.charts.current(deps.db);
      const chunks = streamLedgerExport(deps.db, chart, format, r);
      // The first page is rendered before the status is sent, so a refusal is still an error body.
      let first: IteratorResult<string>;
      try {
        first = await chunks.next();
      } catch (err) {
        if (err instanceof ExportError) throw new HttpError(400, 'EXPORT_REFUSED', err.message);
        throw err;
      }
      async function* all() {
        if (!first.done) yield first.value;
        yield* chunks;
      }
      const name = `tillstream-${r.from ?? 'start'}-${r.to ?? 'now'}.${CONTENT[format].ext}`;
      reply.header('content-type', CONTENT[format].type).header('content-disposition', `attachment; filename="${name}"`);
      return reply.send(Readable.from(all()) as never);
    },
  });
};
