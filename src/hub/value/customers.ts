import { MAX_CUSTOMER_RESULTS, type CustomerCreateRequest, type CustomerLookupRequest, type CustomerView } from '../../core/protocol';
import type { Db, Queryable } from '../db/db';
import { tierFor, type LoyaltyTier } from '../../core/loyalty';
import { accountIdOf, addMovement, canonicalCustomers, lockAccounts } from './accounts';
import { loyaltySettings } from './settings';

// Customers are the hub's: created at a register (online, or offline under the register's
// own id and sent when it is back), or by HQ. A register sees only what it needs at the
// counter (name, loyalty id, last four of the phone, points); nothing personal is logged —
// callers log ids and counts only. A register's id that turns out to name an existing
// customer (same loyalty id or phone, typically created offline) becomes an alias of it, and
// the points earned under it move there (two `merge` movements, once).

type CustomerRow = {
  customer_id: string;
  name: string;
  phone: string | null;
  loyalty_id: string | null;
  origin_store_id: string | null;
  points: number | null;
  held: number | null;
  lifetime: number | null;
};

// Lifetime points (for tiers): what was earned less what returns and post-voids took back,
// on the customer's points account and on those of the ids merged into it (an alias's earns
// stay on its own account; the merge moves only the balance). A post-void's movement (kind
// 'void', cause `<event>/void/<movement_id>`) counts when the movement it reverses was an earn
// or unearn; giving back redeemed points does not.
const SELECT = `SELECT c.customer_id, c.name, c.phone, c.loyalty_id, c.origin_store_id, a.balance::float8 AS points, a.held::float8 AS held,
                       (SELECT coalesce(sum(m.amount), 0) FROM value_movements m JOIN value_accounts pa ON pa.account_id = m.account_id
                         WHERE pa.kind = 'points'
                           AND (pa.ref = c.customer_id OR pa.ref IN (SELECT ca.alias_id FROM customer_aliases ca WHERE ca.customer_id = c.customer_id))
                           AND (m.kind IN ('earn', 'unearn')
                                OR (m.kind = 'void' AND EXISTS (SELECT 1 FROM value_movements o
                                     WHERE o.movement_id = CASE WHEN m.cause ~ '/void/[0-9]{1,18}$' THEN split_part(m.cause, '/void/', 2)::bigint END
                                       AND o.kind IN ('earn', 'unearn')))))::float8 AS lifetime
                  FROM customers c LEFT JOIN value_accounts a ON a.kind = 'points' AND a.ref = c.customer_id`;

function view(r: CustomerRow, tiers: readonly LoyaltyTier[] = []): CustomerView {
  const points = Number(r.points ?? 0);
  const tier = tierFor(tiers, Number(r.lifetime ?? 0));
  return {
    customer_id: r.customer_id,
    name: r.name,
    loyalty_id: r.loyalty_id,
    phone_last4: r.phone ? r.phone.slice(-4) : null,
    points,
    points_available: points - Number(r.held ?? 0),
    origin_store_id: r.origin_store_id,
    ...(tiers.length ? { tier: tier ? { name: tier.name, multiplier_pct: tier.multiplier_pct } : null } : {}),
  };
}

export async function lookupCustomers(db: Queryable, req: CustomerLookupRequest): Promise<CustomerView[]> {
  const { tiers } = await loyaltySettings(db);
  const v = (r: CustomerRow) => view(r, tiers);
  const limit = MAX_CUSTOMER_RESULTS;
  if (req.by === 'customer_id') {
    const id = (await canonicalCustomers(db, [req.q])).get(req.q)!;
    return (await db.query<CustomerRow>(`${SELECT} WHERE c.customer_id = $1`, [id])).rows.map(v);
  }
  if (req.by === 'loyalty_id') return (await db.query<CustomerRow>(`${SELECT} WHERE c.loyalty_id = $1`, [req.q])).rows.map(v);
  if (req.by === 'phone') {
    const digits = req.q.replace(/\D/g, '');
    if (digits.length < 6) return [];
    return (await db.query<CustomerRow>(`${SELECT} WHERE c.phone = $1`, [digits])).rows.map(v);
  }
  const prefix = req.q.trim().toLowerCase();
  if (prefix.length < 2) return [];
  const pattern = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return (await db.query<CustomerRow>(`${SELECT} WHERE lower(c.name) LIKE $1 ORDER BY lower(c.name), c.customer_id LIMIT ${limit}`, [pattern])).rows.map(v);
}

export interface CreatedBy {
  /** terminal id or user id */
  by: string;
  store_id: string | null;
}

/** Creates the customer under its id, or merges it into the one with the same loyalty id or phone. Idempotent by customer_id. */
export async function createCustomer(db: Db, who: CreatedBy, req: CustomerCreateRequest): Promise<{ customer: CustomerView; merged: boolean }> {
  return db.transaction(async (tx) => {
    const { tiers } = await loyaltySettings(tx);
    const canonical = (await canonicalCustomers(tx, [req.customer_id])).get(req.customer_id)!;
    if (canonical !== req.customer_id) {
      const row = (await tx.query<CustomerRow>(`${SELECT} WHERE c.customer_id = $1`, [canonical])).rows[0]!;
      return { customer: view(row, tiers), merged: true };
    }
    const same = (await tx.query<CustomerRow>(`${SELECT} WHERE c.customer_id = $1`, [req.customer_id])).rows[0];
    if (same) return { customer: view(same, tiers), merged: false };
    // Lock out a concurrent create of the same person; then look for an existing one.
    const match = (
      await tx.query<CustomerRow>(
        `${SELECT} WHERE ($1::text IS NOT NULL AND c.loyalty_id = $1) OR ($2::text IS NOT NULL AND c.phone = $2) ORDER BY c.created_at, c.customer_id LIMIT 1`,
        [req.loyalty_id ?? null, req.phone ?? null],
      )
    ).rows[0];
    if (match) {
      await tx.query(`INSERT INTO customer_aliases (alias_id, customer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [req.customer_id, match.customer_id]);
      await mergePoints(tx, req.customer_id, match.customer_id);
      const row = (await tx.query<CustomerRow>(`${SELECT} WHERE c.customer_id = $1`, [match.customer_id])).rows[0]!;
      return { customer: view(row, tiers), merged: true };
    }
    await tx.query(
      `INSERT INTO customers (customer_id, name, phone, email, loyalty_id, consent, origin_store_id, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [req.customer_id, req.name, req.phone ?? null, req.email ?? null, req.loyalty_id ?? null, JSON.stringify(req.consent), who.store_id, who.by],
    );
    const row = (await tx.query<CustomerRow>(`${SELECT} WHERE c.customer_id = $1`, [req.customer_id])).rows[0]!;
    return { customer: view(row, tiers), merged: false };
  });
}

/** Points earned under a provisional id (sales that reached the hub before the customer did) move to the customer. */
async function mergePoints(tx: Queryable, aliasId: string, customerId: string): Promise<void> {
  const from = accountIdOf({ kind: 'points', customer_id: aliasId });
  const to = accountIdOf({ kind: 'points', customer_id: customerId });
  // Locks (creating) the alias's account even when it is empty: an ingest that resolved the
  // alias before this commits waits here, then resolves it again (apply-event.ts).
  const accounts = await lockAccounts(tx, [{ kind: 'points', customer_id: aliasId }, { kind: 'points', customer_id: customerId }], 'XXX', null);
  const src = accounts.get(from)!;
  if (src.balance === 0) return;
  const cause = `merge:${aliasId}`;
  await addMovement(tx, { account_id: from, amount: -src.balance, value: -src.value, kind: 'merge', cause: `${cause}/out`, reason: `merged into ${customerId}` });
  await addMovement(tx, { account_id: to, amount: src.balance, value: src.value, kind: 'merge', cause: `${cause}/in`, reason: `merged from ${aliasId}` });
}
