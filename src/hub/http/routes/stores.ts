import { z } from 'zod';
import type { RouteModule } from '../app';
import { canManageStore, requireRole } from '../../auth';
import { createStore, createStoreSchema } from '../../stores';
import { userOf } from '../auth';
import { errorBodySchema } from '../errors';

const storeRow = z.object({ store_id: z.string(), name: z.string(), currency: z.string(), groups: z.array(z.string()), change_cursor: z.number() });

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
    schema: { tags: ['stores'], summary: 'Stores you manage', security: [{ bearer: [] }], response: { 200: z.object({ stores: z.array(storeRow) }), 403: errorBodySchema } },
    handler: async (req) => {
      const u = userOf(req);
      const { rows } = await deps.db.query<z.infer<typeof storeRow>>(`SELECT store_id, name, currency, groups, change_cursor FROM stores ORDER BY store_id`);
      return { stores: rows.filter((r) => canManageStore(u, r.store_id)).map((r) => ({ ...r, change_cursor: Number(r.change_cursor) })) };
    },
  });
};
