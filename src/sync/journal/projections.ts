import type { SqlDb, SqlStatement } from './sql';
import { z } from 'zod';
import type { SnapshotSection, StoreChange } from '../../core/protocol';
import { checkProduct, productCandidate } from '../../core/catalog';

// How a store change from the hub lands in the register's offline tables. The hub is the
// authority; a change whose payload does not fit is kept in the change log (and reported)
// but never blocks the changes behind it.
//
// Payload shapes (the hub's, src/hub/hq-changes.ts and ingest.ts; a single item without the
// list wrapper is accepted too):
//   price     { prices: [{ sku, amount, currency, deleted? }], reason? }
//   catalog   { products: [{ sku, name, ... }] }
//   promotion { promotions: [{ promotion_id, active, ... }] }
//   stock     { levels: [{ sku, on_hand: {units, scale} }], source?: { terminal_id, through_seq } | { reason } }
//   customer  { customers: [{ customer_id, ... }] }   (loyalty balances)
//   tax, config: an object merged key by key; oversell: an alert, kept in the log only.

const MAX_ITEMS_PER_CHANGE = 20_000;
const key = z.string().min(1).max(128);
const quantity = z.object({ units: z.number().int(), scale: z.number().int().min(0).max(6) });
const bySku = z.looseObject({ sku: key, deleted: z.boolean().optional() });
const promo = z.looseObject({ promotion_id: key.optional(), id: key.optional(), deleted: z.boolean().optional() })
  .refine((p) => p.promotion_id !== undefined || p.id !== undefined, 'needs promotion_id');
const byCustomer = z.looseObject({ customer_id: key, deleted: z.boolean().optional() });
const level = z.looseObject({ sku: key, on_hand: quantity });
const stockSource = z.looseObject({ terminal_id: z.string().optional(), through_seq: z.number().int().min(0).optional() });

export interface SnapshotData {
  catalog: Record<string, unknown>[];
  prices: Record<string, unknown>[];
  promotions: Record<string, unknown>[];
  stock: { sku: string; on_hand: { units: number; scale: number } }[];
  tax: Record<string, unknown>;
  config: Record<string, unknown>;
  customers?: Record<string, unknown>[];
}

// Statements are prepared once per database: a snapshot of a million products runs these
// millions of times.
const prepared = new WeakMap<SqlDb, Map<string, SqlStatement>>();
function stmt(db: SqlDb, sql: string): SqlStatement {
  let m = prepared.get(db);
  if (!m) prepared.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

function upsert(db: SqlDb, table: string, col: string, k: string, data: Record<string, unknown>, deleted: boolean | undefined): void {
  if (deleted) stmt(db, `DELETE FROM ${table} WHERE ${col} = ?`).run(k);
  else stmt(db, `INSERT INTO ${table} (${col}, data) VALUES (?, ?) ON CONFLICT(${col}) DO UPDATE SET data = excluded.data`).run(k, JSON.stringify(data));
}

/** The GTIN-14 keys a catalog record is scanned by (the hub's `gtins`, or a lone `gtin` / `barcodes`). */
export function barcodeKeysOf(rec: Record<string, unknown>): string[] {
  const raw = Array.isArray(rec.gtins) ? rec.gtins : typeof rec.gtin === 'string' ? [rec.gtin] : Array.isArray(rec.barcodes) ? rec.barcodes : [];
  const out: string[] = [];
  for (const g of raw.slice(0, 64)) if (typeof g === 'string' && /^\d{8,14}$/.test(g)) out.push(g.padStart(14, '0'));
  return out;
}

function nameOf(rec: Record<string, unknown>): string {
  const n = rec.name ?? rec.description;
  return typeof n === 'string' ? n : '';
}

/**
 * A catalog record and its lookup rows (barcodes, name words) in one step, so the indexes
 * never disagree with catalog_items. A barcode moved to another product follows the newest
 * record (the hub is the authority).
 */
function putCatalogItem(db: SqlDb, it: Record<string, unknown> & { sku: string }, deleted: boolean | undefined): void {
  const old = stmt(db, 'SELECT rowid AS id FROM catalog_items WHERE sku = ?').get(it.sku) as { id: number } | undefined;
  if (old) stmt(db, 'DELETE FROM catalog_names WHERE rowid = ?').run(old.id);
  stmt(db, 'DELETE FROM catalog_barcodes WHERE sku = ?').run(it.sku);
  stmt(db, 'DELETE FROM catalog_quick_keys WHERE sku = ?').run(it.sku);
  if (deleted) {
    stmt(db, 'DELETE FROM catalog_items WHERE sku = ?').run(it.sku);
    return;
  }
  insertCatalogItem(db, it);
}

function insertCatalogItem(db: SqlDb, it: Record<string, unknown> & { sku: string }, names = true, fresh = false, barcodes = true): void {
  // fresh: the sku is known to be absent (a snapshot page after its range was cleared), so a
  // plain insert, the cheapest write of a bulk load.
  const data = JSON.stringify(it);
  if (fresh && !names) stmt(db, 'INSERT INTO catalog_items (sku, data) VALUES (?, ?)').run(it.sku, data); // a bulk load: the rowid is not needed
  else {
    const row = fresh
      ? (stmt(db, 'INSERT INTO catalog_items (sku, data) VALUES (?, ?) RETURNING rowid AS id').get(it.sku, data) as { id: number })
      : (stmt(db, 'INSERT INTO catalog_items (sku, data) VALUES (?, ?) ON CONFLICT(sku) DO UPDATE SET data = excluded.data RETURNING rowid AS id').get(it.sku, data) as { id: number });
    if (names) stmt(db, 'INSERT INTO catalog_names (rowid, name) VALUES (?, ?)').run(row.id, nameOf(it));
  }
  const qk = it.quick_key as { group?: unknown; position?: unknown } | undefined;
  if (qk && typeof qk === 'object' && typeof qk.group === 'string' && Number.isSafeInteger(qk.position)) {
    stmt(db, 'INSERT INTO catalog_quick_keys (sku, grp, position) VALUES (?, ?, ?) ON CONFLICT(sku) DO UPDATE SET grp = excluded.grp, position = excluded.position')
      .run(it.sku, qk.group, qk.position);
  }
  if (barcodes) for (const code of barcodeKeysOf(it)) {
    stmt(db, 'INSERT INTO catalog_barcodes (code, sku) VALUES (?, ?) ON CONFLICT(code) DO UPDATE SET sku = excluded.sku').run(code, it.sku);
  }
}

/**
 * Writes the product a catalog record and its price make, as core's Product after core's
 * schema accepted it (catalog_products, journal migration 7). The catalog view reads these rows
 * without checking them again: this is their only writer and it writes nothing unchecked. A
 * record that does not make a Product (or names no currency) gets no row; the view then reads
 * the sources and counts it as not sellable, as before.
 */
function materializeProduct(db: SqlDb, rec: Record<string, unknown> & { sku: string }, priceText: string | null | undefined): void {
  const price = priceText ? (JSON.parse(priceText) as Record<string, unknown>) : null;
  // checkProduct: core's productSchema rules without zod's generic walk (product.test.ts holds them equal).
  const p = checkProduct(productCandidate(rec, price, undefined));
  if (p) stmt(db, 'INSERT OR REPLACE INTO catalog_products (sku, product) VALUES (?, ?)').run(rec.sku, JSON.stringify(p));
  else stmt(db, 'DELETE FROM catalog_products WHERE sku = ?').run(rec.sku);
}

/**
 * Rebuilds at most `limit` products the triggers marked stale (a catalog record or a price was
 * written), inside the caller's transaction. Returns how many are still stale.
 */
export function refreshStaleProducts(db: SqlDb, limit: number): number {
  const rows = stmt(db, `SELECT s.sku AS sku, c.data AS item, p.data AS price FROM catalog_products_stale s
      LEFT JOIN catalog_items c ON c.sku = s.sku LEFT JOIN prices p ON p.sku = s.sku ORDER BY s.sku LIMIT ?`)
    .all(limit) as { sku: string; item: string | null; price: string | null }[];
  for (const r of rows) {
    if (r.item !== null) materializeProduct(db, JSON.parse(r.item) as Record<string, unknown> & { sku: string }, r.price);
    stmt(db, 'DELETE FROM catalog_products_stale WHERE sku = ?').run(r.sku);
  }
  return rows.length < limit ? 0 : (stmt(db, 'SELECT COUNT(*) AS n FROM catalog_products_stale').get() as { n: number }).n;
}

function setSettings(db: SqlDb, scope: 'tax' | 'config', obj: Record<string, unknown>): void {
  const put = stmt(db, 'INSERT INTO settings (scope, key, value) VALUES (?, ?, ?) ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value');
  for (const [k, v] of Object.entries(obj)) put.run(scope, k, JSON.stringify(v ?? null));
}

function putStock(db: SqlDb, sku: string, q: { units: number; scale: number }): void {
  stmt(db, 'INSERT INTO hub_stock (sku, units, scale) VALUES (?, ?, ?) ON CONFLICT(sku) DO UPDATE SET units = excluded.units, scale = excluded.scale').run(sku, q.units, q.scale);
}

/** The list inside `payload[listKey]`, or the payload itself as a one-item list. */
function items<T>(payload: Record<string, unknown>, listKey: string, item: z.ZodType<T>): z.ZodSafeParseResult<T[]> {
  const list = Array.isArray(payload[listKey]) ? payload[listKey] : [payload];
  return z.array(item).max(MAX_ITEMS_PER_CHANGE).safeParse(list);
}

/**
 * Applies one change inside the caller's transaction. Returns why it did not fit, or null.
 * `terminalId` lets a stock change say which of this register's events its figure includes.
 */
export function applyChangeToProjection(db: SqlDb, c: StoreChange, terminalId: string): string | null {
  const fail = (e: z.ZodError) => `${c.kind} change ${c.cursor}: ${e.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`;
  switch (c.kind) {
    case 'price': {
      const p = items(c.payload, 'prices', bySku);
      if (!p.success) return fail(p.error);
      for (const it of p.data) upsert(db, 'prices', 'sku', it.sku, it, it.deleted);
      return null;
    }
    case 'catalog': {
      const p = items(c.payload, 'products', bySku);
      if (!p.success) return fail(p.error);
      for (const it of p.data) putCatalogItem(db, it, it.deleted);
      return null;
    }
    case 'promotion': {
      const p = items(c.payload, 'promotions', promo);
      if (!p.success) return fail(p.error);
      for (const it of p.data) upsert(db, 'promotions', 'id', (it.promotion_id ?? it.id)!, it, it.deleted);
      return null;
    }
    case 'customer': {
      const p = items(c.payload, 'customers', byCustomer);
      if (!p.success) return fail(p.error);
      for (const it of p.data) upsert(db, 'customers', 'customer_id', it.customer_id, it, it.deleted);
      return null;
    }
    case 'stock': {
      const p = items(c.payload, 'levels', level);
      if (!p.success) return fail(p.error);
      for (const it of p.data) putStock(db, it.sku, it.on_hand);
      const src = stockSource.safeParse(c.payload.source ?? {});
      if (src.success && src.data.terminal_id === terminalId && src.data.through_seq !== undefined) {
        // The hub's figures now include this register's events through that seq.
        stmt(db, "INSERT INTO meta (key, value) VALUES ('stock_through', ?) ON CONFLICT(key) DO UPDATE SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))")
          .run(String(src.data.through_seq));
      }
      return null;
    }
    case 'tax':
    case 'config':
      setSettings(db, c.kind, c.payload);
      return null;
    case 'oversell':
      return null;
  }
}

// The name index of a whole snapshot in one statement (nameOf in SQL: name, else description, text only).
const SNAPSHOT_NAMES_SQL = `INSERT INTO catalog_names (rowid, name)
  SELECT rowid, CASE WHEN json_type(data, '$.name') = 'text' THEN json_extract(data, '$.name')
                     WHEN (json_type(data, '$.name') IS NULL OR json_type(data, '$.name') = 'null') AND json_type(data, '$.description') = 'text' THEN json_extract(data, '$.description')
                     ELSE '' END
    FROM catalog_items`;

const PROJECTION_TABLES = ['catalog_items', 'catalog_barcodes', 'catalog_quick_keys', 'catalog_products', 'catalog_products_stale', 'prices', 'promotions', 'hub_stock', 'settings'];

/** Replaces every projection with the snapshot's content, inside the caller's transaction. */
export function applySnapshotToProjection(db: SqlDb, s: SnapshotData): void {
  for (const t of PROJECTION_TABLES) db.prepare(`DELETE FROM ${t}`).run();
  db.prepare("INSERT INTO catalog_names (catalog_names) VALUES ('delete-all')").run();
  // Prices before the catalog, so each product is checked and written once with its price.
  for (const it of z.array(bySku).parse(s.prices)) upsert(db, 'prices', 'sku', it.sku, it, false);
  const catalog = z.array(bySku).parse(s.catalog);
  // A sku twice in one snapshot: the later record wins (its barcodes and quick key replace the earlier's).
  const last = new Map<string, number>();
  catalog.forEach((it, i) => last.set(it.sku, i));
  const priceOf = stmt(db, 'SELECT data FROM prices WHERE sku = ?');
  catalog.forEach((it, i) => {
    if (last.get(it.sku) !== i) return;
    insertCatalogItem(db, it, false, true);
    materializeProduct(db, it, (priceOf.get(it.sku) as { data: string } | undefined)?.data);
  });
  // The name index for the whole catalog in one statement, after the rows (about twice as fast
  // as a row at a time for a chain's catalog: bench/table, catalog-to-register).
  db.prepare(SNAPSHOT_NAMES_SQL).run();
  db.prepare('DELETE FROM catalog_products_stale').run();
  for (const it of z.array(promo).parse(s.promotions)) upsert(db, 'promotions', 'id', (it.promotion_id ?? it.id)!, it, false);
  for (const st of z.array(level).parse(s.stock)) putStock(db, st.sku, st.on_hand);
  setSettings(db, 'tax', s.tax);
  setSettings(db, 'config', s.config);
  if (s.customers) {
    db.prepare('DELETE FROM customers').run();
    for (const c of z.array(byCustomer).parse(s.customers)) upsert(db, 'customers', 'customer_id', c.customer_id, c, false);
  }
}

/**
 * `bySku` for a page of a chain's catalog without copying each record (zod's looseObject makes
 * a copy of every item; a page is 5,000 of them): the same rule, a sku of 1-128 characters.
 */
function keyedBySku(items: Record<string, unknown>[]): (Record<string, unknown> & { sku: string })[] {
  items.forEach((it, i) => {
    const k = it.sku;
    if (typeof k !== 'string' || k.length < 1 || k.length > 128) throw new Error(`snapshot page item ${i}: sku must be a string of 1-128 characters`);
  });
  return items as (Record<string, unknown> & { sku: string })[];
}

/**
 * The price text of a sku: a closed key range's prices are read at once (one range read, not a
 * lookup a product); a sku not among them (no price, or a record outside the range) and an open
 * range (no bound on its rows) are looked up one by one.
 */
function pricesOfRange(db: SqlDb, range: PageRange): (sku: string) => string | undefined {
  const one = stmt(db, 'SELECT data FROM prices WHERE sku = ?');
  const lookup = (sku: string) => (one.get(sku) as { data: string } | undefined)?.data;
  if (range.hi === null) return lookup;
  const rows = stmt(db, 'SELECT sku, data FROM prices WHERE sku > ? AND sku <= ?').all(range.lo, range.hi) as { sku: string; data: string }[];
  const m = new Map<string, string>();
  for (const row of rows) m.set(row.sku, row.data);
  return (sku) => m.get(sku) ?? lookup(sku);
}

/** The key range a snapshot page covers: after `lo` (exclusive) up to `hi` (inclusive; null = the section's end). */
export interface PageRange {
  lo: string;
  hi: string | null;
}

function rangeSql(col: string, r: PageRange): { where: string; args: string[] } {
  return r.hi === null ? { where: `${col} > ?`, args: [r.lo] } : { where: `${col} > ? AND ${col} <= ?`, args: [r.lo, r.hi] };
}

/**
 * One page of a paged snapshot (docs/sync-protocol.md 4.5b), inside the caller's transaction:
 * the rows of the section in the page's key range are replaced by the page's items, so a
 * register that already holds a catalog keeps selling from it while pages arrive, a page taken
 * twice (after a cut) leaves every row once, and a row the hub no longer has is gone.
 */
/**
 * The barcode index and the name index of the whole catalog, built in two statements: what a new
 * register does once after the last page of its first snapshot's catalog instead of page by page
 * (a b-tree filled in key order and one FTS5 segment, not 5,000 random inserts and a segment a
 * page, which FTS5 then merges). The barcodes come from snapshot_barcodes (journal migration 10),
 * where each deferred catalog page wrote its records' barcodeKeysOf beside the records, so no
 * record's JSON is read again; a code two records name is the later record's by sku order, as
 * page by page (snapshot-indexes.test.ts compares the two). Replaces whatever the two indexes
 * held and empties snapshot_barcodes, inside the caller's transaction.
 */
export function buildCatalogIndexes(db: SqlDb): void {
  db.prepare('DELETE FROM catalog_barcodes').run();
  db.prepare("INSERT INTO catalog_names (catalog_names) VALUES ('delete-all')").run();
  // The sku index is built after the rows (one sort), not row by row in code order.
  db.exec('DROP INDEX IF EXISTS catalog_barcodes_sku');
  db.prepare(`INSERT INTO catalog_barcodes (code, sku)
    SELECT code, sku FROM snapshot_barcodes ORDER BY code, sku, n
    ON CONFLICT(code) DO UPDATE SET sku = excluded.sku`).run();
  db.prepare('DELETE FROM snapshot_barcodes').run();
  db.exec('CREATE INDEX catalog_barcodes_sku ON catalog_barcodes(sku)');
  db.prepare(SNAPSHOT_NAMES_SQL).run();
}

/**
 * Writes one page of a paged snapshot. `deferIndexes`: a new register's catalog page writes the
 * records and checked products only; buildCatalogIndexes runs after the section's last page.
 */
export function applySnapshotPageToProjection(db: SqlDb, section: SnapshotSection, range: PageRange, items: Record<string, unknown>[], settings?: { tax: Record<string, unknown>; config: Record<string, unknown> }, deferIndexes = false): void {
  switch (section) {
    case 'prices': {
      const r = rangeSql('sku', range);
      db.prepare(`DELETE FROM prices WHERE ${r.where}`).run(...r.args);
      const put = stmt(db, 'INSERT INTO prices (sku, data) VALUES (?, ?)');
      for (const it of keyedBySku(items)) put.run(it.sku, JSON.stringify(it));
      return;
    }
    case 'stock': {
      const r = rangeSql('sku', range);
      db.prepare(`DELETE FROM hub_stock WHERE ${r.where}`).run(...r.args);
      for (const st of z.array(level).parse(items)) putStock(db, st.sku, st.on_hand);
      return;
    }
    case 'promotions': {
      const r = rangeSql('id', range);
      db.prepare(`DELETE FROM promotions WHERE ${r.where}`).run(...r.args);
      for (const it of z.array(promo).parse(items)) upsert(db, 'promotions', 'id', (it.promotion_id ?? it.id)!, it, false);
      return;
    }
    case 'catalog': {
      const r = rangeSql('sku', range);
      const list = keyedBySku(items);
      // What the range held goes, with its lookup rows (a new register's range is empty: cheap).
      db.prepare(`DELETE FROM catalog_names WHERE rowid IN (SELECT rowid FROM catalog_items WHERE ${r.where})`).run(...r.args);
      db.prepare(`DELETE FROM catalog_barcodes WHERE ${r.where}`).run(...r.args);
      db.prepare(`DELETE FROM catalog_quick_keys WHERE ${r.where}`).run(...r.args);
      db.prepare(`DELETE FROM catalog_items WHERE ${r.where}`).run(...r.args);
      db.prepare(`DELETE FROM catalog_products WHERE ${r.where}`).run(...r.args);
      if (deferIndexes) db.prepare(`DELETE FROM snapshot_barcodes WHERE ${r.where}`).run(...r.args);
      const keepCode = stmt(db, 'INSERT INTO snapshot_barcodes (sku, n, code) VALUES (?, ?, ?)');
      const maxRowid = (stmt(db, 'SELECT COALESCE(MAX(rowid), 0) AS m FROM catalog_items').get() as { m: number }).m;
      // The prices of the page's key range in one range read (the prices section comes first),
      // not a lookup a product; the section's last page (open range) looks them up one by one.
      const priceOf = pricesOfRange(db, range);
      const seen = new Set<string>();
      for (const it of list) {
        if (seen.has(it.sku)) continue; // the hub's keys are unique; a repeat is ignored, never doubled
        seen.add(it.sku);
        insertCatalogItem(db, it, false, true, !deferIndexes);
        // Deferred: the record's barcode keys kept beside it (buildCatalogIndexes reads them, not the JSON).
        if (deferIndexes) barcodeKeysOf(it).forEach((code, n) => keepCode.run(it.sku, n, code));
        materializeProduct(db, it, priceOf(it.sku));
      }
      // The page's name index in one statement after its rows (the rows just inserted have the
      // highest rowids: nothing else writes inside this transaction).
      if (!deferIndexes) db.prepare(`${SNAPSHOT_NAMES_SQL} WHERE rowid > ?`).run(maxRowid);
      return;
    }
    case 'settings': {
      db.prepare('DELETE FROM settings').run();
      setSettings(db, 'tax', settings?.tax ?? {});
      setSettings(db, 'config', settings?.config ?? {});
      return;
    }
  }
}
