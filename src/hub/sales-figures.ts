import type { Queryable } from './db/db';

// Sales figures the dashboard reads: per store, hour (UTC) and currency, kept in
// sales_hourly by the transaction that applies the journal rows (ingest's flush), so a
// dashboard over 200 stores and a year reads a few thousand rows, never the journal.
// Amounts are signed: a sale counts +total, a refund -total, a post-void -original total.

/** SQL: the signed amount of a journal row aliased `e` (null for types that move no money). */
export const SIGNED_AMOUNT_SQL = `CASE e.type WHEN 'sale.completed' THEN (e.payload->'totals'->>'total')::bigint
  WHEN 'sale.refunded' THEN -(e.payload->'totals'->>'total')::bigint
  WHEN 'sale.post_voided' THEN -(e.payload->'original'->'totals'->>'total')::bigint END`;
/** SQL: the currency of a journal row aliased `e`. */
export const CURRENCY_SQL = `coalesce(e.payload->>'currency', e.payload->'original'->>'currency')`;
export const SALE_TYPES = ['sale.completed', 'sale.refunded', 'sale.post_voided'] as const;

/** Adds journal rows (as inserted by ingest) to the hourly figures; one statement. */
export async function addToSalesFigures(tx: Queryable, rows: Array<{ store_id: string; type: string; occurred_at: string; payload: unknown }>): Promise<void> {
  const sales = rows.filter((r) => (SALE_TYPES as readonly string[]).includes(r.type));
  if (sales.length === 0) return;
  await tx.query(
    `INSERT INTO sales_hourly AS h (store_id, hour, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
     SELECT store_id, hour, cur,
            count(*) FILTER (WHERE type = 'sale.completed'), coalesce(sum(amt) FILTER (WHERE type = 'sale.completed'), 0),
            count(*) FILTER (WHERE type = 'sale.refunded'), coalesce(sum(amt) FILTER (WHERE type = 'sale.refunded'), 0),
            count(*) FILTER (WHERE type = 'sale.post_voided'), coalesce(sum(amt) FILTER (WHERE type = 'sale.post_voided'), 0)
       FROM (SELECT e.store_id, date_trunc('hour', e.occurred_at) AS hour, e.type, ${CURRENCY_SQL} AS cur, ${SIGNED_AMOUNT_SQL} AS amt
               FROM jsonb_to_recordset($1::jsonb) AS e(store_id text, type text, occurred_at timestamptz, payload jsonb)) s
      WHERE cur IS NOT NULL
      GROUP BY store_id, hour, cur
      ORDER BY store_id, hour, cur
     ON CONFLICT (store_id, hour, currency) DO UPDATE SET
       sales_count = h.sales_count + EXCLUDED.sales_count, sales_total = h.sales_total + EXCLUDED.sales_total,
       refunds_count = h.refunds_count + EXCLUDED.refunds_count, refunds_total = h.refunds_total + EXCLUDED.refunds_total,
       voids_count = h.voids_count + EXCLUDED.voids_count, voids_total = h.voids_total + EXCLUDED.voids_total`,
    [JSON.stringify(sales.map((r) => ({ store_id: r.store_id, type: r.type, occurred_at: r.occurred_at, payload: r.payload })))],
  );
  await tx.query(
    `INSERT INTO sales_daily AS d (store_id, day, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
     SELECT store_id, day, cur,
            count(*) FILTER (WHERE type = 'sale.completed'), coalesce(sum(amt) FILTER (WHERE type = 'sale.completed'), 0),
            count(*) FILTER (WHERE type = 'sale.refunded'), coalesce(sum(amt) FILTER (WHERE type = 'sale.refunded'), 0),
            count(*) FILTER (WHERE type = 'sale.post_voided'), coalesce(sum(amt) FILTER (WHERE type = 'sale.post_voided'), 0)
       FROM (SELECT e.store_id, (e.occurred_at AT TIME ZONE 'UTC')::date AS day, e.type, ${CURRENCY_SQL} AS cur, ${SIGNED_AMOUNT_SQL} AS amt
               FROM jsonb_to_recordset($1::jsonb) AS e(store_id text, type text, occurred_at timestamptz, payload jsonb)) s
      WHERE cur IS NOT NULL
      GROUP BY store_id, day, cur
      ORDER BY store_id, day, cur
     ON CONFLICT (store_id, day, currency) DO UPDATE SET
       sales_count = d.sales_count + EXCLUDED.sales_count, sales_total = d.sales_total + EXCLUDED.sales_total,
       refunds_count = d.refunds_count + EXCLUDED.refunds_count, refunds_total = d.refunds_total + EXCLUDED.refunds_total,
       voids_count = d.voids_count + EXCLUDED.voids_count, voids_total = d.voids_total + EXCLUDED.voids_total`,
    [JSON.stringify(sales.map((r) => ({ store_id: r.store_id, type: r.type, occurred_at: r.occurred_at, payload: r.payload })))],
  );
}

/** The signed amount of a journal event in TypeScript (the same rule as SIGNED_AMOUNT_SQL). */
export function signedAmount(type: string, payload: unknown): { amount: number | null; currency: string | null } {
  const p = payload as { totals?: { total?: unknown }; currency?: unknown; original?: { totals?: { total?: unknown }; currency?: unknown } } | null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  if (type === 'sale.completed') return { amount: num(p?.totals?.total), currency: str(p?.currency) };
  if (type === 'sale.refunded') {
    const t = num(p?.totals?.total);
    return { amount: t === null ? null : -t, currency: str(p?.currency) };
  }
  if (type === 'sale.post_voided') {
    const t = num(p?.original?.totals?.total);
    return { amount: t === null ? null : -t, currency: str(p?.original?.currency) };
  }
  return { amount: null, currency: str(p?.currency) };
}
