import { randomUUID } from 'node:crypto';
import type { SaleCompletedPayload } from '../../core/events';
import { salePayload } from '../testing/register-sim';

// Payload builders for gift card and loyalty tests (hub tests only).

type Tender = SaleCompletedPayload['tenders'][number];

/** A sale of value onto a gift card (new card or reload), paid in cash. */
export function giftCardSale(store: string, terminal: string, giftCardId: string, amount: number): SaleCompletedPayload {
  const p = salePayload(store, terminal, [{ sku: 'GIFTCARD', units: 1, unit_price: amount, category: 'gift_card' }]);
  p.lines[0]!.gift_card_id = giftCardId;
  p.lines[0]!.description = 'Gift card';
  return p;
}

export interface Pay {
  gift?: Array<{ id: string; amount: number; tender_id?: string; offline?: boolean }>;
  points?: { customer_id: string; points: number; tender_id?: string; offline?: boolean };
  loyalty?: { customer_id: string; points_earned: number; point_value?: number };
  sale_id?: string;
}

/** A sale of `total` worth of goods, paid by gift cards / points first and the rest in cash. */
export function goodsSale(store: string, terminal: string, total: number, pay: Pay = {}): SaleCompletedPayload {
  const p = salePayload(store, terminal, [{ sku: 'X', units: 1, unit_price: total }]);
  if (pay.sale_id) p.sale_id = pay.sale_id;
  const tenders: Tender[] = [];
  let left = total;
  for (const [i, g] of (pay.gift ?? []).entries()) {
    tenders.push({ tender_id: g.tender_id ?? `G${i + 1}`, kind: 'gift_card', gift_card_id: g.id, amount: g.amount, ...(g.offline ? { offline: true as const } : {}) });
    left -= g.amount;
  }
  const pointValue = pay.loyalty?.point_value ?? 1;
  if (pay.points) {
    const amount = pay.points.points * pointValue;
    tenders.push({ tender_id: pay.points.tender_id ?? 'P1', kind: 'points', customer_id: pay.points.customer_id, points: pay.points.points, amount, ...(pay.points.offline ? { offline: true as const } : {}) });
    left -= amount;
  }
  if (left < 0) throw new Error('tenders exceed the total');
  if (left > 0) tenders.push({ tender_id: 'C1', kind: 'cash', amount: left, tendered: left, change: 0 });
  p.tenders = tenders;
  if (pay.loyalty || pay.points) {
    const customer = pay.loyalty?.customer_id ?? pay.points!.customer_id;
    p.loyalty = { customer_id: customer, point_value: pointValue, points_earned: pay.loyalty?.points_earned ?? 0 };
  }
  return p;
}

export const newId = () => randomUUID();
