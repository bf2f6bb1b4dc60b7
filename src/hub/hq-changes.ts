import { z } from 'zod';
import type { StoreChange } from '../core/protocol';
import type { Db, Queryable } from './db/db';
import { appendChange } from './changes';
import { planSharedPayloads, writeStorePrices, type SharedPayloads } from './price-book-write';
import { resolveTarget, targetSchema, type Target } from './stores';
import { AuthError } from './auth';
import { productSchema, promotionSchema } from '../core/catalog';
import { taxTableSchema } from '../core/tax/tax';
import { storeIdSchema } from '../core/protocol';

// HQ changes (prices, promotions, catalog entries): applied to the hub's tables and
// appended to each targeted store's change log, or scheduled for later.
//
// A price change made now is committed store by store (one statement each, two stores at a
// time, in sorted order) and each store's changes are pushed as soon as its statement
// commits, so the first stores' registers have the new prices while the hub still writes the
// rest (issue 18: a 10,000-SKU book for 50 stores pushed nothing for 23 s). Each store is
// atomic on its own, not the chain: when a store fails, no further store is started, the
// stores that committed keep (and have been sent) the new prices, the others are untouched,
// and the caller gets a PartialChangeError naming both lists (posting the same prices again
// is safe: a price change sets, it does not add). Promotions,
// catalog and tax changes, scheduled changes and changes inside a caller's transaction
// (applyHqChange) stay one transaction for every store.
// The price book's change payloads are stored once per currency (change_payloads) and shared
// by every store's log entries; each store keeps its own cursors.

const MAX_ITEMS = 20_000;
/** Promotions and catalog changes are split into change entries of at most this many items (bounded push size; prices: price-book-write.ts). */
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

/** A price change committed for some stores and not for the others (see the head of this file). */
export class PartialChangeError extends Error {
  constructor(
    readonly applied: { stores: string[]; changes: StoreChange[] },
    readonly failedStore: string,
    readonly notApplied: string[],
    override readonly cause: unknown,
  ) {
    super(`applied to ${applied.stores.length} of ${applied.stores.length + notApplied.length} stores (${applied.stores.join(', ')}); not applied to ${notApplied.join(', ')}: store ${failedStore} failed`);
    this.name = 'PartialChangeError';
  }
}

export interface SubmitOptions {
  now?: Date;
  /** Called with each store's changes right after they commit (push them to the registers). */
  publish?: (changes: StoreChange[]) => void;
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

/**
 * Applies now, or schedules when effective_at is in the future. Every change made now is
 * handed to `publish` once committed (a price change store by store, the others at once) and
 * returned. A price change that fails after some stores committed throws PartialChangeError.
 */
export async function submitHqChange(db: Db, change: HqChange, createdBy: string | null, opts: SubmitOptions = {}): Promise<HqChangeResult> {
  const now = opts.now ?? new Date();
  const at = change.body.effective_at ? new Date(change.body.effective_at) : null;
  if (at && at.getTime() > now.getTime()) {
    const stores = await resolveTarget(db, change.body.target as Target); // validate the target now
    const { rows } = await db.query<{ change_id: number }>(
      `INSERT INTO scheduled_changes (kind, target, payload, effective_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING change_id`,
      [change.kind, JSON.stringify(change.body.target), JSON.stringify(change.body), at.toISOString(), createdBy],
    );
    return { scheduled: { change_id: rows[0]!.change_id, effective_at: at.toISOString() }, changes: [], stores };
  }
  if (change.kind === 'price') return applyPriceChangeByStore(db, change.body, opts.publish);
  const res = await db.transaction((tx) => applyHqChange(tx, change, createdBy));
  opts.publish?.(res.changes);
  return res;
}

type PriceBody = z.infer<typeof priceChangeSchema>;

/**
 * The book's shared change payloads, one set per currency, planned on first use. The first
 * store of a currency stores them in its own statement; a store of that currency started
 * while that statement runs waits for it (its log rows reference them).
 */
class PricePayloads {
  private readonly byCurrency = new Map<string, { shared: Promise<SharedPayloads>; first: Promise<unknown> | null }>();
  constructor(private readonly body: PriceBody) {}

  /** Runs `write` with the currency's payloads, after the write that stores them (if another one does). */
  async write<T>(db: Queryable, currency: string, write: (shared: SharedPayloads) => Promise<T>): Promise<T> {
    const held = this.byCurrency.get(currency);
    if (!held) {
      const shared = planSharedPayloads(db, this.body.prices, currency, this.body.reason ?? null);
      const run = shared.then(async (sh) => {
        const r = await write(sh);
        sh.stored = true;
        return r;
      });
      this.byCurrency.set(currency, { shared, first: run });
      return run;
    }
    const sh = await held.shared;
    if (!sh.stored) await held.first; // its failure is this store's too (the payloads are not there)
    return write(sh);
  }
}

/** The stores' currencies (a price book's amounts are taken in each store's own currency, as before). */
async function currencies(db: Queryable, stores: string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ store_id: string; currency: string }>(`SELECT store_id, currency FROM stores WHERE store_id = ANY($1::text[])`, [stores]);
  return new Map(rows.map((r) => [r.store_id, r.currency]));
}

/** One store's part of a price change (price-book-write.ts: one statement). */
function applyPricesToStore(db: Queryable, storeId: string, currency: string, body: PriceBody, payloads: PricePayloads): Promise<StoreChange[]> {
  return payloads.write(db, currency, (shared) => writeStorePrices(db, storeId, currency, shared));
}

/** Stores written at once by a price change: one statement each on its own connection (they lock nothing in common). */
const PRICE_STORES_IN_FLIGHT = 2;

async function applyPriceChangeByStore(db: Db, body: PriceBody, publish?: (changes: StoreChange[]) => void): Promise<HqChangeResult> {
  const stores = await resolveTarget(db, body.target as Target);
  const currencyOf = await currencies(db, stores);
  const payloads = new PricePayloads(body);
  const byStore = new Map<string, StoreChange[]>();
  const failed: { first: { store: string; err: unknown } | null } = { first: null };
  let next = 0;
  // The first store (in sorted order) that failed is the one named.
  const fail = (store: string, err: unknown): void => {
    const prev = failed.first;
    if (prev === null || stores.indexOf(store) < stores.indexOf(prev.store)) failed.first = { store, err };
  };
  // Each worker takes the next store in sorted order; a store's changes are pushed the moment
  // its statement commits. After a failure no store is started; those in flight finish.
  const worker = async (): Promise<void> => {
    while (failed.first === null && next < stores.length) {
      const storeId = stores[next++]!;
      const currency = currencyOf.get(storeId);
      try {
        // A store removed since the target was resolved fails like any other store.
        if (currency === undefined) throw new AuthError('NOT_FOUND', `store ${storeId} no longer exists`, 'target');
        const changes = await applyPricesToStore(db, storeId, currency, body, payloads);
        byStore.set(storeId, changes);
        publish?.(changes);
      } catch (err) {
        fail(storeId, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PRICE_STORES_IN_FLIGHT, stores.length) }, worker));
  const applied = stores.filter((s) => byStore.has(s));
  const changes = applied.flatMap((s) => byStore.get(s)!);
  const f = failed.first;
  if (f !== null) {
    if (applied.length === 0) throw f.err; // nothing applied: the error as it is
    throw new PartialChangeError({ stores: applied, changes }, f.store, stores.filter((s) => !byStore.has(s)), f.err);
  }
  return { changes, stores };
}

export async function applyHqChange(tx: Queryable, change: HqChange, createdBy: string | null = null): Promise<HqChangeResult> {
  // Sorted store order, so two concurrent changes lock store rows in the same order (no deadlock).
  const stores = await resolveTarget(tx, change.body.target as Target);
  const out: StoreChange[] = [];
  const currencyOf = change.kind === 'price' ? await currencies(tx, stores) : null;
  const sharedPrices = change.kind === 'price' ? new PricePayloads(change.body) : null;
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
      out.push(...(await applyPricesToStore(tx, storeId, currencyOf!.get(storeId)!, change.body, sharedPrices!)));
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
