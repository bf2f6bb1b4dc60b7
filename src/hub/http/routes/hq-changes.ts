import { z } from 'zod';
import type { RouteModule } from '../app';
import { isChainWide, type Role } from '../../auth';
import { catalogChangeSchema, priceChangeSchema, promotionChangeSchema, submitHqChange, type HqChange } from '../../hq-changes';
import { publishChanges } from '../../socket';
import { storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { jsonObject, storeIdQuery, toIso } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';

// HQ changes (prices, promotions, catalog): applied now, or scheduled with effective_at, and
// appended to the change log of every store whose view they change.

const changeReply = z.object({
  stores: z.array(z.string()),
  scheduled: z.object({ change_id: z.number(), effective_at: z.string() }).nullable(),
  changes: z.array(z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() })),
});

const promotionRow = z.object({
  promotion_id: z.string(),
  promotion: jsonObject.describe('the promotion as last sent (core Promotion shape + active)'),
  stores: z.array(z.object({ store_id: z.string(), active: z.boolean() })).describe('each store that holds it, and whether it runs there (false: withdrawn)'),
  updated_at: z.string(),
});
const promoKs = keyset('promotions', [{ sql: 'promotion_id', type: 'text' }], 'asc');

export const hqChangeRoutes: RouteModule = (app, deps) => {
  app.get('/api/promotions', {
    config: { auth: 'user' },
    schema: {
      tags: ['changes'],
      summary: "Promotions the hub holds, by id, with the stores that hold each and whether it runs there; `store_id` narrows to one store (a store manager sees their stores'); paged",
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery.optional(), ...pageQuery(50, 200) }).strict(),
      response: { 200: pageReply('promotions', promotionRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const scope = storeScope(userOf(req), req.query.store_id);
      const q = new SqlParams();
      const where = [storeFilter(q, 'store_id', scope), promoKs.after(q, req.query.cursor)];
      const { rows } = await deps.db.query<{ promotion_id: string; data: Record<string, unknown>; stores: Array<{ store_id: string; active: boolean }>; updated_at: Date }>(
        `SELECT promotion_id, (array_agg(data ORDER BY updated_at DESC, store_id))[1] AS data,
                jsonb_agg(jsonb_build_object('store_id', store_id, 'active', active) ORDER BY store_id) AS stores, max(updated_at) AS updated_at, ${promoKs.select}
           FROM promotions WHERE ${where.join(' AND ')}
          GROUP BY promotion_id ORDER BY ${promoKs.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = promoKs.page(rows, req.query.limit);
      return {
        promotions: page.rows.map((r) => ({ promotion_id: r.promotion_id, promotion: r.data, stores: r.stores, updated_at: toIso(r.updated_at)! })),
        next_cursor: page.next_cursor,
      };
    },
  });
  const route = <S extends z.ZodType>(url: string, kind: HqChange['kind'], schema: S, summary: string, chainWideOnly = false) =>
    app.post(url, {
      config: { auth: 'user', ...(chainWideOnly ? { roles: ['admin', 'hq'] as Role[] } : {}) },
      schema: {
        tags: ['changes'],
        summary,
        security: [{ bearer: [] }],
        body: schema,
        response: { 201: changeReply, 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
      },
      handler: async (req, reply) => {
        const u = userOf(req);
        const body = req.body as HqChange['body'];
        if (!isChainWide(u)) {
          // A store manager may change only their own stores, named explicitly.
          const t = body.target as { store_ids?: string[] };
          if (!t.store_ids || !t.store_ids.every((s) => u.store_ids.includes(s))) {
            throw new HttpError(403, 'FORBIDDEN', 'a store manager may target only their own stores (target.store_ids)', 'target');
          }
        }
        // Pushed as each store commits (a price change store by store: hq-changes.ts). A price
        // change that fails part-way answers the failing store's error with applied_stores,
        // not_applied_stores and the applied changes beside it (errors.ts).
        const result = await deps.track(submitHqChange(deps.db, { kind, body } as HqChange, u.user_id, { publish: (c) => publishChanges(deps.io, c) }));
        deps.log.info({ kind, stores: result.stores.length, scheduled: !!result.scheduled, by: u.user_id }, 'hq change');
        return reply.status(201).send({
          stores: result.stores,
          scheduled: result.scheduled ? { change_id: Number(result.scheduled.change_id), effective_at: result.scheduled.effective_at } : null,
          changes: result.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
        });
      },
    });
  route(
    '/api/prices',
    'price',
    priceChangeSchema,
    "Set prices for all stores, a list or groups; now or at effective_at. Applied now, it commits and is pushed store by store (sorted by id): if a store fails, the answer is that store's error with `applied_stores` (they keep the new prices), `not_applied_stores` (unchanged; post again for them) and `changes` beside `error`",
  );
  route('/api/promotions', 'promotion', promotionChangeSchema, 'Create, change or withdraw promotions (core Promotion shape + active)');
  route('/api/catalog', 'catalog', catalogChangeSchema, 'Add or change products (core Product shape); chain-wide, admin and hq only', true);
};
