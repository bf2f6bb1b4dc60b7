import type { SaleCompletedPayload, SaleRefundedPayload } from '../../core/events';
import { parsedPayload } from '../parsed-event';
import { refundValueMovements, saleValueMovements, type ValueAccountRef, type ValueMovementDraft } from '../../core/loyalty';
import type { JournalEvent } from '../../core/protocol';
import type { Queryable } from '../db/db';
import type { AlertDraft } from '../alerts';
import { accountIdOf, addMovement, canonicalRefs, lockAccounts } from './accounts';
import { closeReservation, releaseSale } from './reservations';

// What a journal event does to gift card and points balances, applied inside the ingest
// transaction of the event (so exactly once, like its ledger entry): movements named by
// (event, part), reservations settled by the sale's tenders, the sale's other reservations
// released, a post-void reversing the voided sale's movements. A balance that goes negative
// (offline redemptions beyond it) still takes the movement — the goods are gone — and
// raises one `card_negative` alert per account (repeats fold into it).

export interface ValueContext {
  store_id: string;
  currency: string;
  /**
   * The batch's sales that had a held reservation when the batch began (heldSalesOf); a sale
   * not in it has nothing to release, so its event costs no query. Absent: look each one up.
   */
  heldSales?: ReadonlySet<string>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The sale ids of these events that may hold a gift card or points reservation (ingest reads
 * which of them do with the terminal row, once per batch: it was one read per sale inside the
 * batch's transaction, 500 round trips a batch). A reservation committed after that read for a
 * sale of the batch is not released by it; the expiry sweep releases it.
 */
export function heldSaleCandidates(events: readonly JournalEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    if (e.type !== 'sale.completed' && e.type !== 'sale.voided') continue;
    const id = (e.payload as { sale_id?: unknown }).sale_id;
    if (typeof id === 'string' && UUID_RE.test(id)) ids.add(id.toLowerCase());
  }
  return [...ids];
}

const mayHold = (ctx: ValueContext, saleId: unknown): boolean => !ctx.heldSales || (typeof saleId === 'string' && ctx.heldSales.has(saleId.toLowerCase()));

/** The movements an event's payload implies (none for a payload that does not parse: ingest rejects it first). */
export function draftsOf(e: JournalEvent): ValueMovementDraft[] {
  if (e.type !== 'sale.completed' && e.type !== 'sale.refunded') return [];
  const r = parsedPayload(e);
  if (!r.ok) return [];
  return e.type === 'sale.completed' ? saleValueMovements(r.payload as SaleCompletedPayload) : refundValueMovements(r.payload as SaleRefundedPayload);
}

/**
 * Locks, up front and in one order, every account the batch's events will move (ingest
 * calls it after the stock rows), so two terminals' batches cannot deadlock on cards.
 */
export async function lockBatchAccounts(tx: Queryable, ctx: ValueContext, events: readonly JournalEvent[]): Promise<void> {
  const refs: ValueAccountRef[] = [];
  for (const e of events) {
    try {
      for (const d of draftsOf(e)) refs.push(d.account);
    } catch {
      /* reported when the event is applied */
    }
  }
  if (refs.length) await lockAccounts(tx, await canonicalRefs(tx, refs), ctx.currency, ctx.store_id);
}

function negativeAlert(e: JournalEvent, accountId: string, balance: number, offline: boolean): AlertDraft {
  const [kind, ref] = [accountId.slice(0, accountId.indexOf(':')), accountId.slice(accountId.indexOf(':') + 1)];
  const what = kind === 'gift' ? `gift card ${ref}` : `points of customer ${ref}`;
  return {
    cause: `card_negative:${accountId}`,
    kind: 'card_negative',
    store_id: e.store_id,
    terminal_id: e.terminal_id,
    message: `${what} is negative (${balance}) after ${e.terminal_id} seq ${e.seq}${offline ? ' (an offline redemption)' : ''}; the sale stands`,
    data: { account_id: accountId, balance, event_id: e.event_id, seq: e.seq, offline },
  };
}

/**
 * Applies the event's effect on balances. `originalEventId` is the event of the sale a
 * post-void reverses (ingest knows it from the ledger entry it reverses).
 */
export async function applyEventValue(tx: Queryable, ctx: ValueContext, e: JournalEvent, originalEventId: string | null, alerts: AlertDraft[]): Promise<void> {
  if (e.type === 'sale.voided') {
    const saleId = (e.payload as { sale_id?: unknown }).sale_id;
    if (mayHold(ctx, saleId)) await releaseSale(tx, String(saleId), null, `voided:${e.event_id}`);
    return;
  }
  if (e.type === 'sale.post_voided') {
    if (originalEventId) await reverseEvent(tx, e, originalEventId, alerts);
    return;
  }
  const drafts = draftsOf(e);
  if (e.type === 'sale.completed') {
    const p = e.payload as { sale_id: string; tenders: Array<{ tender_id: string; kind: string }> };
    // Reservations of this sale no gift card or points tender of it settles are released: taken
    // off before completing, or refused to the register after the hub held them (a lost reply)
    // while a cash or card tender later took the same tender id.
    const settling = p.tenders.filter((t) => t.kind === 'gift_card' || t.kind === 'points').map((t) => t.tender_id);
    if (mayHold(ctx, p.sale_id)) await releaseSale(tx, p.sale_id, settling, `completed:${e.event_id}`);
  }
  if (drafts.length === 0) return;
  let refs = await canonicalRefs(tx, drafts.map((d) => d.account));
  await lockAccounts(tx, refs, ctx.currency, ctx.store_id);
  // A customer merge that committed while we waited for the lock re-points the alias: read again.
  const again = await canonicalRefs(tx, drafts.map((d) => d.account));
  if (again.some((r, i) => accountIdOf(r) !== accountIdOf(refs[i]!))) {
    refs = again;
    await lockAccounts(tx, refs, ctx.currency, ctx.store_id);
  }
  for (const [i, d] of drafts.entries()) {
    const accountId = accountIdOf(refs[i]!);
    const after = await addMovement(tx, {
      account_id: accountId,
      amount: d.amount,
      value: d.value,
      kind: d.kind,
      cause: `${e.event_id}/${d.part}`,
      event_id: e.event_id,
      store_id: e.store_id,
      terminal_id: e.terminal_id,
      seq: e.seq,
      offline: d.offline,
    });
    if (d.reservation) await closeReservation(tx, d.reservation.sale_id, d.reservation.tender_id, 'settled', e.event_id);
    if (after && d.amount < 0 && after.balance < 0) alerts.push(negativeAlert(e, accountId, after.balance, d.offline));
  }
}

/** A post-void gives back every movement of the voided sale, each once. */
async function reverseEvent(tx: Queryable, e: JournalEvent, originalEventId: string, alerts: AlertDraft[]): Promise<void> {
  const { rows } = await tx.query<{ movement_id: number; account_id: string; amount: number; value: number }>(
    `SELECT movement_id, account_id, amount::float8 AS amount, value::float8 AS value FROM value_movements WHERE event_id = $1 ORDER BY movement_id`,
    [originalEventId],
  );
  if (rows.length === 0) return;
  const ids = [...new Set(rows.map((r) => r.account_id))].sort();
  await tx.query(`SELECT 1 FROM value_accounts WHERE account_id = ANY($1::text[]) ORDER BY account_id FOR UPDATE`, [ids]);
  for (const r of rows) {
    const after = await addMovement(tx, {
      account_id: r.account_id,
      amount: -Number(r.amount),
      value: -Number(r.value),
      kind: 'void',
      cause: `${e.event_id}/void/${r.movement_id}`,
      event_id: e.event_id,
      store_id: e.store_id,
      terminal_id: e.terminal_id,
      seq: e.seq,
    });
    if (after && -Number(r.amount) < 0 && after.balance < 0) alerts.push(negativeAlert(e, r.account_id, after.balance, false));
  }
}
