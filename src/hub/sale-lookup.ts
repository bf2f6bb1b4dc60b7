import { MAX_LOOKUP_REVERSALS, type SaleLookupAck, type SaleLookupRequest } from '../core/protocol';
import type { Db } from './db/db';

// 'sale.lookup': a register asks for a sale of its store by receipt number, to return goods
// bought at another register. The hub is the authority on what was already reversed of it:
// refunds and a post-void from every register of the store that the hub has applied. Reads
// the primary key (terminal, seq) and the partial indexes of migration 003; store-scoped.

export async function lookupSale(db: Db, storeId: string, req: SaleLookupRequest): Promise<SaleLookupAck> {
  const dash = req.receipt_no.lastIndexOf('-');
  const terminalId = req.receipt_no.slice(0, dash);
  const seq = Number(req.receipt_no.slice(dash + 1));
  const sale = await db.query<{ payload: Record<string, unknown> }>(
    `SELECT payload FROM journal_events WHERE terminal_id = $1 AND seq = $2 AND store_id = $3 AND type = 'sale.completed'`,
    [terminalId, seq, storeId],
  );
  const found = sale.rows[0];
  if (!found) return { ok: true, found: false };
  const saleId = String(found.payload.sale_id ?? '');
  const rev = await db.query<{ type: string; payload: Record<string, unknown> }>(
    `SELECT type, payload FROM journal_events
     WHERE store_id = $1 AND ((type = 'sale.refunded' AND payload->>'original_sale_id' = $2) OR (type = 'sale.post_voided' AND payload->>'sale_id' = $2))
     ORDER BY received_at, terminal_id, seq LIMIT ${MAX_LOOKUP_REVERSALS + 1}`,
    [storeId, saleId],
  );
  const refunds = rev.rows.filter((r) => r.type === 'sale.refunded').map((r) => r.payload).slice(0, MAX_LOOKUP_REVERSALS);
  const postVoid = rev.rows.find((r) => r.type === 'sale.post_voided')?.payload ?? null;
  return { ok: true, found: true, receipt_no: `${terminalId}-${String(seq).padStart(6, '0')}`, sale: found.payload, refunds, post_void: postVoid };
}
