import type { StoreChange } from '../core/protocol';
import type { Queryable } from './db/db';

// A price book written to one store: the prices, the store's change-log entries and (for the
// first store of a currency) the shared payloads, in ONE statement, so a store costs one
// round trip and is atomic on its own (a single statement is its own transaction when the
// caller has none). Issue 18: with the registers' messages arriving on the same Node thread,
// every round trip waited behind them; four a store made the writing, not the sending, the cost.
//
// The payloads (the book in parts of at most ITEMS_PER_CHANGE, in the store's currency) are
// stored once in change_payloads (migration 028) and referenced by every store's entries; a
// store's cursors are its own and gap-free, as for every change (changes.ts).

/** A price book is split into change entries of at most this many items (bounded push size). */
export const ITEMS_PER_CHANGE = 500;

export interface PriceItem {
  sku: string;
  amount: number;
}

/** The change payloads of one currency: ids allocated up front, stored by the first store that uses them. */
export interface SharedPayloads {
  ids: number[];
  payloads: Record<string, unknown>[];
  /** False until a statement that stored them has committed (or, inside a caller's transaction, ran). */
  stored: boolean;
  /** The book (one price per SKU, the last one winning) as Postgres array literals, built once for every store. */
  book: { skus: string; amounts: string };
}

/** The book's change payloads for one currency, with ids from the sequence (no rows yet). */
export async function planSharedPayloads(db: Queryable, prices: PriceItem[], currency: string, reason: string | null): Promise<SharedPayloads> {
  const payloads: Record<string, unknown>[] = [];
  for (let i = 0; i < prices.length; i += ITEMS_PER_CHANGE) {
    payloads.push({ prices: prices.slice(i, i + ITEMS_PER_CHANGE).map((p) => ({ ...p, currency })), reason });
  }
  const { rows } = await db.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('change_payloads', 'payload_id')) AS id FROM generate_series(1, $1::int) ORDER BY 1`,
    [payloads.length],
  );
  const unique = lastBySku(prices);
  return { ids: rows.map((r) => Number(r.id)), payloads, stored: false, book: { skus: textArray(unique.map((p) => p.sku)), amounts: `{${unique.map((p) => p.amount).join(',')}}` } };
}

/**
 * A Postgres array literal of strings, every element quoted (so NULL, commas, braces and
 * blanks are plain text) with backslash and double quote escaped. Built once per book: the
 * driver would otherwise serialize the same 10,000 SKUs again for every store (about 10 ms of
 * the hub's thread a store, the thread that also pushes to the registers).
 */
export function textArray(xs: string[]): string {
  return `{${xs.map((x) => `"${x.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** One row per SKU, the last one winning (a multi-row upsert may not touch a row twice). */
function lastBySku(xs: PriceItem[]): PriceItem[] {
  return [...new Map(xs.map((x) => [x.sku, x])).values()];
}

/**
 * Writes the prices and appends one change per shared payload to the store's log. The store
 * row is locked first (the cursor bump feeds the other parts), then its price rows: one store
 * at a time, so price changes never wait on each other in a cycle. Existing prices are
 * updated through a join and only the missing ones inserted: about half the work of an
 * INSERT … ON CONFLICT per row, and with half of each page of prices left free (fillfactor 50, migration 033)
 * the update stays on its page (HOT, no index entry). An unchanged price is not rewritten
 * (no dead row; updated_at says when it last changed) but is still sent, so every register
 * ends with the book as posted. Returns the store's changes, carrying the payloads.
 */
export async function writeStorePrices(db: Queryable, storeId: string, currency: string, shared: SharedPayloads): Promise<StoreChange[]> {
  const n = shared.ids.length;
  if (n === 0) return [];
  const { rows } = await db.query<{ first: number | null; created_at: Date | null }>(
    `WITH cur AS (
       UPDATE stores SET change_cursor = change_cursor + $5::int WHERE store_id = $1 RETURNING change_cursor - $5::int AS base
     ), pay AS (
       INSERT INTO change_payloads (payload_id, payload)
       SELECT ($6::bigint[])[x.o], x.p FROM cur, jsonb_array_elements($7::jsonb) WITH ORDINALITY AS x(p, o)
       RETURNING payload_id
     ), book AS (
       SELECT x.sku, x.amount FROM cur, unnest($2::text::text[], $3::text::bigint[]) AS x(sku, amount)
     ), up AS (
       UPDATE prices p SET amount = b.amount, currency = $4, updated_at = now() FROM book b
        WHERE p.store_id = $1 AND p.sku = b.sku AND (p.amount <> b.amount OR p.currency <> $4)
       RETURNING 1
     ), ins AS (
       INSERT INTO prices (store_id, sku, amount, currency)
       SELECT $1, b.sku, b.amount, $4 FROM book b WHERE NOT EXISTS (SELECT 1 FROM prices p WHERE p.store_id = $1 AND p.sku = b.sku)
       ON CONFLICT (store_id, sku) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, updated_at = now()
       RETURNING 1
     ), log AS (
       INSERT INTO change_log (store_id, cursor, kind, payload_id)
       SELECT $1, cur.base + x.o, 'price', x.id FROM cur, unnest($6::bigint[]) WITH ORDINALITY AS x(id, o)
       RETURNING cursor, created_at
     )
     SELECT (SELECT count(*) FROM up) + (SELECT count(*) FROM ins) AS written, (SELECT count(*) FROM pay) AS stored, min(cursor) AS first, min(created_at) AS created_at FROM log`,
    [storeId, shared.book.skus, shared.book.amounts, currency, n, shared.ids, shared.stored ? '[]' : JSON.stringify(shared.payloads)],
  );
  const first = rows[0]?.first;
  if (first === null || first === undefined) throw new Error(`unknown store ${storeId}`);
  // now() is the transaction's time: every entry of the statement has the same created_at.
  const createdAt = new Date(rows[0]!.created_at!).toISOString();
  return shared.payloads.map((payload, i) => ({ store_id: storeId, cursor: Number(first) + i, kind: 'price', payload, created_at: createdAt }));
}
