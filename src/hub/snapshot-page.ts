import { SNAPSHOT_SECTIONS, type SnapshotPageAck, type SnapshotSection } from '../core/protocol';
import type { Queryable } from './db/db';
import { decimalToQty } from './quantity';

// The store's snapshot in bounded pages (docs/sync-protocol.md 4.5b). Each page is one
// statement: the store's change cursor and the page's rows from the same database snapshot,
// read by key range through the primary key (keyset paging: `sku > after ORDER BY sku LIMIT n`), so the hub never holds more than a page, keeps no state between
// pages (any hub process answers the next one, a register resumes after a cut from its last
// key) and Postgres reads an index range, never the whole table. Pages are read at different
// cursors: the register keeps the cursor of its first page and pulls the change log from there,
// and because every change carries the absolute state of what it names, replaying the changes
// after that cursor brings every row a later page already had to the same end.
//
// Filtered by the register's store: prices, stock and promotions are the store's rows. The
// catalog itself is chain-wide by design (catalogChangeSchema: one record per SKU that every
// store sells, at its own price), so every store's snapshot carries every product.

type Page = Omit<SnapshotPageAck, 'ok' | 'store_id' | 'cursor'>;

function nextAfter(section: SnapshotSection, lastKey: string | null, n: number, limit: number): Page['next'] {
  if (n >= limit && lastKey !== null) return { section, after: lastKey };
  const i = SNAPSHOT_SECTIONS.indexOf(section);
  return i + 1 < SNAPSHOT_SECTIONS.length ? { section: SNAPSHOT_SECTIONS[i + 1]!, after: '' } : null;
}

// Pages run in byte order of the keys' UTF-8 (COLLATE "C"), whatever the database's collation:
// the register deletes and writes each page's key range by SQLite's BINARY comparison, which is
// that order; under a linguistic collation ("a1" < "B2") a page's range would cover rows an
// earlier page wrote (migration 032 has the indexes in this order).
//
// Each section's page is one statement: its rows (`page`, the key as `k`) as one JSON array
// built by Postgres (json_agg in key order), the last key, and the store's row. One statement
// reads one database snapshot (whatever the isolation level), so the cursor and the rows agree
// without a transaction of their own, in one round trip; and the driver parses one JSON text a
// page instead of building a row object and parsing a jsonb per row (docs/performance.md, the
// catalog-speed round 3).
const PAGE_ROWS: Record<SnapshotSection, { rows: string; item: string }> = {
  catalog: { rows: `SELECT sku AS k, data FROM products WHERE sku COLLATE "C" > $2 ORDER BY sku COLLATE "C" LIMIT $3`, item: 'data' },
  // updated_at as the text Date.toISOString() gives (UTC, milliseconds truncated as a JS Date
  // truncates them), formatted by Postgres: no timestamp is parsed a row.
  prices: {
    rows: `SELECT sku AS k, amount, currency, updated_at FROM prices WHERE store_id = $1 AND sku COLLATE "C" > $2 ORDER BY sku COLLATE "C" LIMIT $3`,
    item: `json_build_object('sku', k, 'amount', amount, 'currency', currency, 'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
  },
  stock: {
    rows: `SELECT sku AS k, on_hand FROM stock_levels WHERE store_id = $1 AND sku COLLATE "C" > $2 ORDER BY sku COLLATE "C" LIMIT $3`,
    item: `json_build_object('sku', k, 'on_hand', on_hand::text)`,
  },
  promotions: {
    rows: `SELECT promotion_id AS k, data, active FROM promotions WHERE store_id = $1 AND promotion_id COLLATE "C" > $2 ORDER BY promotion_id COLLATE "C" LIMIT $3`,
    item: `json_build_object('promotion_id', k, 'data', data, 'active', active)`,
  },
  settings: { rows: `SELECT $2::text AS k WHERE $3::int < 0`, item: 'k' }, // no rows (a limit is at least 1)
};

const TOTALS_SQL = `(SELECT count(*) FROM products)::bigint AS t_catalog, (SELECT count(*) FROM prices WHERE store_id = $1)::bigint AS t_prices,
  (SELECT count(*) FROM stock_levels WHERE store_id = $1)::bigint AS t_stock, (SELECT count(*) FROM promotions WHERE store_id = $1)::bigint AS t_promotions`;

function pageSql(section: SnapshotSection, totals: boolean): string {
  const { rows, item } = PAGE_ROWS[section];
  return `WITH page AS MATERIALIZED (${rows})
    SELECT s.change_cursor, s.tax, s.config, s.currency,
           (SELECT COALESCE(json_agg(${item} ORDER BY k COLLATE "C"), '[]'::json) FROM page) AS items,
           (SELECT k FROM page ORDER BY k COLLATE "C" DESC LIMIT 1) AS last_key,
           (SELECT count(*) FROM page)::int AS n${totals ? `,\n           ${TOTALS_SQL}` : ''}
      FROM stores s WHERE s.store_id = $1`;
}

type PageRow = {
  change_cursor: number | string;
  tax: Record<string, unknown> | null;
  config: Record<string, unknown> | null;
  currency: string;
  items: unknown[];
  last_key: string | null;
  n: number;
  t_catalog?: string;
  t_prices?: string;
  t_stock?: string;
  t_promotions?: string;
};

/** The section's items as the protocol carries them, from the JSON Postgres built. */
function itemsOf(section: SnapshotSection, raw: unknown[]): Record<string, unknown>[] {
  switch (section) {
    case 'stock':
      return (raw as { sku: string; on_hand: string }[]).map((r) => ({ sku: r.sku, on_hand: decimalToQty(r.on_hand) }));
    case 'promotions':
      return (raw as { promotion_id: string; data: Record<string, unknown>; active: boolean }[]).map((r) => ({ ...r.data, promotion_id: r.promotion_id, active: r.active }));
    default:
      return raw as Record<string, unknown>[];
  }
}

/** One page of the store's snapshot, read by one statement (any transaction around it is not needed). */
export async function storeSnapshotPage(db: Queryable, storeId: string, req: { section: SnapshotSection; after: string; limit: number }): Promise<SnapshotPageAck> {
  const first = req.section === SNAPSHOT_SECTIONS[0] && req.after === '';
  const { rows } = await db.query<PageRow>(pageSql(req.section, first), [storeId, req.after, req.limit]);
  const r = rows[0];
  if (!r) throw new Error(`unknown store ${storeId}`);
  const items = itemsOf(req.section, r.items);
  const ack: SnapshotPageAck = {
    ok: true,
    store_id: storeId,
    cursor: Number(r.change_cursor),
    section: req.section,
    items,
    next: nextAfter(req.section, r.last_key, r.n, req.section === 'settings' ? Infinity : req.limit),
  };
  if (first) ack.totals = { catalog: Number(r.t_catalog), prices: Number(r.t_prices), stock: Number(r.t_stock), promotions: Number(r.t_promotions) };
  if (req.section === 'settings') {
    ack.tax = r.tax ?? {};
    ack.config = { ...(r.config ?? {}), currency: r.currency };
  }
  return ack;
}
