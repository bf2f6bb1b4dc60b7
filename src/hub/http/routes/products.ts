import { z } from 'zod';
import type { RouteModule } from '../app';
import { requireRole } from '../../auth';
import { editProduct, productEditSchema } from '../../product-edit';
import { publishChanges } from '../../socket';
import { idSchema } from '../../../core/events/common';
import { allowedStore, userOf } from '../auth';
import { errorBodySchema } from '../errors';
import { jsonObject, storeIdQuery, text, toIso } from '../schemas';
import { keyset, pageQuery, pageReply, sortable, SqlParams } from '../paging';

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
  version: z.number().describe('the catalog entry\'s latest version (product_versions; 0 before the first recorded change)'),
});
const versionKs = keyset('product-versions', [{ sql: 'version', type: 'bigint' }], 'desc');

// The catalog by SKU (its key) or by name (products_name_sort_idx, migration 027). Not by price:
// a price is the store's, and products without one in that store would have to be merged in,
// so no index serves it; the Stock page sorts a store's goods by value instead.
const productSort = sortable(
  'products',
  { sku: [{ sql: 'p.sku', type: 'text' }], name: [{ sql: "lower(coalesce(p.data->>'name', p.sku))", type: 'text' }, { sql: 'p.sku', type: 'text' }] },
  'sku',
  'name: case-insensitive',
);

export const productRoutes: RouteModule = (app, deps) => {
  app.get('/api/products', {
    config: { auth: 'user' },
    schema: {
      tags: ['catalog'],
      summary: "Products with a store's price and stock on hand, by SKU or name; `q` matches SKU, name or barcode",
      security: [{ bearer: [] }],
      querystring: z
        .object({
          store_id: storeIdQuery,
          q: text(120).optional().describe('part of the SKU or name, or a barcode'),
          sort: productSort.query,
          ...pageQuery(50, 500),
        })
        .strict(),
      response: { 200: pageReply('products', productRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const s = allowedStore(userOf(req), req.query.store_id);
      const qs = req.query;
      const ks = productSort.keyset(qs.sort);
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
      const { rows } = await deps.db.query<{ sku: string; data: Record<string, unknown>; amount: string | null; currency: string | null; on_hand: string | null; version: number }>(
        `SELECT p.sku, p.data, pr.amount::text AS amount, pr.currency, l.on_hand::text AS on_hand,
                coalesce((SELECT max(v.version) FROM product_versions v WHERE v.sku = p.sku), 0) AS version, ${ks.select}
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
          version: Number(r.version),
        })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.patch('/api/products/:sku', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['catalog'],
      summary:
        "Edit one product (admin, hq): name, category, tax category, barcodes (GTINs, check digit verified), active, and its price for all stores, a list or groups; a new version, a catalog change to every store and a price change to the target stores, in one transaction",
      security: [{ bearer: [] }],
      params: z.object({ sku: idSchema }),
      body: productEditSchema,
      response: {
        200: z.object({
          product: jsonObject.describe('the catalog entry as saved (core Product)'),
          version: z.number(),
          stores: z.array(z.string()),
          changes: z.array(z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() })).describe('store:cursor of each change written, for GET /api/propagation'),
        }),
        400: errorBodySchema,
        403: errorBodySchema,
        404: errorBodySchema,
        409: errorBodySchema,
      },
    },
    handler: async (req) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      const r = await deps.track(editProduct(deps.db, req.params.sku, req.body, u.user_id));
      publishChanges(deps.io, r.changes);
      deps.log.info({ sku: req.params.sku, version: r.version, stores: r.stores.length, by: u.user_id }, 'product edited');
      return { product: r.product as Record<string, unknown>, version: r.version, stores: r.stores, changes: r.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })) };
    },
  });

  app.get('/api/products/:sku/versions', {
    config: { auth: 'user' },
    schema: {
      tags: ['catalog'],
      summary: "A product's catalog versions, newest first; paged",
      security: [{ bearer: [] }],
      params: z.object({ sku: idSchema }),
      querystring: z.object({ ...pageQuery(50, 200) }).strict(),
      response: { 200: pageReply('versions', z.object({ version: z.number(), data: jsonObject, created_by: z.string().nullable(), created_at: z.string() })), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const q = new SqlParams();
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT version, data, created_by, created_at, ${versionKs.select} FROM product_versions
          WHERE sku = ${q.p(req.params.sku)} AND ${versionKs.after(q, req.query.cursor)} ORDER BY ${versionKs.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = versionKs.page(rows, req.query.limit);
      return {
        versions: page.rows.map((r) => ({ version: Number(r.version), data: r.data as Record<string, unknown>, created_by: (r.created_by as string | null) ?? null, created_at: toIso(r.created_at)! })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
