import type { StoreChange } from '../core/protocol';
import type { Queryable } from './db/db';
import { decimalToQty } from './quantity';

// The per-store change log. A cursor is allocated by bumping stores.change_cursor, which
// holds that store row's lock until the transaction ends: cursors are gap-free and in
// commit order per store, even with several hub processes. A payload that many stores
// share (a chain-wide price book) is stored once in change_payloads and referenced by each
// store's entry; readers take coalesce(change_log.payload, change_payloads.payload).

export type ChangeKind = StoreChange['kind'];

export async function appendChange(tx: Queryable, storeId: string, kind: ChangeKind, payload: Record<string, unknown>): Promise<StoreChange> {
  const { rows } = await tx.query<{ change_cursor: number }>(
    `UPDATE stores SET change_cursor = change_cursor + 1 WHERE store_id = $1 RETURNING change_cursor`,
    [storeId],
  );
  const cursor = rows[0]?.change_cursor;
  if (cursor === undefined) throw new Error(`unknown store ${storeId}`);
  const ins = await tx.query<{ created_at: Date }>(
    `INSERT INTO change_log (store_id, cursor, kind, payload) VALUES ($1, $2, $3, $4) RETURNING created_at`,
    [storeId, cursor, kind, JSON.stringify(payload)],
  );
  return { store_id: storeId, cursor, kind, payload, created_at: new Date(ins.rows[0]!.created_at).toISOString() };
}

function rowToChange(r: { store_id: string; cursor: number; kind: string; payload: unknown; created_at: Date }): StoreChange {
  return {
    store_id: r.store_id,
    cursor: Number(r.cursor),
    kind: r.kind as ChangeKind,
    payload: r.payload as Record<string, unknown>,
    created_at: new Date(r.created_at).toISOString(),
  };
}

export async function pullChanges(db: Queryable, storeId: string, afterCursor: number, limit: number) {
  const { rows } = await db.query<{ store_id: string; cursor: number; kind: string; payload: unknown; created_at: Date }>(
    `SELECT c.store_id, c.cursor, c.kind, coalesce(c.payload, p.payload) AS payload, c.created_at
       FROM change_log c LEFT JOIN change_payloads p ON p.payload_id = c.payload_id
      WHERE c.store_id = $1 AND c.cursor > $2 ORDER BY c.cursor LIMIT $3`,
    [storeId, afterCursor, limit],
  );
  const latest = await latestCursor(db, storeId);
  const changes = rows.map(rowToChange);
  // The log is never compacted yet; a gap at the start would mean it was.
  const snapshotRequired = changes.length > 0 && changes[0]!.cursor !== afterCursor + 1;
  return { changes, latest_change_cursor: latest, snapshot_required: snapshotRequired };
}

export async function latestCursor(db: Queryable, storeId: string): Promise<number> {
  const { rows } = await db.query<{ change_cursor: number }>(`SELECT change_cursor FROM stores WHERE store_id = $1`, [storeId]);
  return rows[0]?.change_cursor ?? 0;
}

/** A consistent picture of the store's catalog, prices, promotions and stock up to `cursor`. */
export async function storeSnapshot(tx: Queryable, storeId: string) {
  // One MVCC snapshot for every read below, so rows and cursor agree. Must be the transaction's first statement.
  await tx.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`);
  const st = await tx.query<{ change_cursor: number; tax: Record<string, unknown>; config: Record<string, unknown>; currency: string }>(
    `SELECT change_cursor, tax, config, currency FROM stores WHERE store_id = $1`,
    [storeId],
  );
  const store = st.rows[0];
  if (!store) throw new Error(`unknown store ${storeId}`);
  const catalog = (await tx.query<{ data: Record<string, unknown> }>(`SELECT data FROM products ORDER BY sku`)).rows.map((r) => r.data);
  const prices = (
    await tx.query<{ sku: string; amount: number; currency: string; updated_at: Date }>(
      `SELECT sku, amount, currency, updated_at FROM prices WHERE store_id = $1 ORDER BY sku`,
      [storeId],
    )
  ).rows.map((r) => ({ sku: r.sku, amount: Number(r.amount), currency: r.currency, updated_at: new Date(r.updated_at).toISOString() }));
  const promotions = (
    await tx.query<{ data: Record<string, unknown>; promotion_id: string; active: boolean }>(
      `SELECT promotion_id, data, active FROM promotions WHERE store_id = $1 ORDER BY promotion_id`,
      [storeId],
    )
  ).rows.map((r) => ({ ...r.data, promotion_id: r.promotion_id, active: r.active }));
  const stock = (
    await tx.query<{ sku: string; on_hand: string }>(`SELECT sku, on_hand::text AS on_hand FROM stock_levels WHERE store_id = $1 ORDER BY sku`, [storeId])
  ).rows.map((r) => ({ sku: r.sku, on_hand: decimalToQty(r.on_hand) }));
  return {
    ok: true as const,
    store_id: storeId,
    cursor: Number(store.change_cursor),
    catalog,
    prices,
    promotions,
    stock,
    tax: store.tax ?? {},
    config: { ...(store.config ?? {}), currency: store.currency },
  };
}
