import { z } from 'zod';
import type { RouteModule } from '../app';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { jsonObject, limitQuery, storeIdQuery, toIso } from '../schemas';

// What happened: sales and other journal events as received, alerts, rejected events.

const alertRow = z.object({
  alert_id: z.number(),
  kind: z.string(),
  store_id: z.string(),
  terminal_id: z.string().nullable(),
  message: z.string(),
  data: jsonObject,
  created_at: z.string(),
});
const saleRow = z.object({
  store_id: z.string(),
  terminal_id: z.string(),
  seq: z.number(),
  type: z.string(),
  occurred_at: z.string(),
  total: z.number().nullable(),
  currency: z.string().nullable(),
});
const rejectionRow = z.object({ terminal_id: z.string(), seq: z.number(), event_id: z.string().nullable(), code: z.string(), reason: z.string(), created_at: z.string() });

export const eventRoutes: RouteModule = (app, deps) => {
  app.get('/api/alerts', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Alerts (oversell, rejected events, tamper, lockouts), newest first',
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery.optional(), limit: limitQuery() }).strict(),
      response: { 200: z.object({ alerts: z.array(alertRow) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const stores = storeScope(userOf(req), req.query.store_id);
      const { rows } = await deps.db.query<z.infer<typeof alertRow> & { created_at: Date }>(
        `SELECT alert_id, kind, store_id, terminal_id, message, data, created_at FROM alerts
          WHERE ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY alert_id DESC LIMIT $2`,
        [stores, req.query.limit],
      );
      return { alerts: rows.map((r) => ({ ...r, alert_id: Number(r.alert_id), created_at: toIso(r.created_at)! })) };
    },
  });

  app.get('/api/sales', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Journal events as received, newest first, with their total',
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery.optional(), limit: limitQuery() }).strict(),
      response: { 200: z.object({ events: z.array(saleRow) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const stores = storeScope(userOf(req), req.query.store_id);
      const { rows } = await deps.db.query<z.infer<typeof saleRow> & { occurred_at: Date }>(
        `SELECT store_id, terminal_id, seq, type, occurred_at, (payload->'totals'->>'total')::bigint AS total, payload->>'currency' AS currency
           FROM journal_events WHERE ($1::text[] IS NULL OR store_id = ANY($1)) ORDER BY received_at DESC, seq DESC LIMIT $2`,
        [stores, req.query.limit],
      );
      return { events: rows.map((r) => ({ ...r, seq: Number(r.seq), occurred_at: toIso(r.occurred_at)!, total: r.total === null ? null : Number(r.total) })) };
    },
  });

  app.get('/api/rejections', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: "A store's rejected journal events, newest first",
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: storeIdQuery, limit: limitQuery() }).strict(),
      response: { 200: z.object({ rejections: z.array(rejectionRow) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const s = allowedStore(userOf(req), req.query.store_id);
      const { rows } = await deps.db.query<z.infer<typeof rejectionRow> & { created_at: Date }>(
        `SELECT r.terminal_id, r.seq, r.event_id, r.code, r.reason, r.created_at FROM event_rejections r
           JOIN terminals t ON t.terminal_id = r.terminal_id WHERE t.store_id = $1 ORDER BY r.created_at DESC LIMIT $2`,
        [s, req.query.limit],
      );
      return { rejections: rows.map((r) => ({ ...r, seq: Number(r.seq), event_id: r.event_id === null ? null : String(r.event_id), created_at: toIso(r.created_at)! })) };
    },
  });
};
