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

/** A sales figures table, its time column and how a journal row's time falls into it. */
const FIGURES = {
  hourly: { table: 'sales_hourly', alias: 'h', at: 'hour', bucket: `date_trunc('hour', e.occurred_at)` },
  daily: { table: 'sales_daily', alias: 'd', at: 'day', bucket: `(e.occurred_at AT TIME ZONE 'UTC')::date` },
} as const;

/**
 * SQL: adds the journal rows in the jsonb parameter `param` (store_id, type, occurred_at,
 * payload; sale types only) to one figures table, rows in key order. Ingest runs it as a
 * statement of its own or inside its shared-rows statement (ingest.ts applyShared).
 */
export function salesFiguresUpsertSql(which: keyof typeof FIGURES, param: string, extraWhere = ''): string {
  const { table, alias: a, at, bucket } = FIGURES[which];
  return `INSERT INTO ${table} AS ${a} (store_id, ${at}, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
     SELECT store_id, ${at}, cur,
            count(*) FILTER (WHERE type = 'sale.completed'), coalesce(sum(amt) FILTER (WHERE type = 'sale.completed'), 0),
            count(*) FILTER (WHERE type = 'sale.refunded'), coalesce(sum(amt) FILTER (WHERE type = 'sale.refunded'), 0),
            count(*) FILTER (WHERE type = 'sale.post_voided'), coalesce(sum(amt) FILTER (WHERE type = 'sale.post_voided'), 0)
       FROM (SELECT e.store_id, ${bucket} AS ${at}, e.type, ${CURRENCY_SQL} AS cur, ${SIGNED_AMOUNT_SQL} AS amt
               FROM jsonb_to_recordset(${param}::jsonb) AS e(store_id text, type text, occurred_at timestamptz, payload jsonb)) s
      WHERE cur IS NOT NULL${extraWhere}
      GROUP BY store_id, ${at}, cur
      ORDER BY store_id, ${at}, cur
     ON CONFLICT (store_id, ${at}, currency) DO UPDATE SET
       sales_count = ${a}.sales_count + EXCLUDED.sales_count, sales_total = ${a}.sales_total + EXCLUDED.sales_total,
       refunds_count = ${a}.refunds_count + EXCLUDED.refunds_count, refunds_total = ${a}.refunds_total + EXCLUDED.refunds_total,
       voids_count = ${a}.voids_count + EXCLUDED.voids_count, voids_total = ${a}.voids_total + EXCLUDED.voids_total`;
}

/** The rows of a batch the figures count, as the jsonb parameter of salesFiguresUpsertSql (null: none). */
export function salesFiguresParam(rows: Array<{ store_id: string; type: string; occurred_at: string; payload: unknown }>): string | null {
  const sales = rows.filter((r) => (SALE_TYPES as readonly string[]).includes(r.type));
  if (sales.length === 0) return null;
  // Only the members SIGNED_AMOUNT_SQL and CURRENCY_SQL read: a sale's lines need not travel twice.
  const slim = (p: unknown) => {
    const x = p as { currency?: unknown; totals?: { total?: unknown }; original?: { currency?: unknown; totals?: { total?: unknown } } } | null;
    return { currency: x?.currency, totals: { total: x?.totals?.total }, original: { currency: x?.original?.currency, totals: { total: x?.original?.totals?.total } } };
  };
  return JSON.stringify(sales.map((r) => ({ store_id: r.store_id, type: r.type, occurred_at: r.occurred_at, payload: slim(r.payload) })));
}

/** Adds journal rows (as inserted by ingest) to the hourly and daily figures; two statements. */
export async function addToSalesFigures(tx: Queryable, rows: Array<{ store_id: string; type: string; occurred_at: string; payload: unknown }>): Promise<void> {
  const param = salesFiguresParam(rows);
  if (param === null) return;
  await tx.query(salesFiguresUpsertSql('hourly', '$1'), [param]);
  await tx.query(salesFiguresUpsertSql('daily', '$1'), [param]);
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
