import { z } from 'zod';
import type { RouteModule } from '../app';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { storeIdQuery, text } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';

// The catalog as a store sees it: each product's name, barcodes and categories (chain-wide),
// with that store's price and stock on hand. Paged by SKU (paging.ts), so a million-product
// catalog is read a page at a time. (GET /api/stock lists what a store holds; this lists what
// the chain sells, stocked or not, with barcodes and tax categories.)

const productRow = z.object({
  sku: z.string(),
  name: z.string(),
  gtins: z.array(z.string()),
  category: z.string(),
  tax_category: z.string(),
  unit: z.string(),
  active: z.boolean(),
  price: z.object({ amount: z.number(), currency: z.string() }).nullable(),
  on_hand_decimal: z.string().nullable(),
});

const ks = keyset('products', [{ sql: 'p.sku', type: 'text' }], 'asc');

export const productRoutes: RouteModule = (app, deps) => {
  app.get('/api/products', {
    config: { auth: 'user' },
    schema: {
      tags: ['catalog'],
      summary: "Products with a store's price and stock on hand, by SKU; `q` matches SKU, name or barcode",
      security: [{ bearer: [] }],
      querystring: z
        .object({
          store_id: storeIdQuery,
          q: text(120).optional().describe('part of the SKU or name, or a barcode'),
          ...pageQuery(50, 500),
        })
        .strict(),
      response: { 200: pageReply('products', productRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const s = allowedStore(userOf(req), req.query.store_id);
      const qs = req.query;
      const search = qs.q?.trim() || null;
      const q = new SqlParams();
      const store = q.p(s);
      const where = [ks.after(q, qs.cursor)];
      if (search) {
        // LIKE wildcards typed by a person are literal.
        const like = q.p(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        const exact = q.p(search);
        where.push(`(p.sku ILIKE ${like} OR p.data->>'name' ILIKE ${like} OR p.data->'gtins' ? ${exact} OR p.data->'gtins' ? lpad(${exact}, 14, '0'))`);
      }
      const { rows } = await deps.db.query<{ sku: string; data: Record<string, unknown>; amount: string | null; currency: string | null; on_hand: string | null }>(
        `SELECT p.sku, p.data, pr.amount::text AS amount, pr.currency, l.on_hand::text AS on_hand, ${ks.select}
           FROM products p
           LEFT JOIN prices pr ON pr.store_id = ${store} AND pr.sku = p.sku
           LEFT JOIN stock_levels l ON l.store_id = ${store} AND l.sku = p.sku
          WHERE ${where.join(' AND ')}
          ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return {
        products: page.rows.map((r) => ({
          sku: r.sku,
          name: String(r.data.name ?? r.sku),
          gtins: Array.isArray(r.data.gtins) ? (r.data.gtins as string[]) : [],
          category: String(r.data.category ?? ''),
          tax_category: String(r.data.tax_category ?? ''),
          unit: String(r.data.unit ?? 'each'),
          active: r.data.active !== false,
          price: r.amount === null ? null : { amount: Number(r.amount), currency: r.currency ?? '' },
          on_hand_decimal: r.on_hand,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
