import { z } from 'zod';
import type { RouteModule } from '../app';
import { adjustStock, stockAdjustmentSchema } from '../../stock';
import { decimalToQty } from '../../quantity';
import { trimDecimalZeros } from '../../../core/money';
import { publishChanges } from '../../socket';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { storeIdQuery, toIso } from '../schemas';
import { checkRange, keyset, listFilters, pageQuery, pageReply, sortable, SqlParams, storeFilter } from '../paging';

const qty = z.object({ units: z.number(), scale: z.number() });
const stockRow = z.object({
  sku: z.string(),
  name: z.string().nullable().describe('product name from the catalog (null: SKU not in the catalog)'),
  category: z.string().nullable(),
  on_hand: qty,
  on_hand_decimal: z.string(),
  price: z.number().nullable().describe('the store’s price in minor units'),
  currency: z.string().nullable(),
  value: z.number().nullable().describe('on hand × price, minor units rounded half away from zero (negative when oversold)'),
  in_transit_in: z.string().describe('decimal: shipped to this store by transfers still in transit ("0": none)'),
  in_transit_out: z.string().describe('decimal: shipped from this store by transfers still in transit ("0": none)'),
});
const movementRow = z.object({
  movement_id: z.number(),
  store_id: z.string(),
  sku: z.string(),
  name: z.string().nullable(),
  quantity_decimal: z.string().describe('signed: out of the store negative'),
  reason: z.string().describe('sale, refund, post_void, opening, delivery, count, adjustment, shrinkage, transfer_out, transfer_in, transfer_loss, transfer_cancel …'),
  event_id: z.string().nullable().describe('the journal event that caused it (sales, returns)'),
  transfer_id: z.number().nullable(),
  created_at: z.string(),
});

// A store's stock levels by SKU (its primary key) or by name, quantity or value. The list is
// one store's, so a sort other than SKU sorts that store's levels (bounded by the SKUs the store
// holds, docs/hub.md "Sorting"); no index on on_hand, which every sale updates. Ties by SKU.
const sku = { sql: 'l.sku', type: 'text' } as const;
const stockSort = sortable(
  'stock',
  {
    sku: [sku],
    name: [{ sql: 'lower(coalesce(p.data->>\'name\', l.sku))', type: 'text' }, sku],
    quantity: [{ sql: 'l.on_hand', type: 'numeric' }, sku],
    value: [{ sql: 'coalesce(round(l.on_hand * pr.amount), 0)', type: 'numeric' }, sku],
  },
  'sku',
  'name: case-insensitive, the SKU where the catalog has none; quantity: on hand; value: on hand × price, 0 without a price',
);
const movKs = keyset('stock-movements', [{ sql: 'm.movement_id', type: 'bigint' }], 'desc');

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
      summary: "A store's stock levels with product names, prices and values, by SKU or sorted by name, quantity or value; paged (a register may read its own store)",
      security: [{ bearer: [] }],
      querystring: z
        .object({
          ...pageQuery(200, 1000),
          store_id: storeIdQuery,
          q: z.string().min(1).max(100).optional().describe('SKU or name contains (case-insensitive)'),
          negative: z.enum(['true', 'false']).optional().describe('true: only oversold (below zero)'),
          sort: stockSort.query,
        })
        .strict(),
      response: { 200: pageReply('stock', stockRow).extend({ store_id: z.string() }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      const s = allowedStore(req.principal!, qs.store_id);
      const stockKs = stockSort.keyset(qs.sort);
      const q = new SqlParams();
      const store = q.p(s);
      const where = [`l.store_id = ${store}`, stockKs.after(q, qs.cursor)];
      if (qs.q) {
        const pat = `%${qs.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.push(`(l.sku ILIKE ${q.p(pat)} OR p.data->>'name' ILIKE $${q.values.length})`);
      }
      if (qs.negative === 'true') where.push('l.on_hand < 0');
      const { rows } = await deps.db.query<Record<string, unknown>>(
        // What is in transit is summed once for the store (its open transfers' lines, through the
        // partial indexes on either end), not once a row: a sort by name, quantity or value reads
        // every level of the store before the limit.
        `WITH tr AS (
           SELECT tl.sku, sum(tl.shipped) FILTER (WHERE t.to_store = ${store}) AS incoming, sum(tl.shipped) FILTER (WHERE t.from_store = ${store}) AS outgoing
             FROM stock_transfers t JOIN stock_transfer_lines tl ON tl.transfer_id = t.transfer_id
            WHERE t.state = 'in_transit' AND (t.to_store = ${store} OR t.from_store = ${store})
            GROUP BY tl.sku)
         SELECT l.sku, l.on_hand::text AS on_hand, p.data->>'name' AS name, p.data->>'category' AS category, pr.amount::text AS price, pr.currency,
                round(l.on_hand * pr.amount)::text AS value, coalesce(tr.incoming, 0)::text AS in_transit_in, coalesce(tr.outgoing, 0)::text AS in_transit_out, ${stockKs.select}
           FROM stock_levels l
           LEFT JOIN tr ON tr.sku = l.sku
           LEFT JOIN products p ON p.sku = l.sku
           LEFT JOIN prices pr ON pr.store_id = l.store_id AND pr.sku = l.sku
          WHERE ${where.join(' AND ')} ORDER BY ${stockKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = stockKs.page(rows, qs.limit);
      return {
        store_id: s,
        stock: page.rows.map((r) => ({
          sku: String(r.sku),
          name: (r.name as string | null) ?? null,
          category: (r.category as string | null) ?? null,
          on_hand: decimalToQty(String(r.on_hand)),
          on_hand_decimal: String(r.on_hand),
          price: r.price === null ? null : Number(r.price),
          currency: (r.currency as string | null) ?? null,
          value: r.value === null ? null : Number(r.value),
          in_transit_in: trimDecimalZeros(String(r.in_transit_in)),
          in_transit_out: trimDecimalZeros(String(r.in_transit_out)),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.get('/api/stock/movements', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'Stock movements with their source (sale, return, adjustment, transfer, count), newest first; paged, filtered by store, SKU, reason and time',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          ...pageQuery(),
          store_id: listFilters.store_id,
          from: listFilters.from,
          to: listFilters.to,
          sku: z.string().min(1).max(64).optional(),
          reason: z.string().regex(/^[a-z_]{1,32}$/).optional(),
        })
        .strict(),
      response: { 200: pageReply('movements', movementRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const where = [
        storeFilter(q, 'm.store_id', stores),
        qs.sku ? `m.sku = ${q.p(qs.sku)}` : 'TRUE',
        qs.reason ? `m.reason = ${q.p(qs.reason)}` : 'TRUE',
        qs.from ? `m.created_at >= ${q.p(qs.from)}::timestamptz` : 'TRUE',
        qs.to ? `m.created_at < ${q.p(qs.to)}::timestamptz` : 'TRUE',
        movKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT m.movement_id::text AS movement_id, m.store_id, m.sku, p.data->>'name' AS name, m.quantity::text AS quantity, m.reason,
                m.event_id::text AS event_id, m.transfer_id::text AS transfer_id, m.created_at, ${movKs.select}
           FROM stock_movements m LEFT JOIN products p ON p.sku = m.sku
          WHERE ${where.join(' AND ')} ORDER BY ${movKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = movKs.page(rows, qs.limit);
      return {
        movements: page.rows.map((r) => ({
          movement_id: Number(r.movement_id),
          store_id: String(r.store_id),
          sku: String(r.sku),
          name: (r.name as string | null) ?? null,
          quantity_decimal: String(r.quantity),
          reason: String(r.reason),
          event_id: (r.event_id as string | null) ?? null,
          transfer_id: r.transfer_id === null ? null : Number(r.transfer_id),
          created_at: toIso(r.created_at)!,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};

