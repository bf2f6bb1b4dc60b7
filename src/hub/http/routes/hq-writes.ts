import { z } from 'zod';
import { storeIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { isChainWide } from '../../auth';
import { submitHqChange, taxChangeSchema } from '../../hq-changes';
import { ImportFileError, planPriceImport } from '../../price-import';
import { targetSchema } from '../../stores';
import { publishChanges } from '../../socket';
import { allowedStore, userOf, type UserPrincipal } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { jsonObject, toIso } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';

// Writes of the HQ console beyond single price/promotion/catalog posts: a price book import
// from CSV (preview, then apply the good rows), scheduled changes (list, cancel), a store's
// tax table (versioned, sent to its registers like a price).

const changeRefs = z.array(z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() }));
const resultSchema = z.object({
  stores: z.array(z.string()),
  scheduled: z.object({ change_id: z.number(), effective_at: z.string() }).nullable(),
  changes: changeRefs.describe('store:cursor of each change-log entry written (for GET /api/propagation)'),
});

/** A store manager may only aim at their own stores, named one by one. */
function checkTarget(u: UserPrincipal, target: z.infer<typeof targetSchema>): void {
  if (isChainWide(u)) return;
  const ids = (target as { store_ids?: string[] }).store_ids;
  if (!ids || !ids.every((s) => u.store_ids.includes(s))) throw new HttpError(403, 'FORBIDDEN', 'a store manager may target only their own stores (target.store_ids)', 'target');
}

const importBody = z
  .object({
    target: targetSchema,
    csv: z.string().min(1).max(4 * 1024 * 1024).describe('the CSV text: header row with sku and price (decimal) or amount (minor units), optional currency'),
    dry_run: z.boolean().default(true).describe('true (default): only the preview; false: apply the good rows'),
    effective_at: z.iso.datetime({ offset: true }).optional(),
    reason: z.string().max(200).optional(),
  })
  .strict();
const importReply = z.object({
  dry_run: z.boolean(),
  currency: z.string(),
  stores: z.array(z.string()),
  rows: z.number().describe('data rows in the file'),
  items: z.array(
    z.object({
      line: z.number(),
      sku: z.string(),
      name: z.string().nullable(),
      amount: z.number(),
      previous_min: z.number().nullable(),
      previous_max: z.number().nullable(),
      stores_changed: z.number().describe('target stores whose price this changes'),
    }),
  ),
  rejected: z.array(z.object({ line: z.number(), sku: z.string().nullable(), code: z.string(), message: z.string() })),
  result: resultSchema.nullable().describe('null for a dry run or when no row is good'),
});

const scheduledRow = z.object({
  change_id: z.number(),
  kind: z.string(),
  target: jsonObject,
  items: z.number().describe('prices, promotions or products in it'),
  effective_at: z.string(),
  created_by: z.string().nullable(),
  created_at: z.string(),
  state: z.enum(['pending', 'published', 'canceled']),
  published_at: z.string().nullable(),
  canceled_at: z.string().nullable(),
  canceled_by: z.string().nullable(),
  promotions: z
    .array(z.object({ promotion_id: z.string(), name: z.string(), kind: z.string(), active: z.boolean(), skus: z.array(z.string()), categories: z.array(z.string()) }))
    .nullable()
    .describe('for a promotion change, its first 10 promotions (id, name, kind, active, targeted SKUs and categories); null otherwise'),
});
const toScheduled = (r: Record<string, unknown>): z.infer<typeof scheduledRow> => ({
  change_id: Number(r.change_id),
  kind: String(r.kind),
  target: r.target as Record<string, unknown>,
  items: Number(r.items ?? 0),
  effective_at: toIso(r.effective_at)!,
  created_by: (r.created_by as string | null) ?? null,
  created_at: toIso(r.created_at)!,
  state: r.published_at ? 'published' : r.canceled_at ? 'canceled' : 'pending',
  published_at: toIso(r.published_at),
  canceled_at: toIso(r.canceled_at),
  canceled_by: (r.canceled_by as string | null) ?? null,
  promotions: Array.isArray(r.promotions)
    ? (r.promotions as Array<Record<string, unknown>>).map((p) => {
        const target = (p.target ?? {}) as { skus?: unknown; categories?: unknown };
        return {
          promotion_id: String(p.promotion_id ?? ''),
          name: String(p.name ?? ''),
          kind: String(p.kind ?? ''),
          active: p.active !== false,
          skus: Array.isArray(target.skus) ? target.skus.slice(0, 20).map(String) : [],
          categories: Array.isArray(target.categories) ? target.categories.slice(0, 20).map(String) : [],
        };
      })
    : null,
});
const SCHEDULED_COLUMNS = `change_id::text AS change_id, kind, target, effective_at, created_by, created_at, published_at, canceled_at, canceled_by,
  coalesce(jsonb_array_length(coalesce(payload->'prices', payload->'promotions', payload->'products')), 1) AS items,
  CASE WHEN kind = 'promotion' THEN (SELECT jsonb_agg(e.value ORDER BY e.ordinality) FROM jsonb_array_elements(payload->'promotions') WITH ORDINALITY e WHERE e.ordinality <= 10) END AS promotions`;
const schedKs = keyset('scheduled-changes', [{ sql: 'change_id', type: 'bigint' }], 'desc');

export const hqWriteRoutes: RouteModule = (app, deps) => {
  app.post('/api/prices/import', {
    config: { auth: 'user' },
    schema: {
      tags: ['changes'],
      summary: 'Import a price book from CSV: every row checked, bad rows listed with line and reason and skipped; dry_run (default) previews, dry_run=false applies the good rows now or at effective_at',
      security: [{ bearer: [] }],
      body: importBody,
      response: { 200: importReply, 201: importReply, 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      const b = req.body;
      checkTarget(u, b.target);
      let plan;
      try {
        plan = await planPriceImport(deps.db, b.csv, b.target);
      } catch (err) {
        if (err instanceof ImportFileError) throw new HttpError(400, err.code, err.message, 'csv');
        throw err;
      }
      let result: z.infer<typeof resultSchema> | null = null;
      if (!b.dry_run && plan.items.length > 0) {
        const r = await deps.track(
          submitHqChange(
            deps.db,
            { kind: 'price', body: { target: { store_ids: plan.stores }, prices: plan.items.map((i) => ({ sku: i.sku, amount: i.amount })), effective_at: b.effective_at, reason: b.reason ?? 'price book import' } },
            u.user_id,
            { publish: (c) => publishChanges(deps.io, c) },
          ),
        );
        deps.log.info({ items: plan.items.length, rejected: plan.rejected.length, stores: plan.stores.length, by: u.user_id }, 'price import');
        result = {
          stores: r.stores,
          scheduled: r.scheduled ? { change_id: Number(r.scheduled.change_id), effective_at: r.scheduled.effective_at } : null,
          changes: r.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
        };
      }
      return reply.status(result ? 201 : 200).send({ dry_run: b.dry_run, ...plan, result });
    },
  });

  app.put('/api/stores/:store_id/tax', {
    config: { auth: 'user' },
    schema: {
      tags: ['stores'],
      summary: "Replace a store's tax table (core tax table shape), now or at effective_at: versioned, and sent to the store's registers as a tax change",
      security: [{ bearer: [] }],
      params: z.object({ store_id: storeIdSchema }),
      body: taxChangeSchema.omit({ target: true }).strict(),
      response: { 201: resultSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      const store = allowedStore(u, req.params.store_id);
      const r = await deps.track(submitHqChange(deps.db, { kind: 'tax', body: { ...req.body, target: { store_ids: [store] } } }, u.user_id, { publish: (c) => publishChanges(deps.io, c) }));
      return reply.status(201).send({
        stores: r.stores,
        scheduled: r.scheduled ? { change_id: Number(r.scheduled.change_id), effective_at: r.scheduled.effective_at } : null,
        changes: r.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
      });
    },
  });

  app.get('/api/stores/:store_id/tax/versions', {
    config: { auth: 'user' },
    schema: {
      tags: ['stores'],
      summary: "A store's tax table versions, newest first; paged",
      security: [{ bearer: [] }],
      params: z.object({ store_id: storeIdSchema }),
      querystring: z.object({ ...pageQuery() }).strict(),
      response: { 200: pageReply('versions', z.object({ version: z.number(), tax: jsonObject, created_by: z.string().nullable(), created_at: z.string() })), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const store = allowedStore(userOf(req), req.params.store_id);
      const ks = keyset(`tax-versions:${store}`, [{ sql: 'version', type: 'bigint' }], 'desc');
      const q = new SqlParams();
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT version, tax, created_by, created_at, ${ks.select} FROM store_tax_versions WHERE store_id = ${q.p(store)} AND ${ks.after(q, req.query.cursor)}
          ORDER BY ${ks.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, req.query.limit);
      return {
        versions: page.rows.map((r) => ({ version: Number(r.version), tax: r.tax as Record<string, unknown>, created_by: (r.created_by as string | null) ?? null, created_at: toIso(r.created_at)! })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.get('/api/scheduled-changes', {
    config: { auth: 'user' },
    schema: {
      tags: ['changes'],
      summary: 'Scheduled changes (prices, promotions, catalog, tax), newest first; paged, filtered by state and kind',
      security: [{ bearer: [] }],
      querystring: z
        .object({ ...pageQuery(), state: z.enum(['pending', 'published', 'canceled', 'all']).default('all'), kind: z.enum(['price', 'promotion', 'catalog', 'tax']).optional() })
        .strict(),
      response: { 200: pageReply('scheduled', scheduledRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const qs = req.query;
      const q = new SqlParams();
      const where = [
        qs.state === 'pending' ? 'published_at IS NULL AND canceled_at IS NULL' : qs.state === 'published' ? 'published_at IS NOT NULL' : qs.state === 'canceled' ? 'canceled_at IS NOT NULL' : 'TRUE',
        qs.kind ? `kind = ${q.p(qs.kind)}` : 'TRUE',
        // A store manager sees the changes aimed at their stores only.
        isChainWide(u) ? 'TRUE' : `(target ? 'store_ids' AND (SELECT bool_and(s = ANY(${q.p(u.store_ids)}::text[])) FROM jsonb_array_elements_text(target->'store_ids') s))`,
        schedKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${SCHEDULED_COLUMNS}, ${schedKs.select} FROM scheduled_changes WHERE ${where.join(' AND ')} ORDER BY ${schedKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = schedKs.page(rows, qs.limit);
      return { scheduled: page.rows.map(toScheduled), next_cursor: page.next_cursor };
    },
  });

  app.post('/api/scheduled-changes/:change_id/cancel', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['changes'],
      summary: 'Cancel a scheduled change before it is published (409 ALREADY_PUBLISHED / ALREADY_CANCELED after)',
      security: [{ bearer: [] }],
      params: z.object({ change_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: scheduledRow, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const id = req.params.change_id;
      const found = await deps.db.query<{ target: { store_ids?: string[] }; created_by: string | null }>(`SELECT target, created_by FROM scheduled_changes WHERE change_id = $1`, [id]);
      const row = found.rows[0];
      if (!row) throw new HttpError(404, 'NOT_FOUND', `no scheduled change ${id}`, 'change_id');
      if (!isChainWide(u) && !(row.target.store_ids ?? ['*']).every((s) => u.store_ids.includes(s))) {
        throw new HttpError(403, 'FORBIDDEN', 'this change targets stores you do not manage', 'change_id');
      }
      // The scheduler claims a due row FOR UPDATE: this waits for it and then sees it published.
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `UPDATE scheduled_changes SET canceled_at = now(), canceled_by = $2 WHERE change_id = $1 AND published_at IS NULL AND canceled_at IS NULL RETURNING ${SCHEDULED_COLUMNS}`,
        [id, u.user_id],
      );
      if (!rows[0]) {
        const now = await deps.db.query<{ published_at: Date | null }>(`SELECT published_at FROM scheduled_changes WHERE change_id = $1`, [id]);
        if (now.rows[0]?.published_at) throw new HttpError(409, 'ALREADY_PUBLISHED', `scheduled change ${id} was published at ${toIso(now.rows[0].published_at)}`, 'change_id');
        throw new HttpError(409, 'ALREADY_CANCELED', `scheduled change ${id} is already cancelled`, 'change_id');
      }
      deps.log.info({ change_id: id, by: u.user_id }, 'scheduled change cancelled');
      return toScheduled(rows[0]);
    },
  });
};
