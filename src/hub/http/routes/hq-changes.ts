import { z } from 'zod';
import type { RouteModule } from '../app';
import { isChainWide, type Role } from '../../auth';
import { catalogChangeSchema, priceChangeSchema, promotionChangeSchema, submitHqChange, type HqChange } from '../../hq-changes';
import { publishChanges } from '../../socket';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';

// HQ changes (prices, promotions, catalog): applied now, or scheduled with effective_at, and
// appended to the change log of every store whose view they change.

const changeReply = z.object({
  stores: z.array(z.string()),
  scheduled: z.object({ change_id: z.number(), effective_at: z.string() }).nullable(),
  changes: z.array(z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() })),
});

export const hqChangeRoutes: RouteModule = (app, deps) => {
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
        const result = await deps.track(submitHqChange(deps.db, { kind, body } as HqChange, u.user_id));
        publishChanges(deps.io, result.changes);
        deps.log.info({ kind, stores: result.stores.length, scheduled: !!result.scheduled, by: u.user_id }, 'hq change');
        return reply.status(201).send({
          stores: result.stores,
          scheduled: result.scheduled ? { change_id: Number(result.scheduled.change_id), effective_at: result.scheduled.effective_at } : null,
          changes: result.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })),
        });
      },
    });
  route('/api/prices', 'price', priceChangeSchema, 'Set prices for all stores, a list or groups; now or at effective_at');
  route('/api/promotions', 'promotion', promotionChangeSchema, 'Create, change or withdraw promotions (core Promotion shape + active)');
  route('/api/catalog', 'catalog', catalogChangeSchema, 'Add or change products (core Product shape); chain-wide, admin and hq only', true);
};
