import { Readable } from 'node:stream';
import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import { ExportError } from '../../../core/ledger/export/common';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { rangeFacts, STREAM_FORMATS, streamLedgerExport, trialBalanceFor, type LedgerRange } from '../../ledger-stream';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';

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

export const ledgerRoutes: RouteModule = (app, deps) => {
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
      const chunks = streamLedgerExport(deps.db, deps.chart, format, r);
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
