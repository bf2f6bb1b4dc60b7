import { z } from 'zod';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { storeIdSchema } from '../../../core/protocol';
import { createStore, createStoreSchema, updateStore, updateStoreSchema } from '../../stores';
import { publishChanges } from '../../socket';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { jsonObject } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';

const storeRow = z.object({
  store_id: z.string(),
  name: z.string(),
  currency: z.string(),
  groups: z.array(z.string()),
  receipt_lines: z.array(z.string()).describe('printed under the name on receipts'),
  time_zone: z.string().nullable(),
  tax: jsonObject,
  change_cursor: z.number(),
});
const storeView = storeRow.omit({ tax: true, change_cursor: true });
const ks = keyset('stores', [{ sql: 's.store_id', type: 'text' }], 'asc');

export const storeRoutes: RouteModule = (app, deps) => {
  app.post('/api/stores', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['stores'],
      summary: 'Create a store (admin, hq)',
      security: [{ bearer: [] }],
      body: createStoreSchema,
      response: { 201: z.object({ store_id: z.string() }), 400: errorBodySchema, 403: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      requireRole(userOf(req), ['admin', 'hq']);
      return reply.status(201).send(await createStore(deps.db, req.body));
    },
  });

  app.patch('/api/stores/:store_id', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['stores'],
      summary: "Edit a store (admin, hq): name, groups, receipt lines, time zone, currency (only before it has registers or sales); what its registers show is sent to them as a config change",
      security: [{ bearer: [] }],
      params: z.object({ store_id: storeIdSchema }),
      body: updateStoreSchema,
      response: {
        200: z.object({ store: storeView, change: z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() }).nullable().describe('the config change written, for GET /api/propagation') }),
        400: errorBodySchema,
        403: errorBodySchema,
        404: errorBodySchema,
        409: errorBodySchema,
      },
    },
    handler: async (req) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      const store = allowedStore(u, req.params.store_id);
      const r = await deps.track(updateStore(deps.db, store, req.body));
      if (r.change) publishChanges(deps.io, [r.change]);
      deps.log.info({ store, by: u.user_id, fields: Object.keys(req.body) }, 'store edited');
      return { store: r.store, change: r.change ? { store_id: r.change.store_id, cursor: r.change.cursor, kind: r.change.kind } : null };
    },
  });

  app.get('/api/stores', {
    config: { auth: 'user' },
    schema: {
      tags: ['stores'],
      summary: 'Stores you manage, by store id; paged, filtered by group',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(500, 1000), group: z.string().min(1).max(64).optional() }).strict(),
      response: { 200: pageReply('stores', storeRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      const stores = storeScope(userOf(req), undefined);
      const q = new SqlParams();
      const where = [storeFilter(q, 's.store_id', stores), qs.group ? `${q.p(qs.group)} = ANY(s.groups)` : 'TRUE', ks.after(q, qs.cursor)];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT s.store_id, s.name, s.currency, s.groups, s.config->'receipt_lines' AS receipt_lines, s.config->>'time_zone' AS time_zone, s.tax, s.change_cursor::text AS change_cursor, ${ks.select}
           FROM stores s WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return {
        stores: page.rows.map((r) => ({
          store_id: String(r.store_id),
          name: String(r.name),
          currency: String(r.currency),
          groups: r.groups as string[],
          receipt_lines: Array.isArray(r.receipt_lines) ? (r.receipt_lines as unknown[]).map(String) : [],
          time_zone: typeof r.time_zone === 'string' ? r.time_zone : null,
          tax: (r.tax ?? {}) as Record<string, unknown>,
          change_cursor: Number(r.change_cursor),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
