import { z } from 'zod';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { createStore, createStoreSchema } from '../../stores';
import { storeScope, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { jsonObject } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';

const storeRow = z.object({ store_id: z.string(), name: z.string(), currency: z.string(), groups: z.array(z.string()), tax: jsonObject, change_cursor: z.number() });
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
        `SELECT s.store_id, s.name, s.currency, s.groups, s.tax, s.change_cursor::text AS change_cursor, ${ks.select}
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
          tax: (r.tax ?? {}) as Record<string, unknown>,
          change_cursor: Number(r.change_cursor),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
