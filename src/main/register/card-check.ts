import type { PaymentResolvedPayload, PaymentUnresolvedPayload } from '../../core/events';
import type { CardOutcome } from '../../core/register-api';

// A card payment whose outcome the terminal did not report: what the register journals
// the moment it learns that (before the cashier can do anything else), and what it journals
// when a status inquiry resolves it. The open one (journal index `open_payments`) blocks card
// payments, other tenders and voiding its sale: the customer may have been charged.

export interface PaymentAttempt {
  kind: 'sale' | 'refund';
  store_id: string;
  terminal_id: string;
  cashier_id: string;
  transaction_id: string;
  tender_id: string;
  reference: string;
  currency: string;
  amount: number;
}

export function unresolvedPayload(a: PaymentAttempt, r: CardOutcome | null, failure: string, now: Date): PaymentUnresolvedPayload {
  return {
    ...a,
    processor: r?.processor || 'unknown',
    ...(r?.trace_before !== undefined ? { trace_before: r.trace_before } : {}),
    reason: (r?.message ?? failure ?? 'no answer from the terminal').slice(0, 200),
    started_at: now.toISOString(),
  };
}

export function resolvedPayload(open: PaymentUnresolvedPayload, r: CardOutcome & { status: 'approved' | 'declined' }, cashierId: string, now: Date): PaymentResolvedPayload {
  return {
    reference: open.reference, store_id: open.store_id, terminal_id: open.terminal_id, cashier_id: cashierId, kind: open.kind,
    transaction_id: open.transaction_id, tender_id: open.tender_id, currency: open.currency, amount: open.amount,
    processor: r.processor || open.processor, outcome: r.status,
    ...(r.auth_code && /^[A-Za-z0-9 -]{1,16}$/.test(r.auth_code) ? { auth_code: r.auth_code } : {}),
    ...(r.masked_pan ? { masked_pan: r.masked_pan } : {}),
    ...(r.terminal_ref ? { terminal_ref: r.terminal_ref.slice(0, 64) } : {}),
    ...(r.message ? { message: r.message.slice(0, 200) } : {}),
    resolved_at: now.toISOString(),
  };
}

export const CHECK_FIRST = 'Card result unknown: press "Check with terminal" first (the customer may have been charged)';
