import type { SaleCompletedPayload, SaleRefundedPayload } from '../events/sale';

// What a journal event does to gift card and points balances, as a pure function of the
// event (like its ledger postings): the hub applies these once per event, in the same
// transaction as the event. Each movement is named by a part unique within its event
// (`tender/T1`, `line/L2`, `earn`), so (event_id, part) is its identity and a resend can
// never apply it twice. Amounts are signed: + the holder is owed more, − less.

export type ValueAccountRef = { kind: 'gift_card'; gift_card_id: string } | { kind: 'points'; customer_id: string };

export type ValueMovementKind =
  | 'load' // value sold onto a gift card (a new card or a reload)
  | 'unload' // a refund of such a line
  | 'redeem' // a gift card tender
  | 'refund' // a refund paid onto a gift card (store credit)
  | 'earn' // points earned on a sale
  | 'unearn' // points taken back by a refund
  | 'redeem_points' // a points tender
  | 'refund_points' // a refund paid back as points
  | 'void' // a post-void reversing one movement of the voided sale
  | 'merge' // a provisional customer's points moved to the customer it was merged into
  | 'adjust'; // a person's correction, with a reason

export const VALUE_MOVEMENT_KINDS: readonly ValueMovementKind[] = ['load', 'unload', 'redeem', 'refund', 'earn', 'unearn', 'redeem_points', 'refund_points', 'void', 'merge', 'adjust'];

export interface ValueMovementDraft {
  account: ValueAccountRef;
  /** Minor units (gift card) or points, signed. */
  amount: number;
  /** The same in minor units of the currency: what the ledger's liability moves by. */
  value: number;
  kind: ValueMovementKind;
  /** Unique within the event. */
  part: string;
  /** Redeemed without a reservation (the register was offline). */
  offline: boolean;
  /** The reservation this redemption settles, if the register made one. */
  reservation?: { sale_id: string; tender_id: string };
}

function mul(a: number, b: number): number {
  const v = BigInt(a) * BigInt(b);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`points value ${v} exceeds the safe integer range`);
  return Number(v);
}

export function saleValueMovements(p: SaleCompletedPayload): ValueMovementDraft[] {
  const out: ValueMovementDraft[] = [];
  for (const l of p.lines) {
    if (l.gift_card_id !== undefined && l.net > 0) {
      out.push({ account: { kind: 'gift_card', gift_card_id: l.gift_card_id }, amount: l.net, value: l.net, kind: 'load', part: `line/${l.line_id}`, offline: false });
    }
  }
  for (const t of p.tenders) {
    // An offline tender names its key too: the register may have reserved and lost the reply
    // (a dropped ack, a hub killed before answering), then taken it offline; the sale settles
    // that hold instead of leaving it to expire. Settling a key with no reservation does nothing.
    const reservation = t.kind === 'gift_card' || t.kind === 'points' ? { sale_id: p.sale_id, tender_id: t.tender_id } : undefined;
    if (t.kind === 'gift_card') {
      out.push({ account: { kind: 'gift_card', gift_card_id: t.gift_card_id }, amount: -t.amount, value: -t.amount, kind: 'redeem', part: `tender/${t.tender_id}`, offline: t.offline === true, ...(reservation ? { reservation } : {}) });
    } else if (t.kind === 'points') {
      out.push({ account: { kind: 'points', customer_id: t.customer_id }, amount: -t.points, value: -t.amount, kind: 'redeem_points', part: `tender/${t.tender_id}`, offline: t.offline === true, ...(reservation ? { reservation } : {}) });
    }
  }
  if (p.loyalty && p.loyalty.points_earned > 0) {
    const l = p.loyalty;
    out.push({ account: { kind: 'points', customer_id: l.customer_id }, amount: l.points_earned, value: mul(l.points_earned, l.point_value), kind: 'earn', part: 'earn', offline: false });
  }
  return out;
}

export function refundValueMovements(p: SaleRefundedPayload): ValueMovementDraft[] {
  const out: ValueMovementDraft[] = [];
  for (const l of p.lines) {
    if (l.gift_card_id !== undefined && l.net > 0) {
      out.push({ account: { kind: 'gift_card', gift_card_id: l.gift_card_id }, amount: -l.net, value: -l.net, kind: 'unload', part: `line/${l.line_id}`, offline: false });
    }
  }
  for (const t of p.tenders) {
    if (t.kind === 'gift_card') {
      out.push({ account: { kind: 'gift_card', gift_card_id: t.gift_card_id }, amount: t.amount, value: t.amount, kind: 'refund', part: `tender/${t.tender_id}`, offline: false });
    } else if (t.kind === 'points') {
      out.push({ account: { kind: 'points', customer_id: t.customer_id }, amount: t.points, value: t.amount, kind: 'refund_points', part: `tender/${t.tender_id}`, offline: false });
    }
  }
  if (p.loyalty && p.loyalty.points_reversed > 0) {
    const l = p.loyalty;
    out.push({ account: { kind: 'points', customer_id: l.customer_id }, amount: -l.points_reversed, value: -mul(l.points_reversed, l.point_value), kind: 'unearn', part: 'unearn', offline: false });
  }
  return out;
}
