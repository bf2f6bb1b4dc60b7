import type { Queryable } from './db/db';

// Read side of the ledger: trial balance, stock checks. Used by the HTTP API, the CLI and tests.

export interface TrialBalanceRow {
  account: string;
  currency: string;
  debit: number;
  credit: number;
}

export async function trialBalance(db: Queryable): Promise<{ rows: TrialBalanceRow[]; balanced: boolean; totals: Record<string, { debit: number; credit: number }> }> {
  const { rows } = await db.query<{ account: string; currency: string; debit: string; credit: string }>(
    `SELECT account, currency, sum(debit)::text AS debit, sum(credit)::text AS credit
       FROM ledger_lines GROUP BY account, currency ORDER BY currency, account`,
  );
  const out = rows.map((r) => ({ account: r.account, currency: r.currency, debit: Number(r.debit), credit: Number(r.credit) }));
  const totals: Record<string, { debit: number; credit: number }> = {};
  for (const r of out) {
    const t = (totals[r.currency] ??= { debit: 0, credit: 0 });
    t.debit += r.debit;
    t.credit += r.credit;
  }
  const balanced = Object.values(totals).every((t) => t.debit === t.credit);
  return { rows: out, balanced, totals };
}

export async function stockLevels(db: Queryable, storeId: string): Promise<Array<{ sku: string; on_hand: string; from_movements: string }>> {
  const { rows } = await db.query<{ sku: string; on_hand: string; from_movements: string }>(
    `SELECT l.sku, l.on_hand::text AS on_hand, coalesce(m.total, 0)::text AS from_movements
       FROM stock_levels l
       LEFT JOIN (SELECT sku, sum(quantity) AS total FROM stock_movements WHERE store_id = $1 GROUP BY sku) m ON m.sku = l.sku
      WHERE l.store_id = $1 ORDER BY l.sku`,
    [storeId],
  );
  return rows;
}
