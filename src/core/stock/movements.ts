import { z } from 'zod';
import { addQuantities, quantity, type Quantity } from '../money/quantity';
import type { JournalEvent } from '../protocol/journal-event';
import { isEventType, parseEventPayload, type ParsedPayload } from '../events/registry';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload } from '../events/sale';

// Stock is a ledger of movements: a level is the sum of the movements of (store, sku),
// whatever order they arrived in. A sale takes goods out even when the level is already
// zero (the goods are in the customer's hand); the hub raises the oversell alert.

export const STOCK_REASONS = ['sale', 'refund', 'damaged', 'post_void'] as const;
export type StockReason = (typeof STOCK_REASONS)[number];

export const stockMovementSchema = z
  .object({
    /** Deterministic: `<event_id>:<line_id>:<reason>`. */
    movement_id: z.string().min(1).max(200),
    store_id: z.string().min(1).max(64),
    sku: z.string().min(1).max(64),
    /** Signed change of the on-hand quantity (negative: goods left the store). */
    quantity: z.object({ units: z.number().int(), scale: z.number().int().min(0).max(6) }).strict(),
    reason: z.enum(STOCK_REASONS),
    source: z
      .object({
        terminal_id: z.string().min(1).max(64),
        seq: z.number().int().min(1),
        event_id: z.string().min(1).max(64),
        line_id: z.string().min(1).max(64),
      })
      .strict(),
  })
  .strict();
export type StockMovement = z.infer<typeof stockMovementSchema>;

export class StockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StockError';
  }
}

function negate(q: Quantity): Quantity {
  return quantity(-q.units, q.scale);
}

function movement(e: JournalEvent, storeId: string, line: { line_id: string; sku: string }, q: Quantity, reason: StockReason): StockMovement {
  return {
    movement_id: `${e.event_id}:${line.line_id}:${reason}`,
    store_id: storeId,
    sku: line.sku,
    quantity: { units: q.units, scale: q.scale },
    reason,
    source: { terminal_id: e.terminal_id, seq: e.seq, event_id: e.event_id, line_id: line.line_id },
  };
}

/**
 * Stock movements of one journal event: a sale takes each line's quantity out; a refund
 * puts it back ('refund'), followed by a 'damaged' write-off of the same quantity when the
 * goods are not resellable; a post-void puts the original sale's lines back. Other events: [].
 */
export function stockMovementsFor(event: JournalEvent): StockMovement[] {
  if (!isEventType(event.type)) throw new StockError(`event ${event.terminal_id}#${event.seq}: unknown event type "${event.type}"`);
  if (event.type !== 'sale.completed' && event.type !== 'sale.refunded' && event.type !== 'sale.post_voided') return [];
  const r = parseEventPayload(event.type, event.payload);
  if (!r.ok) throw new StockError(`event ${event.terminal_id}#${event.seq}: ${r.error}`);
  return stockMovementsOfParsed(event, r);
}

/** stockMovementsFor for an event whose payload its caller parsed already with parseEventPayload. */
export function stockMovementsOfParsed(event: JournalEvent, r: ParsedPayload): StockMovement[] {
  const out: StockMovement[] = [];
  switch (r.type) {
    case 'sale.completed': {
      const p = r.payload as SaleCompletedPayload;
      for (const l of p.lines) if (l.stock !== false) out.push(movement(event, p.store_id, l, negate(l.quantity), 'sale'));
      break;
    }
    case 'sale.refunded': {
      const p = r.payload as SaleRefundedPayload;
      // A line's own restock flag (one item resellable, one damaged) overrides the refund's.
      p.lines.forEach((l) => {
        if (l.stock === false) return;
        out.push(movement(event, p.store_id, l, l.quantity, 'refund'));
        if (!(l.restock ?? p.restock)) out.push(movement(event, p.store_id, l, negate(l.quantity), 'damaged'));
      });
      break;
    }
    case 'sale.post_voided': {
      const p = r.payload as SalePostVoidedPayload;
      for (const l of p.original.lines) if (l.stock !== false) out.push(movement(event, p.store_id, l, l.quantity, 'post_void'));
      break;
    }
  }
  return out;
}

export interface StockLevel {
  store_id: string;
  sku: string;
  on_hand: Quantity;
}

/** On-hand level per (store, sku): the sum of the movements, sorted by store then sku. */
export function stockLevels(movements: Iterable<StockMovement>): StockLevel[] {
  const acc = new Map<string, StockLevel>();
  for (const m of movements) {
    const key = `${m.store_id}\u0000${m.sku}`;
    const cur = acc.get(key);
    acc.set(key, { store_id: m.store_id, sku: m.sku, on_hand: cur ? addQuantities(cur.on_hand, m.quantity) : quantity(m.quantity.units, m.quantity.scale) });
  }
  return [...acc.values()].sort((a, b) => (a.store_id === b.store_id ? (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0) : a.store_id < b.store_id ? -1 : 1));
}
