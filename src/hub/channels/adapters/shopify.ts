import { z } from 'zod';
import { ChannelRefusal, type ChannelOperation, type ChannelOrder } from '../model';
import { header, minorOf, ppmOf, refOf, shaped, verifyBase64Hmac, type PlatformAdapter } from './common';

// Shopify webhooks (REST Admin API payloads, as documented for the topics orders/create,
// orders/paid, orders/updated, orders/cancelled and refunds/create). Authentication:
// X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body with the app's secret.
// Retries repeat X-Shopify-Webhook-Id (newer API versions also send X-Shopify-Event-Id, the
// same for every delivery of one event; we key on the webhook id and fall back to the event id).
//
// Members we do not use may be anything (Shopify adds fields in every version); members we
// use must have the documented type, else the payload is refused as UNKNOWN_SHAPE.

const amount = z.union([z.string(), z.number()]);
const id = z.union([z.number().int(), z.string().min(1).max(64)]);
const taxLine = z.object({ title: z.string().max(200), price: amount, rate: amount }).loose();
const allocation = z.object({ amount }).loose();

const lineItem = z
  .object({
    id,
    sku: z.string().max(200).nullable().optional(),
    variant_id: id.nullable().optional(),
    title: z.string().max(500).optional(),
    name: z.string().max(500).optional(),
    quantity: z.number().int().min(1),
    price: amount,
    discount_allocations: z.array(allocation).max(50).default([]),
    tax_lines: z.array(taxLine).max(20).default([]),
  })
  .loose();

const shippingLine = z
  .object({
    id,
    title: z.string().max(200),
    price: amount,
    discount_allocations: z.array(allocation).max(50).default([]),
    tax_lines: z.array(taxLine).max(20).default([]),
  })
  .loose();

const orderPayload = z
  .object({
    id,
    name: z.string().max(100).optional(),
    created_at: z.string(),
    currency: z.string().length(3),
    taxes_included: z.boolean(),
    financial_status: z.string().max(40).nullable(),
    total_price: amount,
    gateway: z.string().max(100).nullable().optional(),
    payment_gateway_names: z.array(z.string().max(100)).max(20).optional(),
    cancelled_at: z.string().nullable().optional(),
    cancel_reason: z.string().max(200).nullable().optional(),
    line_items: z.array(lineItem).min(1).max(500),
    shipping_lines: z.array(shippingLine).max(20).default([]),
  })
  .loose();

const refundPayload = z
  .object({
    id,
    order_id: id,
    created_at: z.string(),
    note: z.string().max(1000).nullable().optional(),
    refund_line_items: z
      .array(z.object({ line_item_id: id, quantity: z.number().int().min(0), restock_type: z.string().max(40).optional() }).loose())
      .max(500),
    transactions: z.array(z.object({ kind: z.string().max(40), status: z.string().max(40).nullable().optional(), amount, gateway: z.string().max(100).optional() }).loose()).max(50),
    order_adjustments: z.array(z.object({ kind: z.string().max(60), amount }).loose()).max(50).default([]),
    refund_shipping_lines: z.array(z.object({}).loose()).max(20).optional(),
  })
  .loose();

/** Paid in full: the order's money has been captured (partial refunds later do not undo it). */
const PAID = new Set(['paid', 'partially_refunded', 'refunded']);

function iso(s: string, what: string): string {
  if (Number.isNaN(Date.parse(s)) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s)) {
    throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: ${JSON.stringify(s).slice(0, 40)} is not an ISO-8601 time with a zone`);
  }
  return s;
}

function taxes(list: z.infer<typeof taxLine>[], currency: string, at: string) {
  return list.map((t, i) => ({ title: t.title.slice(0, 120) || 'tax', rate_ppm: ppmOf(t.rate, 6, `${at}.tax_lines.${i}.rate`), amount: minorOf(t.price, currency, `${at}.tax_lines.${i}.price`) }));
}

function discounts(list: z.infer<typeof allocation>[], currency: string, at: string) {
  return list.map((d, i) => ({ amount: minorOf(d.amount, currency, `${at}.discount_allocations.${i}.amount`) })).filter((d) => d.amount > 0);
}

export function shopifyOrder(body: unknown): ChannelOrder {
  const o = shaped(orderPayload, body, 'Shopify order');
  const c = o.currency;
  const total = minorOf(o.total_price, c, 'total_price');
  const paid = PAID.has(o.financial_status ?? '');
  const gateway = o.payment_gateway_names?.[0] ?? o.gateway ?? 'shopify';
  return {
    order_ref: refOf(o.id),
    placed_at: iso(o.created_at, 'created_at'),
    currency: c as ChannelOrder['currency'],
    taxes_included: o.taxes_included,
    lines: o.line_items.map((l, i) => {
      const sku = (l.sku && l.sku.trim()) || (l.variant_id != null ? refOf(l.variant_id) : null);
      if (!sku) throw new ChannelRefusal('UNKNOWN_SKU', `line_items.${i} (${refOf(l.id)}) has neither a SKU nor a variant id`);
      return {
        line_ref: refOf(l.id),
        sku: sku.slice(0, 64),
        description: (l.name ?? l.title ?? sku).slice(0, 120) || sku,
        quantity: l.quantity,
        unit_price: minorOf(l.price, c, `line_items.${i}.price`),
        discounts: discounts(l.discount_allocations, c, `line_items.${i}`),
        taxes: taxes(l.tax_lines, c, `line_items.${i}`),
      };
    }),
    shipping: o.shipping_lines.map((s, i) => ({
      line_ref: refOf(s.id),
      title: s.title.slice(0, 120) || 'Shipping',
      amount: minorOf(s.price, c, `shipping_lines.${i}.price`),
      discounts: discounts(s.discount_allocations, c, `shipping_lines.${i}`),
      taxes: taxes(s.tax_lines, c, `shipping_lines.${i}`),
    })),
    payments: paid && total > 0 ? [{ payment_ref: refOf(o.id), gateway: gateway.slice(0, 64) || 'shopify', amount: total }] : [],
    total,
  };
}

export function shopifyRefund(body: unknown, currency: string): ChannelOperation {
  const r = shaped(refundPayload, body, 'Shopify refund');
  const refunded = r.transactions.filter((t) => t.kind === 'refund' && (t.status ?? 'success') === 'success');
  const shipping = r.order_adjustments.some((a) => a.kind === 'shipping_refund') || (r.refund_shipping_lines?.length ?? 0) > 0;
  return {
    op: 'refund',
    refund: {
      refund_ref: refOf(r.id),
      order_ref: refOf(r.order_id),
      refunded_at: iso(r.created_at, 'created_at'),
      reason: (r.note && r.note.trim().slice(0, 200)) || 'Shopify refund',
      lines: r.refund_line_items.filter((l) => l.quantity > 0).map((l) => ({ line_ref: refOf(l.line_item_id), quantity: l.quantity, restock: l.restock_type !== 'no_restock' })),
      shipping,
      amount: refunded.reduce((s, t, i) => s + minorOf(t.amount, currency, `transactions.${i}.amount`), 0),
    },
  };
}

export const shopifyAdapter: PlatformAdapter = {
  kind: 'shopify',
  keptHeaders: ['x-shopify-topic', 'x-shopify-webhook-id', 'x-shopify-event-id', 'x-shopify-shop-domain', 'x-shopify-api-version', 'x-shopify-triggered-at'],
  verify: (req, secret) => verifyBase64Hmac(req.raw, secret, header(req, 'x-shopify-hmac-sha256'), 'X-Shopify-Hmac-Sha256'),
  deliveryId: (req) => header(req, 'x-shopify-webhook-id') ?? header(req, 'x-shopify-event-id'),
  topic: (req) => header(req, 'x-shopify-topic'),
  parse(topic, body, currency) {
    switch (topic) {
      case 'orders/create':
      case 'orders/paid':
      case 'orders/updated':
        return [{ op: 'order', order: shopifyOrder(body) }];
      case 'orders/cancelled': {
        const o = shaped(orderPayload, body, 'Shopify order');
        if (!o.cancelled_at) throw new ChannelRefusal('UNKNOWN_SHAPE', 'orders/cancelled without cancelled_at');
        return [{ op: 'cancel', cancel: { order_ref: refOf(o.id), cancelled_at: iso(o.cancelled_at, 'cancelled_at'), reason: `Shopify: ${o.cancel_reason ?? 'cancelled'}`.slice(0, 200) } }];
      }
      case 'refunds/create':
        return [shopifyRefund(body, currency)];
      default:
        throw new ChannelRefusal('UNKNOWN_TOPIC', `Shopify topic ${JSON.stringify(topic).slice(0, 80)} is not one this adapter applies (orders/create, orders/paid, orders/updated, orders/cancelled, refunds/create)`);
    }
  },
};
