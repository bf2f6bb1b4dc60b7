import { z } from 'zod';
import type { RouteModule } from '../app';
import { storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { checkRange, SqlParams, storeFilter, timeBound } from '../paging';
import { storeIdSchema } from '../../../core/protocol';

// The dashboard's figures, read from sales_hourly (kept at ingest, src/hub/sales-figures.ts):
// a year of 200 stores is at most 200 × 8,760 rows per currency, grouped by the database.

const MAX_RANGE_DAYS = 400;

const figures = z.object({
  currency: z.string(),
  net_sales: z.number().describe('sales + refunds + post-voids (signed minor units)'),
  sales_total: z.number(),
  transactions: z.number().describe('completed sales'),
  average_basket: z.number().nullable().describe('sales_total / transactions, rounded; null without sales'),
  refunds_total: z.number().describe('≤ 0'),
  refunds_count: z.number(),
  voids_total: z.number().describe('post-voids, ≤ 0'),
  voids_count: z.number(),
});
type Figures = z.infer<typeof figures>;

type Agg = { currency: string; sales_total: string; sales_count: string; refunds_total: string; refunds_count: string; voids_total: string; voids_count: string };
const SUMS = `sum(sales_total)::text AS sales_total, sum(sales_count)::text AS sales_count, sum(refunds_total)::text AS refunds_total,
  sum(refunds_count)::text AS refunds_count, sum(voids_total)::text AS voids_total, sum(voids_count)::text AS voids_count`;
function toFigures(r: Agg): Figures {
  const sales = Number(r.sales_total);
  const n = Number(r.sales_count);
  const refunds = Number(r.refunds_total);
  const voids = Number(r.voids_total);
  return {
    currency: r.currency,
    net_sales: sales + refunds + voids,
    sales_total: sales,
    transactions: n,
    average_basket: n ? Math.round(sales / n) : null,
    refunds_total: refunds,
    refunds_count: Number(r.refunds_count),
    voids_total: voids,
    voids_count: Number(r.voids_count),
  };
}

export const dashboardReply = z.object({
  from: z.string(),
  to: z.string(),
  bucket: z.enum(['hour', 'day']),
  totals: z.array(figures).describe('one per currency'),
  by_store: z.array(figures.extend({ store_id: z.string() })),
  by_time: z.array(figures.extend({ at: z.string().describe('start of the hour or day (UTC)') })),
  alerts: z.object({ open: z.number(), by_kind: z.record(z.string(), z.number()) }).describe('alerts that wait for a person (not acknowledged), in scope'),
});

/** The dashboard for a store scope and range; shared with the bench. */
export async function dashboardFigures(
  db: import('../../db/db').Queryable,
  opts: { stores: string[] | null; from: string; to: string; bucket: 'hour' | 'day' },
): Promise<z.infer<typeof dashboardReply>> {
  const q = new SqlParams();
  // Whole UTC days by day read the daily figures (365 rows per store and year); anything else the hourly ones.
  const midnight = (t: string) => new Date(t).getTime() % 86_400_000 === 0;
  const daily = opts.bucket === 'day' && midnight(opts.from) && midnight(opts.to);
  const where = daily
    ? `${storeFilter(q, 'h.store_id', opts.stores)} AND h.day >= ${q.p(opts.from)}::timestamptz AT TIME ZONE 'UTC' AND h.day < ${q.p(opts.to)}::timestamptz AT TIME ZONE 'UTC'`
    : `${storeFilter(q, 'h.store_id', opts.stores)} AND h.hour >= date_trunc('hour', ${q.p(opts.from)}::timestamptz) AND h.hour < ${q.p(opts.to)}::timestamptz`;
  const trunc = daily ? `h.day::timestamp AT TIME ZONE 'UTC'` : opts.bucket === 'day' ? `date_trunc('day', h.hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'` : 'h.hour';
  const table = daily ? 'sales_daily' : 'sales_hourly';
  // One scan of the range for all three groupings (GROUPING SETS), not three.
  const { rows } = await db.query<Agg & { store_id: string | null; at: Date | null; g_store: number; g_at: number }>(
    `SELECT h.store_id, ${trunc} AS at, h.currency, grouping(h.store_id) AS g_store, grouping(${trunc}) AS g_at, ${SUMS}
       FROM ${table} h WHERE ${where}
      GROUP BY GROUPING SETS ((h.currency), (h.store_id, h.currency), (${trunc}, h.currency))
      ORDER BY 1, 2, h.currency`,
    q.values,
  );
  const totals = { rows: rows.filter((r) => Number(r.g_store) === 1 && Number(r.g_at) === 1) };
  const byStore = { rows: rows.filter((r) => Number(r.g_store) === 0) as Array<Agg & { store_id: string }> };
  const byTime = { rows: rows.filter((r) => Number(r.g_at) === 0) as Array<Agg & { at: Date }> };
  const aq = new SqlParams();
  const alerts = await db.query<{ kind: string; n: string }>(
    `SELECT a.kind, count(*)::text AS n FROM alerts a WHERE ${storeFilter(aq, 'a.store_id', opts.stores)} AND a.acknowledged_at IS NULL GROUP BY a.kind ORDER BY a.kind`,
    aq.values,
  );
  const byKind = Object.fromEntries(alerts.rows.map((r) => [r.kind, Number(r.n)]));
  return {
    from: new Date(opts.from).toISOString(),
    to: new Date(opts.to).toISOString(),
    bucket: opts.bucket,
    totals: totals.rows.map(toFigures),
    by_store: byStore.rows.map((r) => ({ store_id: r.store_id, ...toFigures(r) })),
    by_time: byTime.rows.map((r) => ({ at: new Date(r.at).toISOString(), ...toFigures(r) })),
    alerts: { open: Object.values(byKind).reduce((s, n) => s + n, 0), by_kind: byKind },
  };
}

export const dashboardRoutes: RouteModule = (app, deps) => {
  app.get('/api/dashboard', {
    config: { auth: 'user' },
    schema: {
      tags: ['dashboard'],
      summary: 'Net sales, transactions, average basket, refunds and post-voids for a period, by store and by hour or day, with open alert counts (from aggregates kept at ingest)',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          from: timeBound.optional().describe('default: today 00:00 UTC; figures are whole UTC hours, the hour containing from included'),
          to: timeBound.optional().describe('exclusive; default: from + 1 day'),
          store_id: z
            .string()
            .max(10_000)
            .transform((s) => s.split(','))
            .pipe(z.array(storeIdSchema).min(1).max(1000))
            .optional()
            .describe('stores, comma-separated; default all you manage'),
          bucket: z.enum(['hour', 'day']).default('hour'),
        })
        .strict(),
      response: { 200: dashboardReply, 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const qs = req.query;
      const from = qs.from ?? `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
      const to = qs.to ?? new Date(Date.parse(from) + 86_400_000).toISOString();
      checkRange(from, to);
      if (Date.parse(to) - Date.parse(from) > MAX_RANGE_DAYS * 86_400_000) throw new HttpError(400, 'BAD_RANGE', `a dashboard covers at most ${MAX_RANGE_DAYS} days`, 'to');
      let stores = storeScope(u, undefined);
      if (qs.store_id) {
        for (const s of qs.store_id) storeScope(u, s); // 403 for a store not managed
        stores = qs.store_id;
      }
      return dashboardFigures(deps.db, { stores, from, to, bucket: qs.bucket });
    },
  });
};
