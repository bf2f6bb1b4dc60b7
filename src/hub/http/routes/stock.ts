import { z } from 'zod';
import type { RouteModule } from '../app';
import { adjustStock, stockAdjustmentSchema } from '../../stock';
import { stockLevels } from '../../ledger-queries';
import { decimalToQty } from '../../quantity';
import { publishChanges } from '../../socket';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { storeIdQuery } from '../schemas';

const qty = z.object({ units: z.number(), scale: z.number() });

export const stockRoutes: RouteModule = (app, deps) => {
  app.post('/api/stock/adjustments', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'Receive or adjust stock (opening, delivery, count, adjustment, shrinkage); pushed to the store as a stock change',
      security: [{ bearer: [] }],
      body: stockAdjustmentSchema,
      response: { 201: z.object({ cursor: z.number() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      allowedStore(userOf(req), req.body.store_id);
      const change = await deps.track(deps.db.transaction((tx) => adjustStock(tx, req.body)));
      publishChanges(deps.io, [change]);
      return reply.status(201).send({ cursor: change.cursor });
    },
  });

  app.get('/api/stock', {
    config: { auth: 'any' },
    schema: {
      tags: ['stock'],
      summary: "A store's stock levels (a register may read its own store)",
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery }).strict(),
      response: {
        200: z.object({ store_id: z.string(), stock: z.array(z.object({ sku: z.string(), on_hand: qty, on_hand_decimal: z.string() })) }),
        400: errorBodySchema,
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      const s = allowedStore(req.principal!, req.query.store_id);
      const rows = await stockLevels(deps.db, s);
      return { store_id: s, stock: rows.map((r) => ({ sku: r.sku, on_hand: decimalToQty(r.on_hand), on_hand_decimal: r.on_hand })) };
    },
  });
};
