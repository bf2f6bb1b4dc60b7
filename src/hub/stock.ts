import { z } from 'zod';
import { safeText, storeIdSchema, type StoreChange } from '../core/protocol';
import { AuthError } from './auth';
import type { Queryable } from './db/db';
import { appendChange } from './changes';
import { decimalToQty, qtyToDecimal } from './quantity';

// Stock receipts and adjustments made at HQ (opening stock, deliveries, counts): movements
// plus the level, and one stock change for the store's registers.

export const stockAdjustmentSchema = z.object({
  store_id: storeIdSchema,
  reason: z.enum(['opening', 'delivery', 'count', 'adjustment', 'shrinkage']),
  items: z
    .array(z.object({ sku: safeText().min(1).max(64), quantity: z.object({ units: z.number().int().refine(Number.isSafeInteger), scale: z.number().int().min(0).max(6) }) }))
    .min(1)
    .max(20_000),
});
export type StockAdjustment = z.infer<typeof stockAdjustmentSchema>;

export async function adjustStock(tx: Queryable, adj: StockAdjustment): Promise<StoreChange> {
  const known = await tx.query(`SELECT 1 FROM stores WHERE store_id = $1`, [adj.store_id]);
  if (!known.rows.length) throw new AuthError('NOT_FOUND', `unknown store ${adj.store_id}`, 'store_id');
  const rows = adj.items.map((it) => ({ sku: it.sku, quantity: qtyToDecimal(it.quantity) }));
  return moveStock(tx, adj.store_id, rows, adj.reason, null, { reason: adj.reason });
}

/** Movements (signed decimal quantities) plus levels for one store, and its stock change. */
async function moveStock(
  tx: Queryable,
  storeId: string,
  items: Array<{ sku: string; quantity: string }>,
  reason: string,
  transferId: number | null,
  source: Record<string, unknown>,
): Promise<StoreChange> {
  // Same lock order as ingest: SKU rows sorted, then the store row (appendChange).
  const rows = [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  await tx.query(
    `INSERT INTO stock_movements (store_id, sku, quantity, reason, transfer_id) SELECT $2, x.sku, x.quantity, $3, $4 FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric)`,
    [JSON.stringify(rows), storeId, reason, transferId],
  );
  const { rows: after } = await tx.query<{ sku: string; on_hand: string }>(
    `INSERT INTO stock_levels (store_id, sku, on_hand)
     SELECT $2, x.sku, sum(x.quantity) FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric) GROUP BY x.sku ORDER BY x.sku
     ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = stock_levels.on_hand + EXCLUDED.on_hand
     RETURNING sku, on_hand::text AS on_hand`,
    [JSON.stringify(rows), storeId],
  );
  const levels = after.map((r) => ({ sku: r.sku, on_hand: levelOrRefuse(r.sku, r.on_hand) })).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return appendChange(tx, storeId, 'stock', { levels, source });
}

export const stockTransferSchema = z
  .object({
    from_store: storeIdSchema,
    to_store: storeIdSchema,
    items: z
      .array(z.object({ sku: safeText().min(1).max(64), quantity: z.object({ units: z.number().int().min(1).refine(Number.isSafeInteger), scale: z.number().int().min(0).max(6) }) }).strict())
      .min(1)
      .max(5_000),
    note: safeText().max(200).optional(),
  })
  .strict()
  .refine((t) => t.from_store !== t.to_store, { message: 'from_store and to_store must differ', path: ['to_store'] })
  .refine((t) => new Set(t.items.map((i) => i.sku)).size === t.items.length, { message: 'each SKU at most once', path: ['items'] });
export type StockTransfer = z.infer<typeof stockTransferSchema>;

/**
 * Moves goods from one store to another in one transaction: a transfer row, transfer_out
 * movements at the source and transfer_in at the destination, both levels, and a stock change
 * for each store's registers. Refused (nothing written) when the source has less on hand.
 */
export async function transferStock(tx: Queryable, t: StockTransfer, createdBy: string | null): Promise<{ transfer_id: number; changes: StoreChange[] }> {
  const stores = await tx.query<{ store_id: string }>(`SELECT store_id FROM stores WHERE store_id = ANY($1::text[])`, [[t.from_store, t.to_store]]);
  for (const [s, field] of [[t.from_store, 'from_store'], [t.to_store, 'to_store']] as const) {
    if (!stores.rows.some((r) => r.store_id === s)) throw new AuthError('NOT_FOUND', `unknown store ${s}`, field);
  }
  const items = t.items.map((i) => ({ sku: i.sku, quantity: qtyToDecimal(i.quantity) }));
  // Lock the source's levels (SKU order) and check them under the lock.
  const { rows: have } = await tx.query<{ sku: string; short: boolean; on_hand: string }>(
    `SELECT x.sku, coalesce(l.on_hand, 0) < x.quantity AS short, coalesce(l.on_hand, 0)::text AS on_hand
       FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric)
       LEFT JOIN LATERAL (SELECT on_hand FROM stock_levels WHERE store_id = $2 AND sku = x.sku FOR UPDATE) l ON TRUE
      ORDER BY x.sku`,
    [JSON.stringify(items), t.from_store],
  );
  const short = have.filter((h) => h.short);
  if (short.length) {
    throw new AuthError('CONFLICT', `not enough stock at ${t.from_store}: ${short.map((s) => `${s.sku} has ${s.on_hand}`).join(', ').slice(0, 300)}`, 'items');
  }
  const { rows } = await tx.query<{ transfer_id: string }>(
    `INSERT INTO stock_transfers (from_store, to_store, items, note, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING transfer_id::text AS transfer_id`,
    [t.from_store, t.to_store, JSON.stringify(t.items), t.note ?? '', createdBy],
  );
  const id = Number(rows[0]!.transfer_id);
  const source = { reason: 'transfer', transfer_id: id, from_store: t.from_store, to_store: t.to_store };
  // Stores in a fixed order, so two transfers in opposite directions lock the same way.
  const order = [t.from_store, t.to_store].sort();
  const changes: StoreChange[] = [];
  for (const s of order) {
    const out = s === t.from_store;
    changes.push(await moveStock(tx, s, items.map((i) => ({ sku: i.sku, quantity: out ? `-${i.quantity}` : i.quantity })), out ? 'transfer_out' : 'transfer_in', id, source));
  }
  return { transfer_id: id, changes };
}

/** A level must stay a Quantity (|units| < 2^53 at its scale); refusing here rolls the adjustment back. */
function levelOrRefuse(sku: string, onHand: string) {
  try {
    return decimalToQty(onHand);
  } catch {
    throw new AuthError('BAD_REQUEST', `items: stock of ${sku} would become ${onHand}, beyond the largest quantity the hub carries (2^53-1 units at its scale)`, 'items');
  }
}
