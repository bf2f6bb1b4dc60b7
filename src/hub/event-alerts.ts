import type { JournalEvent } from '../core/protocol';
import { formatMoney } from '../core/receipt';
import type { AlertDraft } from './alerts';

// Register events that a person at HQ must hear about as they arrive, not only find in the
// journal later: a card payment whose outcome the terminal did not report (the customer
// may have been charged), its resolution, and a cash drawer left open too long. Raised in
// the same transaction that applies the event, through the folding alert writer.

export function alertsForEvent(e: JournalEvent): AlertDraft[] {
  const p = e.payload as Record<string, unknown>;
  const where = { store_id: e.store_id, terminal_id: e.terminal_id };
  const amount = () => (typeof p.amount === 'number' && typeof p.currency === 'string' ? formatMoney(p.amount, p.currency, 'en-US') : '');
  switch (e.type) {
    case 'payment.unresolved':
      return [{
        ...where, kind: 'payment_unresolved', cause: `payment_unresolved:${e.terminal_id}:${String(p.reference)}`,
        message: `${e.terminal_id}: card ${String(p.kind)} of ${amount()} has an unknown outcome (${String(p.reason ?? '')}); the register blocks card payments until it is checked with the terminal`.slice(0, 500),
        data: { reference: p.reference, kind: p.kind, amount: p.amount, currency: p.currency, transaction_id: p.transaction_id, seq: e.seq },
      }];
    case 'payment.resolved':
      return [{
        ...where, kind: 'payment_resolved', cause: `payment_resolved:${e.terminal_id}:${String(p.reference)}`,
        message: `${e.terminal_id}: the card ${String(p.kind)} of ${amount()} with the unknown outcome was ${p.outcome === 'approved' ? 'approved' : 'not charged'} (checked with the terminal)`,
        data: { reference: p.reference, outcome: p.outcome, amount: p.amount, currency: p.currency, transaction_id: p.transaction_id, seq: e.seq },
      }];
    case 'drawer.left_open':
      return [{
        ...where, kind: 'drawer_left_open', cause: `drawer_left_open:${e.terminal_id}`,
        message: `${e.terminal_id}: cash drawer left open for ${Math.round(Number(p.open_for_ms) / 1000)} s`,
        data: { open_for_ms: p.open_for_ms, cashier_id: p.cashier_id ?? null, seq: e.seq },
      }];
    default:
      return [];
  }
}
