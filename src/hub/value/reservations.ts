import type { TenderReserveAck, TenderReserveRequest } from '../../core/protocol';
import type { Alert } from '../../core/protocol';
import type { Db, Queryable } from '../db/db';
import { writeAlerts, type AlertDraft } from '../alerts';
import { accountIdOf, canonicalRefs, lockAccounts } from './accounts';
import { loyaltySettings } from './settings';

// Reservations: before a sale that spends a gift card or points completes, the register
// reserves the amount under the tender's key (sale_id, tender_id). The same key asked again
// answers the same reservation (a lost reply, a restarted register), never a second one. The
// sale's journal event settles it (apply-event.ts); a voided sale, or a tender taken off,
// releases it; one whose sale never arrives expires after the chain's TTL and is released
// with an alert. Locks: the account row first, then the reservation row — the order ingest
// and the expiry sweep use too.

type ReservationRow = {
  account_id: string;
  amount: number;
  status: 'held' | 'settled' | 'released' | 'expired';
  expires_at: Date;
  store_id: string;
  terminal_id: string;
};

async function reservationOf(tx: Queryable, saleId: string, tenderId: string): Promise<ReservationRow | undefined> {
  const { rows } = await tx.query<ReservationRow>(
    `SELECT account_id, amount::float8 AS amount, status, expires_at, store_id, terminal_id FROM value_reservations WHERE sale_id = $1 AND tender_id = $2 FOR UPDATE`,
    [saleId, tenderId],
  );
  return rows[0] ? { ...rows[0], amount: Number(rows[0].amount) } : undefined;
}

export async function reserve(db: Db, who: { store_id: string; terminal_id: string; currency: string }, req: TenderReserveRequest): Promise<TenderReserveAck> {
  const settings = await loyaltySettings(db);
  return db.transaction(async (tx) => {
    const [ref] = await canonicalRefs(tx, [req.account]);
    const accountId = accountIdOf(ref!);
    const accounts = await lockAccounts(tx, [ref!], who.currency, who.store_id, false);
    const acct = accounts.get(accountId);
    const existing = await reservationOf(tx, req.sale_id, req.tender_id);
    if (existing) {
      if (existing.account_id !== accountId || existing.amount !== req.amount || existing.store_id !== who.store_id) return { ok: true, status: 'refused', reason: 'KEY_REUSED' };
      if (existing.status !== 'held') return { ok: true, status: 'refused', reason: 'CLOSED' };
      return { ok: true, status: 'held', sale_id: req.sale_id, tender_id: req.tender_id, amount: existing.amount, expires_at: existing.expires_at.toISOString(), balance: acct!.balance, available: acct!.balance - acct!.held };
    }
    if (!acct) return { ok: true, status: 'refused', reason: 'NOT_FOUND' };
    if (acct.kind === 'gift_card' && acct.currency !== who.currency) return { ok: true, status: 'refused', reason: 'CURRENCY_MISMATCH' };
    const available = acct.balance - acct.held;
    if (available < req.amount) return { ok: true, status: 'refused', reason: 'INSUFFICIENT', balance: acct.balance, available };
    const { rows } = await tx.query<{ expires_at: Date }>(
      `INSERT INTO value_reservations (sale_id, tender_id, account_id, amount, store_id, terminal_id, status, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'held', now() + make_interval(secs => $7)) RETURNING expires_at`,
      [req.sale_id, req.tender_id, accountId, req.amount, who.store_id, who.terminal_id, settings.reservation_ttl_seconds],
    );
    await tx.query(`UPDATE value_accounts SET held = held + $2 WHERE account_id = $1`, [accountId, req.amount]);
    return { ok: true, status: 'held', sale_id: req.sale_id, tender_id: req.tender_id, amount: req.amount, expires_at: new Date(rows[0]!.expires_at).toISOString(), balance: acct.balance, available: available - req.amount };
  });
}

/**
 * Closes one reservation (settled by its sale, released, expired). Only a held one gives its
 * amount back to the account; settling an expired or released one just records that its sale
 * came. Returns whether it was held. The account must be locked by the caller (or is locked here).
 */
export async function closeReservation(tx: Queryable, saleId: string, tenderId: string, status: 'settled' | 'released' | 'expired', by: string): Promise<boolean> {
  const peek = await tx.query<{ account_id: string }>(`SELECT account_id FROM value_reservations WHERE sale_id = $1 AND tender_id = $2`, [saleId, tenderId]);
  const accountId = peek.rows[0]?.account_id;
  if (!accountId) return false;
  await tx.query(`SELECT 1 FROM value_accounts WHERE account_id = $1 FOR UPDATE`, [accountId]);
  const r = await reservationOf(tx, saleId, tenderId);
  if (!r || r.status === 'settled' || (r.status !== 'held' && status !== 'settled')) return false;
  await tx.query(`UPDATE value_reservations SET status = $3, closed_at = now(), closed_by = $4 WHERE sale_id = $1 AND tender_id = $2`, [saleId, tenderId, status, by.slice(0, 100)]);
  if (r.status !== 'held') return false;
  await tx.query(`UPDATE value_accounts SET held = held - $2 WHERE account_id = $1`, [r.account_id, r.amount]);
  return true;
}

/** Releases the held reservations of a sale (all, or those whose tender is not in `keep`). */
export async function releaseSale(tx: Queryable, saleId: string, keep: readonly string[] | null, by: string, tenderId?: string): Promise<number> {
  if (!/^[0-9a-f-]{36}$/i.test(saleId)) return 0;
  const { rows } = await tx.query<{ tender_id: string; account_id: string }>(
    `SELECT tender_id, account_id FROM value_reservations WHERE sale_id = $1 AND status = 'held' ${tenderId !== undefined ? 'AND tender_id = $2' : ''} ORDER BY account_id, tender_id`,
    tenderId !== undefined ? [saleId, tenderId] : [saleId],
  );
  let n = 0;
  for (const r of rows) {
    if (keep?.includes(r.tender_id)) continue;
    if (await closeReservation(tx, saleId, r.tender_id, 'released', by)) n += 1;
  }
  return n;
}

/** The register took a tender (or the whole sale) back: release, only its own store's. */
export async function release(db: Db, who: { store_id: string; terminal_id: string }, saleId: string, tenderId?: string): Promise<number> {
  return db.transaction(async (tx) => {
    const own = await tx.query(`SELECT 1 FROM value_reservations WHERE sale_id = $1 AND store_id = $2 LIMIT 1`, [saleId, who.store_id]);
    if (own.rows.length === 0) return 0;
    return releaseSale(tx, saleId, null, `register:${who.terminal_id}`, tenderId);
  });
}

export const MAX_EXPIRED_PER_SWEEP = 200;

/** Releases reservations past their expiry (their sale never arrived), each with an alert (folded per terminal). */
export async function expireReservations(db: Db): Promise<Alert[]> {
  const { rows } = await db.query<{ sale_id: string; tender_id: string }>(
    `SELECT sale_id::text AS sale_id, tender_id FROM value_reservations WHERE status = 'held' AND expires_at < now() ORDER BY expires_at LIMIT ${MAX_EXPIRED_PER_SWEEP}`,
  );
  const out: Alert[] = [];
  for (const r of rows) {
    const alerts = await db.transaction(async (tx) => {
      const res = await reservationOf(tx, r.sale_id, r.tender_id);
      if (!res || res.status !== 'held') return [];
      if (!(await closeReservation(tx, r.sale_id, r.tender_id, 'expired', 'expiry'))) return [];
      const draft: AlertDraft = {
        cause: `reservation_expired:${res.terminal_id}`,
        kind: 'reservation_expired',
        store_id: res.store_id,
        terminal_id: res.terminal_id,
        message: `a reservation of ${res.amount} on ${res.account_id} by ${res.terminal_id} expired without its sale (sale ${r.sale_id}, tender ${r.tender_id}); released`,
        data: { sale_id: r.sale_id, tender_id: r.tender_id, account_id: res.account_id, amount: res.amount },
      };
      return writeAlerts(tx, [draft]);
    });
    out.push(...alerts);
  }
  return out;
}
