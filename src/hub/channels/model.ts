import { z } from 'zod';
import { currencySchema, ratePpmSchema } from '../../core/events/common';

// The channel model: what every source of web sales is reduced to before the hub builds
// journal events from it. The channel API takes these shapes as they are (amounts in integer
// minor units, as in the register protocol); each platform adapter turns its own webhook
// payloads into them. One operation never mixes orders: it names the order it belongs to.

export const MAX_CHANNEL_LINES = 500;
const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const posMinor = minor.min(1, 'must be > 0 minor units');
/** A platform's id for something (an order, a line, a refund): numbers arrive as strings. */
export const refSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : # / - starting with a letter or digit');
/** A time with an offset (platforms send their shop's zone); stored as UTC. */
const timeSchema = z.string().datetime({ offset: true, message: 'must be an ISO-8601 time with a zone, like 2026-01-01T12:00:00-05:00' });
const title = z.string().min(1).max(120);

export const channelTaxSchema = z.strictObject({
  /** The platform's name for the tax ("NY State Tax"); the store's tax table supplies code and jurisdiction. */
  title,
  rate_ppm: ratePpmSchema,
  amount: minor,
});

export const channelDiscountSchema = z.strictObject({ amount: posMinor, reason: z.string().max(200).optional() });

export const channelLineSchema = z.strictObject({
  line_ref: refSchema,
  /** The platform's SKU (or variant id): our SKU directly, or through the channel's sku_map. */
  sku: z.string().min(1).max(64),
  description: z.string().min(1).max(120).optional(),
  quantity: z.number().int().min(1).max(100_000),
  unit_price: minor,
  discounts: z.array(channelDiscountSchema).max(20).default([]),
  taxes: z.array(channelTaxSchema).max(10).default([]),
});

export const channelShippingSchema = z.strictObject({
  line_ref: refSchema,
  title,
  amount: minor,
  discounts: z.array(channelDiscountSchema).max(20).default([]),
  taxes: z.array(channelTaxSchema).max(10).default([]),
});

export const channelPaymentSchema = z.strictObject({
  payment_ref: refSchema,
  /** The platform's payment gateway ("shopify_payments", "stripe"); mapped to a card processor by the channel. */
  gateway: z.string().min(1).max(64),
  amount: posMinor,
});

export const channelOrderSchema = z.strictObject({
  order_ref: refSchema,
  placed_at: timeSchema,
  currency: currencySchema,
  /** true: line prices contain the tax (VAT); false: tax is added on top (US sales tax). */
  taxes_included: z.boolean(),
  lines: z.array(channelLineSchema).min(1).max(MAX_CHANNEL_LINES),
  shipping: z.array(channelShippingSchema).max(10).default([]),
  /** Payments captured so far; an order is booked once they cover its total. */
  payments: z.array(channelPaymentSchema).max(20).default([]),
  /** What the platform says the customer pays: the hub's own total must agree to the minor unit. */
  total: minor,
});

export const channelPaymentOpSchema = z.strictObject({
  order_ref: refSchema,
  payment: channelPaymentSchema,
});

export const channelRefundSchema = z.strictObject({
  refund_ref: refSchema,
  order_ref: refSchema,
  refunded_at: timeSchema,
  reason: z.string().min(1).max(200).default('web refund'),
  lines: z.array(z.strictObject({ line_ref: refSchema, quantity: z.number().int().min(1).max(100_000), restock: z.boolean().default(true) })).max(MAX_CHANNEL_LINES),
  /** Refund the order's shipping in full. */
  shipping: z.boolean().default(false),
  /** What the platform says it paid back: the hub's proportional refund must agree within one minor unit per line. */
  amount: minor.optional(),
});

export const channelCancelSchema = z.strictObject({
  order_ref: refSchema,
  cancelled_at: timeSchema,
  reason: z.string().min(1).max(200).default('order cancelled'),
});

export type ChannelOrder = z.infer<typeof channelOrderSchema>;
export type ChannelLine = z.infer<typeof channelLineSchema>;
export type ChannelTax = z.infer<typeof channelTaxSchema>;
export type ChannelPaymentOp = z.infer<typeof channelPaymentOpSchema>;
export type ChannelRefund = z.infer<typeof channelRefundSchema>;
export type ChannelCancel = z.infer<typeof channelCancelSchema>;

export type ChannelOperation =
  | { op: 'order'; order: ChannelOrder }
  | { op: 'payment'; payment: ChannelPaymentOp }
  | { op: 'refund'; refund: ChannelRefund }
  | { op: 'cancel'; cancel: ChannelCancel };

export const CHANNEL_KINDS = ['api', 'shopify', 'woocommerce'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const channelIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/, 'must be 1-48 of A-Z a-z 0-9 . _ - starting with a letter or digit');

/** A refusal with a code naming the problem: the delivery is kept, refused, for a person. */
export class ChannelRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelRefusal';
  }
}

/** The order an operation belongs to. */
export function orderRefOf(op: ChannelOperation): string {
  switch (op.op) {
    case 'order':
      return op.order.order_ref;
    case 'payment':
      return op.payment.order_ref;
    case 'refund':
      return op.refund.order_ref;
    case 'cancel':
      return op.cancel.order_ref;
  }
}

