import { SNAPSHOT_SECTIONS, type SnapshotPageAck, type SnapshotSection } from '../core/protocol';
import type { Queryable } from './db/db';
import { decimalToQty } from './quantity';

// The store's snapshot in bounded pages (docs/sync-protocol.md 4.5b). Each page is one short
// REPEATABLE READ transaction: the store's change cursor and the page's rows from the same
// database snapshot, read by key range through the primary key (keyset paging: `sku > after
// ORDER BY sku LIMIT n`), so the hub never holds more than a page, keeps no state between
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

function nextAfter(section: SnapshotSection, items: readonly { key: string }[], limit: number): Page['next'] {
  if (items.length >= limit) return { section, after: items[items.length - 1]!.key };
  const i = SNAPSHOT_SECTIONS.indexOf(section);
  return i + 1 < SNAPSHOT_SECTIONS.length ? { section: SNAPSHOT_SECTIONS[i + 1]!, after: '' } : null;
}

// Pages run in byte order of the keys' UTF-8 (COLLATE "C"), whatever the database's collation:
// the register deletes and writes each page's key range by SQLite's BINARY comparison, which is
// that order; under a linguistic collation ("a1" < "B2") a page's range would cover rows an
// earlier page wrote (migration 032 has the indexes in this order).
async function sectionRows(tx: Queryable, storeId: string, section: SnapshotSection, after: string, limit: number): Promise<{ key: string; item: Record<string, unknown> }[]> {
  switch (section) {
    case 'catalog': {
      const { rows } = await tx.query<{ sku: string; data: Record<string, unknown> }>(`SELECT sku, data FROM products WHERE sku COLLATE "C" > $1 ORDER BY sku COLLATE "C" LIMIT $2`, [after, limit]);
      return rows.map((r) => ({ key: r.sku, item: r.data }));
    }
    case 'prices': {
      // updated_at as the text Date.toISOString() gives (UTC, milliseconds truncated as a JS Date
      // truncates them), formatted by Postgres: the driver then parses no timestamp a row.
      const { rows } = await tx.query<{ sku: string; amount: string; currency: string; updated_at: string }>(
        `SELECT sku, amount, currency, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
           FROM prices WHERE store_id = $1 AND sku COLLATE "C" > $2 ORDER BY sku COLLATE "C" LIMIT $3`,
        [storeId, after, limit],
      );
      return rows.map((r) => ({ key: r.sku, item: { sku: r.sku, amount: Number(r.amount), currency: r.currency, updated_at: r.updated_at } }));
    }
    case 'stock': {
      const { rows } = await tx.query<{ sku: string; on_hand: string }>(
        `SELECT sku, on_hand::text AS on_hand FROM stock_levels WHERE store_id = $1 AND sku COLLATE "C" > $2 ORDER BY sku COLLATE "C" LIMIT $3`,
        [storeId, after, limit],
      );
      return rows.map((r) => ({ key: r.sku, item: { sku: r.sku, on_hand: decimalToQty(r.on_hand) } }));
    }
    case 'promotions': {
      const { rows } = await tx.query<{ promotion_id: string; data: Record<string, unknown>; active: boolean }>(
        `SELECT promotion_id, data, active FROM promotions WHERE store_id = $1 AND promotion_id COLLATE "C" > $2 ORDER BY promotion_id COLLATE "C" LIMIT $3`,
        [storeId, after, limit],
      );
      return rows.map((r) => ({ key: r.promotion_id, item: { ...r.data, promotion_id: r.promotion_id, active: r.active } }));
    }
    case 'settings':
      return [];
  }
}

/** One page of the store's snapshot. Must run as its transaction's first statement. */
export async function storeSnapshotPage(tx: Queryable, storeId: string, req: { section: SnapshotSection; after: string; limit: number }): Promise<SnapshotPageAck> {
  await tx.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
  const st = await tx.query<{ change_cursor: number; tax: Record<string, unknown>; config: Record<string, unknown>; currency: string }>(
    `SELECT change_cursor, tax, config, currency FROM stores WHERE store_id = $1`,
    [storeId],
  );
  const store = st.rows[0];
  if (!store) throw new Error(`unknown store ${storeId}`);
  const rows = await sectionRows(tx, storeId, req.section, req.after, req.limit);
  const ack: SnapshotPageAck = {
    ok: true,
    store_id: storeId,
    cursor: Number(store.change_cursor),
    section: req.section,
    items: rows.map((r) => r.item),
    next: nextAfter(req.section, rows, req.section === 'settings' ? Infinity : req.limit),
  };
  if (req.section === SNAPSHOT_SECTIONS[0] && req.after === '') {
    const { rows: n } = await tx.query<{ catalog: string; prices: string; stock: string; promotions: string }>(
      `SELECT (SELECT count(*) FROM products) AS catalog, (SELECT count(*) FROM prices WHERE store_id = $1) AS prices,
              (SELECT count(*) FROM stock_levels WHERE store_id = $1) AS stock, (SELECT count(*) FROM promotions WHERE store_id = $1) AS promotions`,
      [storeId],
    );
    ack.totals = { catalog: Number(n[0]!.catalog), prices: Number(n[0]!.prices), stock: Number(n[0]!.stock), promotions: Number(n[0]!.promotions) };
  }
  if (req.section === 'settings') {
    ack.tax = store.tax ?? {};
    ack.config = { ...(store.config ?? {}), currency: store.currency };
  }
  return ack;
}
