import type { ValueAccountRef } from '../../core/loyalty';
import type { Queryable } from '../db/db';

// Gift card and points accounts. An account row carries its balance (Σ amount of its
// movements) and value (Σ value: the same in minor units, what the ledger's liability holds)
// and what reservations hold; all three change only under the row's lock, in the same
// transaction as the movement or reservation that changes them.

export const accountIdOf = (ref: ValueAccountRef): string => (ref.kind === 'gift_card' ? `gift:${ref.gift_card_id}` : `points:${ref.customer_id}`);

export type AccountRow = {
  account_id: string;
  kind: 'gift_card' | 'points';
  ref: string;
  currency: string | null;
  balance: number;
  value: number;
  held: number;
};

const COLS = `account_id, kind, ref, currency, balance::float8 AS balance, value::float8 AS value, held::float8 AS held`;

function toRow(r: AccountRow): AccountRow {
  return { ...r, balance: Number(r.balance), value: Number(r.value), held: Number(r.held) };
}

/** The customer a (possibly provisional) id names now: merged ids resolve to their customer. */
export async function canonicalCustomers(tx: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map(ids.map((i) => [i, i]));
  if (ids.length === 0) return out;
  const { rows } = await tx.query<{ alias_id: string; customer_id: string }>(`SELECT alias_id, customer_id FROM customer_aliases WHERE alias_id = ANY($1::text[])`, [[...new Set(ids)]]);
  for (const r of rows) out.set(r.alias_id, r.customer_id);
  return out;
}

/** Resolves refs through customer aliases. */
export async function canonicalRefs(tx: Queryable, refs: readonly ValueAccountRef[]): Promise<ValueAccountRef[]> {
  const customers = await canonicalCustomers(tx, refs.flatMap((r) => (r.kind === 'points' ? [r.customer_id] : [])));
  return refs.map((r) => (r.kind === 'points' ? { kind: 'points', customer_id: customers.get(r.customer_id) ?? r.customer_id } : r));
}

/**
 * Creates the accounts that do not exist yet (a gift card in `currency`, the store's) and
 * locks all of them, in account id order so two transactions never wait on each other in a
 * cycle. Refs must already be canonical.
 */
export async function lockAccounts(tx: Queryable, refs: readonly ValueAccountRef[], currency: string, storeId: string | null, create = true): Promise<Map<string, AccountRow>> {
  const byId = new Map<string, ValueAccountRef>();
  for (const r of refs) byId.set(accountIdOf(r), r);
  const ids = [...byId.keys()].sort();
  if (ids.length === 0) return new Map();
  if (create) {
    const rows = ids.map((id) => {
      const r = byId.get(id)!;
      return { account_id: id, kind: r.kind, ref: r.kind === 'gift_card' ? r.gift_card_id : r.customer_id, currency: r.kind === 'gift_card' ? currency : null };
    });
    await tx.query(
      `INSERT INTO value_accounts (account_id, kind, ref, currency, origin_store_id)
       SELECT x.account_id, x.kind, x.ref, x.currency, $2 FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, kind text, ref text, currency text)
        ORDER BY x.account_id ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows), storeId],
    );
  }
  const { rows } = await tx.query<AccountRow>(`SELECT ${COLS} FROM value_accounts WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`, [ids]);
  return new Map(rows.map((r) => [r.account_id, toRow(r)]));
}

export async function readAccount(tx: Queryable, accountId: string): Promise<AccountRow | undefined> {
  const { rows } = await tx.query<AccountRow>(`SELECT ${COLS} FROM value_accounts WHERE account_id = $1`, [accountId]);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export interface MovementInsert {
  account_id: string;
  amount: number;
  value: number;
  kind: string;
  cause: string;
  event_id?: string | null;
  store_id?: string | null;
  terminal_id?: string | null;
  seq?: number | null;
  offline?: boolean;
  reason?: string | null;
  created_by?: string | null;
}

/**
 * Appends a movement and moves the (locked) account's balance by it, once: a cause already
 * recorded changes nothing and returns null. Returns the account's balance after it.
 */
export async function addMovement(tx: Queryable, m: MovementInsert): Promise<{ balance: number; value: number } | null> {
  const ins = await tx.query<{ movement_id: number }>(
    `INSERT INTO value_movements (account_id, amount, value, kind, cause, event_id, store_id, terminal_id, seq, offline, reason, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (cause) DO NOTHING RETURNING movement_id`,
    [m.account_id, m.amount, m.value, m.kind, m.cause, m.event_id ?? null, m.store_id ?? null, m.terminal_id ?? null, m.seq ?? null, m.offline ?? false, m.reason ?? null, m.created_by ?? null],
  );
  if (ins.rows.length === 0) return null;
  const { rows } = await tx.query<{ balance: number; value: number }>(
    `UPDATE value_accounts SET balance = balance + $2, value = value + $3 WHERE account_id = $1 RETURNING balance::float8 AS balance, value::float8 AS value`,
    [m.account_id, m.amount, m.value],
  );
  if (!rows[0]) throw new Error(`value account ${m.account_id} vanished under its lock`);
  return { balance: Number(rows[0].balance), value: Number(rows[0].value) };
}
