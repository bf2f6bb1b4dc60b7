import type { Queryable } from '../db/db';

// The hub's balances against the general ledger: the gift card liability account holds Σ of
// gift card balances (per currency), the loyalty liability Σ of the points' value. They agree
// because both come from the same journal events, applied once in one transaction.

export interface ValueReconciliation {
  gift_cards: Array<{ currency: string; balances: number; ledger: number; difference: number }>;
  points: { points: number; value: number; ledger: number; difference: number } | null;
  /** Accounts whose stored balance is not the sum of their movements (should be none). */
  drift: Array<{ account_id: string; balance: number; movements: number }>;
}

async function liability(db: Queryable, account: string): Promise<Map<string, number>> {
  const { rows } = await db.query<{ currency: string; net: string }>(
    `SELECT currency, (sum(credit) - sum(debit))::text AS net FROM ledger_lines WHERE account = $1 GROUP BY currency`,
    [account],
  );
  return new Map(rows.map((r) => [r.currency, Number(r.net)]));
}

export async function reconcileValue(db: Queryable, accounts: { gift_card: string; points: string | null }): Promise<ValueReconciliation> {
  const gl = await liability(db, accounts.gift_card);
  const { rows } = await db.query<{ currency: string; total: string }>(
    `SELECT currency, sum(balance)::text AS total FROM value_accounts WHERE kind = 'gift_card' GROUP BY currency`,
  );
  const currencies = new Set([...gl.keys(), ...rows.map((r) => r.currency)]);
  const balances = new Map(rows.map((r) => [r.currency, Number(r.total)]));
  const gift_cards = [...currencies].sort().map((c) => {
    const b = balances.get(c) ?? 0;
    const l = gl.get(c) ?? 0;
    return { currency: c, balances: b, ledger: l, difference: l - b };
  });
  let points: ValueReconciliation['points'] = null;
  if (accounts.points) {
    const pl = [...(await liability(db, accounts.points)).values()].reduce((s, v) => s + v, 0);
    const { rows: p } = await db.query<{ points: string; value: string }>(`SELECT coalesce(sum(balance), 0)::text AS points, coalesce(sum(value), 0)::text AS value FROM value_accounts WHERE kind = 'points'`);
    points = { points: Number(p[0]!.points), value: Number(p[0]!.value), ledger: pl, difference: pl - Number(p[0]!.value) };
  }
  const { rows: drift } = await db.query<{ account_id: string; balance: string; movements: string }>(
    `SELECT a.account_id, a.balance::text AS balance, coalesce(m.total, 0)::text AS movements
       FROM value_accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM value_movements GROUP BY account_id) m ON m.account_id = a.account_id
      WHERE a.balance <> coalesce(m.total, 0) ORDER BY a.account_id LIMIT 100`,
  );
  return { gift_cards, points, drift: drift.map((d) => ({ account_id: d.account_id, balance: Number(d.balance), movements: Number(d.movements) })) };
}
