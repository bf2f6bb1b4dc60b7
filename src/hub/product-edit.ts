import { z } from 'zod';
import type { StoreChange } from '../core/protocol';
import { productSchema, type Product } from '../core/catalog';
import { isValidGtin } from '../core/barcode';
import { idSchema } from '../core/events/common';
import type { Db } from './db/db';
import { AuthError } from './auth';
import { applyHqChange } from './hq-changes';
import { targetSchema } from './stores';

// One product edited from the HQ console: its catalog fields (chain-wide, a 'catalog' change to
// every store, a new row in product_versions) and, optionally, its price for a set of stores
// (a 'price' change to those stores), in one transaction. Barcodes must be GTINs with a valid
// check digit (core/barcode) and may not be on another product already.

export const productEditSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    category: idSchema.optional(),
    tax_category: idSchema.optional(),
    gtins: z
      .array(
        z
          .string()
          .regex(/^\d{8}$|^\d{12,14}$/, 'a barcode is 8, 12, 13 or 14 digits')
          .refine(isValidGtin, 'the check digit does not match (GS1 mod 10)'),
      )
      .max(32)
      .optional(),
    active: z.boolean().optional(),
    price: z
      .object({
        amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        target: targetSchema.default({ all: true }).describe('the stores whose price it sets; {"all": true} also sets the catalog default'),
      })
      .strict()
      .optional(),
    expected_version: z.number().int().min(0).optional().describe('refuse with 409 CONFLICT (field expected_version) unless this is the latest version (0: none yet)'),
    reason: z.string().max(200).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).some((k) => k !== 'expected_version' && k !== 'reason'), 'nothing to change');
export type ProductEdit = z.input<typeof productEditSchema>;

export interface ProductEditResult {
  product: Product;
  version: number;
  changes: StoreChange[];
  stores: string[];
}

/** The 14-digit key a barcode is looked up by (registers and the hub pad the same way). */
const key14 = (g: string) => g.padStart(14, '0');

export async function editProduct(db: Db, sku: string, input: ProductEdit, by: string | null): Promise<ProductEditResult> {
  const e = productEditSchema.parse(input);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ data: Record<string, unknown> }>(`SELECT data FROM products WHERE sku = $1 FOR UPDATE`, [sku]);
    const row = rows[0];
    if (!row) throw new AuthError('NOT_FOUND', `unknown product ${sku}`, 'sku');
    const latest = await tx.query<{ v: number | null }>(`SELECT max(version) AS v FROM product_versions WHERE sku = $1`, [sku]);
    const current = Number(latest.rows[0]?.v ?? 0);
    if (e.expected_version !== undefined && e.expected_version !== current) {
      throw new AuthError('CONFLICT', `product ${sku} changed meanwhile (version ${current}, you edited ${e.expected_version}): reload it`, 'expected_version');
    }
    if (e.gtins) {
      const dup = new Set<string>();
      for (const [i, g] of e.gtins.entries()) {
        if (dup.has(key14(g))) throw new AuthError('BAD_REQUEST', `barcode ${g} is listed twice`, `gtins.${i}`);
        dup.add(key14(g));
      }
      const keys = [...dup];
      const taken = await tx.query<{ sku: string; g: string }>(
        `SELECT p.sku, g FROM products p, jsonb_array_elements_text(p.data->'gtins') AS g
          WHERE p.sku <> $1 AND lpad(g, 14, '0') = ANY($2) LIMIT 1`,
        [sku, keys],
      );
      const hit = taken.rows[0];
      if (hit) {
        const i = e.gtins.findIndex((g) => key14(g) === key14(hit.g));
        throw new AuthError('CONFLICT', `barcode ${e.gtins[i]} is already on product ${hit.sku}`, `gtins.${i}`);
      }
    }
    const allStores = e.price !== undefined && 'all' in e.price.target;
    const merged = productSchema.safeParse({
      ...row.data,
      sku,
      ...(e.name !== undefined ? { name: e.name } : {}),
      ...(e.category !== undefined ? { category: e.category } : {}),
      ...(e.tax_category !== undefined ? { tax_category: e.tax_category } : {}),
      ...(e.gtins !== undefined ? { gtins: e.gtins } : {}),
      ...(e.active !== undefined ? { active: e.active } : {}),
      ...(allStores ? { price: e.price!.amount } : {}),
    });
    if (!merged.success) {
      const i = merged.error.issues[0]!;
      throw new AuthError('BAD_REQUEST', `the product would not be valid: ${i.path.join('.')}: ${i.message}`, i.path.join('.') || 'product');
    }
    const product = merged.data;
    const out: StoreChange[] = [];
    const stores = new Set<string>();
    const catalogChanged = ['name', 'category', 'tax_category', 'gtins', 'active'].some((k) => k in e) || allStores;
    if (catalogChanged) {
      const r = await applyHqChange(tx, { kind: 'catalog', body: { target: { all: true }, products: [product] } }, by);
      out.push(...r.changes);
      r.stores.forEach((s) => stores.add(s));
    }
    if (e.price) {
      const r = await applyHqChange(tx, { kind: 'price', body: { target: e.price.target, prices: [{ sku, amount: e.price.amount }], reason: e.reason ?? 'product edited in the HQ console' } }, by);
      out.push(...r.changes);
      r.stores.forEach((s) => stores.add(s));
    }
    const v = await tx.query<{ v: number }>(`SELECT max(version) AS v FROM product_versions WHERE sku = $1`, [sku]);
    return { product, version: Number(v.rows[0]?.v ?? current), changes: out, stores: [...stores].sort() };
  });
}
