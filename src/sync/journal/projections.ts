import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { StoreChange } from '../../core/protocol';

// How a store change from the hub lands in the register's offline tables. The hub is the
// authority; a change whose payload does not fit is kept in the change log (and reported)
// but never blocks the changes behind it.

const key = z.string().min(1).max(128);
const quantity = z.object({ units: z.number().int(), scale: z.number().int().min(0).max(6) });
const bySku = z.looseObject({ sku: key, deleted: z.boolean().optional() });
const byId = z.looseObject({ id: key, deleted: z.boolean().optional() });
const byCustomer = z.looseObject({ customer_id: key, deleted: z.boolean().optional() });
const stock = z.looseObject({ sku: key, on_hand: quantity });

export interface SnapshotData {
  catalog: Record<string, unknown>[];
  prices: Record<string, unknown>[];
  promotions: Record<string, unknown>[];
  stock: { sku: string; on_hand: { units: number; scale: number } }[];
  tax: Record<string, unknown>;
  config: Record<string, unknown>;
  customers?: Record<string, unknown>[];
}

function upsert(db: Database.Database, table: string, col: string, k: string, data: Record<string, unknown>, deleted: boolean | undefined): void {
  if (deleted) db.prepare(`DELETE FROM ${table} WHERE ${col} = ?`).run(k);
  else db.prepare(`INSERT INTO ${table} (${col}, data) VALUES (?, ?) ON CONFLICT(${col}) DO UPDATE SET data = excluded.data`).run(k, JSON.stringify(data));
}

function setSettings(db: Database.Database, scope: 'tax' | 'config', obj: Record<string, unknown>): void {
  const put = db.prepare('INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value');
  for (const [k, v] of Object.entries(obj)) put.run(scope, k, JSON.stringify(v ?? null));
}

/** Applies one change inside the caller's transaction. Returns why it did not fit, or null. */
export function applyChangeToProjection(db: Database.Database, c: StoreChange): string | null {
  const fail = (e: z.ZodError) => `${c.kind} change ${c.cursor}: ${e.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`;
  switch (c.kind) {
    case 'price': {
      const p = bySku.safeParse(c.payload);
      if (!p.success) return fail(p.error);
      upsert(db, 'prices', 'sku', p.data.sku, c.payload, p.data.deleted);
      return null;
    }
    case 'catalog': {
      const p = bySku.safeParse(c.payload);
      if (!p.success) return fail(p.error);
      upsert(db, 'catalog_items', 'sku', p.data.sku, c.payload, p.data.deleted);
      return null;
    }
    case 'promotion': {
      const p = byId.safeParse(c.payload);
      if (!p.success) return fail(p.error);
      upsert(db, 'promotions', 'id', p.data.id, c.payload, p.data.deleted);
      return null;
    }
    case 'customer': {
      const p = byCustomer.safeParse(c.payload);
      if (!p.success) return fail(p.error);
      upsert(db, 'customers', 'customer_id', p.data.customer_id, c.payload, p.data.deleted);
      return null;
    }
    case 'stock': {
      const p = stock.safeParse(c.payload);
      if (!p.success) return fail(p.error);
      db.prepare('INSERT INTO hub_stock (sku, units, scale) VALUES (?, ?, ?) ON CONFLICT(sku) DO UPDATE SET units = excluded.units, scale = excluded.scale').run(
        p.data.sku, p.data.on_hand.units, p.data.on_hand.scale,
      );
      return null;
    }
    case 'tax':
    case 'config':
      setSettings(db, c.kind, c.payload);
      return null;
    case 'oversell':
      // An alert, not state: kept in the change log for the manager view.
      return null;
  }
}

/** Replaces every projection with the snapshot's content, inside the caller's transaction. */
export function applySnapshotToProjection(db: Database.Database, s: SnapshotData): void {
  for (const t of ['catalog_items', 'prices', 'promotions', 'hub_stock', 'settings']) db.prepare(`DELETE FROM ${t}`).run();
  const items = z.array(bySku).parse(s.catalog);
  items.forEach((it, i) => upsert(db, 'catalog_items', 'sku', it.sku, s.catalog[i]!, false));
  const prices = z.array(bySku).parse(s.prices);
  prices.forEach((p, i) => upsert(db, 'prices', 'sku', p.sku, s.prices[i]!, false));
  const promos = z.array(byId).parse(s.promotions);
  promos.forEach((p, i) => upsert(db, 'promotions', 'id', p.id, s.promotions[i]!, false));
  const put = db.prepare('INSERT INTO hub_stock (sku, units, scale) VALUES (?, ?, ?) ON CONFLICT(sku) DO UPDATE SET units = excluded.units, scale = excluded.scale');
  for (const st of z.array(stock).parse(s.stock)) put.run(st.sku, st.on_hand.units, st.on_hand.scale);
  setSettings(db, 'tax', s.tax);
  setSettings(db, 'config', s.config);
  if (s.customers) {
    db.prepare('DELETE FROM customers').run();
    const cs = z.array(byCustomer).parse(s.customers);
    cs.forEach((c, i) => upsert(db, 'customers', 'customer_id', c.customer_id, s.customers![i]!, false));
  }
}
