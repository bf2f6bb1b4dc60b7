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
  const rows = adj.items.map((it) => ({ sku: it.sku, quantity: qtyToDecimal(it.quantity), reason: adj.reason }));
  return moveStock(tx, adj.store_id, rows, null, { reason: adj.reason });
}

/** Movements (signed decimal quantities, each with its reason) plus levels for one store, and its one stock change. */
export async function moveStock(
  tx: Queryable,
  storeId: string,
  items: Array<{ sku: string; quantity: string; reason: string }>,
  transferId: number | null,
  source: Record<string, unknown>,
): Promise<StoreChange> {
  // Same lock order as ingest: SKU rows sorted, then the store row (appendChange).
  const rows = [...items].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  await tx.query(
    `INSERT INTO stock_movements (store_id, sku, quantity, reason, transfer_id) SELECT $2, x.sku, x.quantity, x.reason, $3 FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric, reason text)`,
    [JSON.stringify(rows), storeId, transferId],
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

/** A level must stay a Quantity (|units| < 2^53 at its scale); refusing here rolls the adjustment back. */
function levelOrRefuse(sku: string, onHand: string) {
  try {
    return decimalToQty(onHand);
  } catch {
    throw new AuthError('BAD_REQUEST', `items: stock of ${sku} would become ${onHand}, beyond the largest quantity the hub carries (2^53-1 units at its scale)`, 'items');
  }
}
