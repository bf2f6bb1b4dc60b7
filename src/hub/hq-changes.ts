import { z } from 'zod';
import type { StoreChange } from '../core/protocol';
import type { Db, Queryable } from './db/db';
import { appendChange } from './changes';
import { resolveTarget, targetSchema, type Target } from './stores';
import { AuthError } from './auth';
import { productSchema, promotionSchema } from '../core/catalog';
import { taxTableSchema } from '../core/tax/tax';
import { storeIdSchema } from '../core/protocol';

// HQ changes (prices, promotions, catalog entries): applied to the hub's tables and
// appended to each targeted store's change log in one transaction, or scheduled for later.

const MAX_ITEMS = 20_000;
/** A price book is split into change entries of at most this many items (bounded push size). */
const ITEMS_PER_CHANGE = 500;

const skuSchema = z.string().min(1).max(64);
const isoTime = z.string().datetime({ offset: true });

export const priceChangeSchema = z.object({
  target: targetSchema,
  prices: z.array(z.object({ sku: skuSchema, amount: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict()).min(1).max(MAX_ITEMS),
  effective_at: isoTime.optional(),
  reason: z.string().max(200).optional(),
});
export const promotionChangeSchema = z.object({
  target: targetSchema,
  // Core's promotion shape plus `active` (false withdraws it from the registers).
  promotions: z
    .array(
      z
        .object({ promotion_id: z.string().min(1).max(64), active: z.boolean().default(true) })
        .catchall(z.unknown())
        .superRefine((p, ctx) => {
          const { active: _active, ...rest } = p;
          const r = promotionSchema.safeParse(rest);
          if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
        }),
    )
    .min(1)
    .max(MAX_ITEMS),
  effective_at: isoTime.optional(),
});
/**
 * The catalog (what a product is: name, barcodes, category, tax category) is chain-wide: one
 * products row per SKU that every store's registers see. What differs per store is its price
 * and its promotions, which have their own targets. So a catalog change always goes to every
 * store's change log, and only chain-wide users (admin, hq) may make it (issue 9 item 8).
 */
export const catalogChangeSchema = z.object({
  target: z
    .object({ all: z.literal(true, { error: 'the catalog is chain-wide: target must be {"all": true}; per-store differences are prices and promotions' }) })
    .strict()
    .default({ all: true }),
  products: z.array(productSchema).min(1).max(MAX_ITEMS),
  effective_at: isoTime.optional(),
});

/**
 * A store's tax table (core's taxTableSchema), versioned: the hub keeps every version and
 * sends the table to the store's registers as a 'tax' change (they re-read it at once, so the
 * next sale is charged with it). One store per change: tax tables differ per jurisdiction.
 */
export const taxChangeSchema = z.object({
  target: z.object({ store_ids: z.array(storeIdSchema).length(1, 'a tax table is changed for one store at a time') }).strict(),
  tax: taxTableSchema,
  effective_at: isoTime.optional(),
  reason: z.string().max(200).optional(),
});

export type HqChange =
  | { kind: 'tax'; body: z.infer<typeof taxChangeSchema> }
  | { kind: 'price'; body: z.infer<typeof priceChangeSchema> }
  | { kind: 'promotion'; body: z.infer<typeof promotionChangeSchema> }
  | { kind: 'catalog'; body: z.infer<typeof catalogChangeSchema> };

export interface HqChangeResult {
  scheduled?: { change_id: number; effective_at: string };
  changes: StoreChange[];
  stores: string[];
}

/** One row per SKU, the last one winning (a multi-row upsert may not touch a row twice). */
function lastBySku<T extends { sku: string }>(xs: T[]): T[] {
  return [...new Map(xs.map((x) => [x.sku, x])).values()];
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Applies now (returning the store changes to push), or schedules when effective_at is in the future. */
export async function submitHqChange(db: Db, change: HqChange, createdBy: string | null, now = new Date()): Promise<HqChangeResult> {
  const at = change.body.effective_at ? new Date(change.body.effective_at) : null;
  if (at && at.getTime() > now.getTime()) {
    const stores = await resolveTarget(db, change.body.target as Target); // validate the target now
    const { rows } = await db.query<{ change_id: number }>(
      `INSERT INTO scheduled_changes (kind, target, payload, effective_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING change_id`,
      [change.kind, JSON.stringify(change.body.target), JSON.stringify(change.body), at.toISOString(), createdBy],
    );
    return { scheduled: { change_id: rows[0]!.change_id, effective_at: at.toISOString() }, changes: [], stores };
  }
  return db.transaction((tx) => applyHqChange(tx, change, createdBy));
}

export async function applyHqChange(tx: Queryable, change: HqChange, createdBy: string | null = null): Promise<HqChangeResult> {
  // Sorted store order, so two concurrent changes lock store rows in the same order (no deadlock).
  const stores = await resolveTarget(tx, change.body.target as Target);
  const out: StoreChange[] = [];
  if (change.kind === 'catalog') {
    await tx.query(
      `INSERT INTO products (sku, data) SELECT x.sku, x.data FROM jsonb_to_recordset($1::jsonb) AS x(sku text, data jsonb)
       ON CONFLICT (sku) DO UPDATE SET data = EXCLUDED.data, updated_at = now()`,
      [JSON.stringify(lastBySku(change.body.products).map((p) => ({ sku: p.sku, data: p })))],
    );
    // Each product's next version (product_versions, migration 023): its row is locked by the upsert above.
    await tx.query(
      `INSERT INTO product_versions (sku, version, data, created_by)
       SELECT x.sku, coalesce((SELECT max(v.version) FROM product_versions v WHERE v.sku = x.sku), 0) + 1, x.data, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(sku text, data jsonb)`,
      [JSON.stringify(lastBySku(change.body.products).map((p) => ({ sku: p.sku, data: p }))), createdBy],
    );
  }
  for (const storeId of stores) {
    if (change.kind === 'tax') {
      const { rows } = await tx.query<{ tax: Record<string, unknown> }>(`SELECT tax FROM stores WHERE store_id = $1 FOR UPDATE`, [storeId]);
      const old = rows[0]?.tax ?? {};
      const tax = change.body.tax as Record<string, unknown>;
      await tx.query(`UPDATE stores SET tax = $2 WHERE store_id = $1`, [storeId, JSON.stringify(tax)]);
      await tx.query(
        `INSERT INTO store_tax_versions (store_id, version, tax, created_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3 FROM store_tax_versions WHERE store_id = $1`,
        [storeId, JSON.stringify(tax), createdBy],
      );
      // Registers merge a tax change key by key: keys the new table drops are sent as null.
      const payload = { ...Object.fromEntries(Object.keys(old).map((k) => [k, null])), ...tax };
      out.push(await appendChange(tx, storeId, 'tax', payload));
    } else if (change.kind === 'price') {
      const { rows } = await tx.query<{ currency: string }>(`SELECT currency FROM stores WHERE store_id = $1`, [storeId]);
      const currency = rows[0]!.currency;
      for (const part of chunks(change.body.prices, ITEMS_PER_CHANGE)) {
        await tx.query(
          `INSERT INTO prices (store_id, sku, amount, currency) SELECT $2, x.sku, x.amount, $3 FROM jsonb_to_recordset($1::jsonb) AS x(sku text, amount bigint)
           ON CONFLICT (store_id, sku) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, updated_at = now()`,
          [JSON.stringify(lastBySku(part)), storeId, currency],
        );
        out.push(await appendChange(tx, storeId, 'price', { prices: part.map((p) => ({ ...p, currency })), reason: change.body.reason ?? null }));
      }
    } else if (change.kind === 'promotion') {
      for (const part of chunks(change.body.promotions, ITEMS_PER_CHANGE)) {
        const unique = [...new Map(part.map((p) => [p.promotion_id, p])).values()];
        await tx.query(
          `INSERT INTO promotions (store_id, promotion_id, data, active)
           SELECT $2, x.promotion_id, x.data, x.active FROM jsonb_to_recordset($1::jsonb) AS x(promotion_id text, data jsonb, active boolean)
           ON CONFLICT (store_id, promotion_id) DO UPDATE SET data = EXCLUDED.data, active = EXCLUDED.active, updated_at = now()`,
          [JSON.stringify(unique.map((p) => ({ promotion_id: p.promotion_id, data: p, active: p.active }))), storeId],
        );
        out.push(await appendChange(tx, storeId, 'promotion', { promotions: part }));
      }
    } else {
      for (const part of chunks(change.body.products, ITEMS_PER_CHANGE)) out.push(await appendChange(tx, storeId, 'catalog', { products: part }));
    }
  }
  return { changes: out, stores };
}

/**
 * Publishes due scheduled changes. Safe with several hubs: each row is claimed with
 * FOR UPDATE SKIP LOCKED and marked published in the same transaction as its effects.
 */
export async function publishDueChanges(db: Db, limit = 20): Promise<StoreChange[]> {
  const out: StoreChange[] = [];
  for (let i = 0; i < limit; i++) {
    const published = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ change_id: number; kind: HqChange['kind']; payload: HqChange['body']; created_by: string | null }>(
        `SELECT change_id, kind, payload, created_by FROM scheduled_changes
          WHERE published_at IS NULL AND canceled_at IS NULL AND effective_at <= now()
          ORDER BY effective_at, change_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const row = rows[0];
      if (!row) return null;
      let res: HqChangeResult = { changes: [], stores: [] };
      try {
        res = await applyHqChange(tx, { kind: row.kind, body: row.payload } as HqChange, row.created_by);
      } catch (err) {
        if (!(err instanceof AuthError)) throw err; // a store vanished from the target: publish to the rest next time
      }
      await tx.query(`UPDATE scheduled_changes SET published_at = now() WHERE change_id = $1`, [row.change_id]);
      return res.changes;
    });
    if (published === null) break;
    out.push(...published);
  }
  return out;
}
