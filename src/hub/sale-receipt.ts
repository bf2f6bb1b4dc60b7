import type { SaleCompletedPayload, SaleRefundedPayload } from '../core/events';
import { receiptFor, receiptNo, receiptText, storeHeader } from '../core/receipt';
import type { Queryable } from './db/db';

// The receipt of a journalled sale or refund as its register printed it, rebuilt with the
// register's own code (core/receipt: receiptFor, receiptText) from the journal payload. The
// register heads its receipts with the store's name and lines from the hub's latest 'config'
// changes it holds (merged key by key), else with its own config; the hub folds the 'config'
// changes made at or before the sale, and takes the store record where they say nothing. The
// cashier's name is the one the register gave for that id in its latest hello that named its
// cashiers (docs/sync-protocol.md 4.1; terminals.cashiers): the name printed, unless the
// register's config renamed the cashier since; a register that never sent names (an older
// one) leaves the id. What the hub does not hold is left out: the points and gift card balance
// lines the register asked of the hub at the time of the sale are not printed again. The time is printed in the store's time zone
// (config.time_zone), else the hub's, where the register prints its machine's local time.

export const RECEIPT_LOCALE_DEFAULT = 'en-US';
/** The store edits folded into a receipt's header: the newest ones (a store is edited by hand). */
const MAX_CONFIG_CHANGES = 500;

export interface SaleReceipt {
  receipt_no: string;
  kind: 'sale' | 'refund';
  text: string;
}

export async function saleReceipt(
  db: Queryable,
  ev: { store_id: string; terminal_id: string; seq: number; type: string; occurred_at: Date | string; payload: Record<string, unknown> },
): Promise<SaleReceipt | null> {
  if (ev.type !== 'sale.completed' && ev.type !== 'sale.refunded') return null;
  // A register keeps the hub's config settings key by key (a name-only edit leaves the lines it
  // had), so the header is every 'config' change up to the sale, folded in order.
  const payload = ev.payload as unknown as SaleCompletedPayload | SaleRefundedPayload;
  const cashierId = String(payload.cashier_id ?? '');
  const { rows } = await db.query<{ name: string; config: Record<string, unknown> | null; changes: Array<Record<string, unknown>> | null; cashier_name: string | null }>(
    `SELECT s.name, s.config,
            (SELECT t.cashiers->>($4::text) FROM terminals t WHERE t.terminal_id = $3::text) AS cashier_name,
            (SELECT jsonb_agg(c.payload ORDER BY c.cursor) FROM (
               SELECT cursor, payload FROM change_log
                WHERE store_id = s.store_id AND kind = 'config' AND created_at <= $2
                ORDER BY cursor DESC LIMIT ${MAX_CONFIG_CHANGES}) c) AS changes
       FROM stores s WHERE s.store_id = $1`,
    [ev.store_id, ev.occurred_at instanceof Date ? ev.occurred_at.toISOString() : ev.occurred_at, ev.terminal_id, cashierId],
  );
  const store = rows[0];
  if (!store) return null;
  const config = store.config ?? {};
  const held: Record<string, unknown> = Object.assign({}, ...(store.changes ?? []));
  const own = { store_name: store.name, store_lines: Array.isArray(config.receipt_lines) ? (config.receipt_lines as string[]) : [] };
  const kind = ev.type === 'sale.completed' ? 'sale' : 'refund';
  const no = receiptNo(ev.terminal_id, ev.seq);
  const doc = receiptFor(kind, payload, {
    ...storeHeader(held, own),
    locale: typeof config.locale === 'string' ? config.locale : RECEIPT_LOCALE_DEFAULT,
    terminalId: ev.terminal_id,
    cashierName: store.cashier_name ?? cashierId,
    receiptNo: no,
  });
  // The register prints its local time, which is the store's; the hub may run elsewhere.
  const tz = held.time_zone ?? config.time_zone;
  const timeZone = typeof tz === 'string' && tz ? tz : undefined;
  return { receipt_no: no, kind, text: receiptText(doc, timeZone ? { timeZone } : {}) };
}
