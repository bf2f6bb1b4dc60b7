import { z } from 'zod';
import { ChannelRefusal, type ChannelOperation, type ChannelOrder } from '../model';
import { header, minorOf, ppmOf, refOf, shaped, verifyBase64Hmac, type PlatformAdapter } from './common';

// WooCommerce webhooks (topics order.created and order.updated; the body is the REST API v3
// order object). Authentication: X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the raw
// body with the webhook's secret; X-WC-Webhook-Delivery-ID names the delivery.
//
// WooCommerce has no refund webhook: refunds appear in the order's `refunds` list as
// {id, reason, total} with no lines. A refund of the whole order is booked as one (every
// line and the shipping); a partial one cannot be split over lines from this payload and is
// refused (REFUND_WITHOUT_LINES) for a person, who books it through the channel API.

const amount = z.union([z.string(), z.number()]);
const id = z.union([z.number().int(), z.string().min(1).max(64)]);
const lineTax = z.object({ id, total: amount }).loose();

const lineItem = z
  .object({
    id,
    name: z.string().max(500),
    product_id: id,
    variation_id: id.optional(),
    quantity: z.number().int().min(1),
    subtotal: amount,
    total: amount,
    taxes: z.array(lineTax).max(20).default([]),
    sku: z.string().max(200).nullable().optional(),
  })
  .loose();

const orderPayload = z
  .object({
    id,
    status: z.string().max(40),
    currency: z.string().length(3),
    prices_include_tax: z.boolean(),
    date_created_gmt: z.string(),
    date_modified_gmt: z.string().nullable().optional(),
    date_paid_gmt: z.string().nullable().optional(),
    total: amount,
    payment_method: z.string().max(100),
    transaction_id: z.string().max(200).optional(),
    line_items: z.array(lineItem).min(1).max(500),
    tax_lines: z.array(z.object({ rate_id: id, label: z.string().max(200), rate_percent: amount.optional() }).loose()).max(50).default([]),
    shipping_lines: z.array(z.object({ id, method_title: z.string().max(200), total: amount, taxes: z.array(lineTax).max(20).default([]) }).loose()).max(20).default([]),
    fee_lines: z.array(z.object({}).loose()).max(20).default([]),
    refunds: z.array(z.object({ id, reason: z.string().max(1000).nullable().optional(), total: amount }).loose()).max(100).default([]),
  })
  .loose();

type WooOrder = z.infer<typeof orderPayload>;

const PAID = new Set(['processing', 'completed', 'refunded']);

/** WooCommerce's *_gmt times carry no zone: they are UTC. */
function gmt(s: string, what: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})$/.exec(s);
  if (!m || Number.isNaN(Date.parse(`${m[1]}Z`))) throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: ${JSON.stringify(s).slice(0, 40)} is not a WooCommerce GMT time (YYYY-MM-DDTHH:MM:SS)`);
  return `${m[1]}Z`;
}

function rates(o: WooOrder): Map<string, { label: string; ppm: number }> {
  const out = new Map<string, { label: string; ppm: number }>();
  o.tax_lines.forEach((t, i) => {
    if (t.rate_percent === undefined) throw new ChannelRefusal('UNKNOWN_SHAPE', `tax_lines.${i}: no rate_percent (WooCommerce sends it since 5.7); the tax rate cannot be checked`);
    out.set(refOf(t.rate_id), { label: t.label.slice(0, 120) || 'tax', ppm: ppmOf(t.rate_percent, 4, `tax_lines.${i}.rate_percent`) });
  });
  return out;
}

function lineTaxes(list: z.infer<typeof lineTax>[], byRate: Map<string, { label: string; ppm: number }>, currency: string, at: string) {
  return list
    .map((t, i) => {
      const rate = byRate.get(refOf(t.id));
      if (!rate) throw new ChannelRefusal('UNKNOWN_SHAPE', `${at}.taxes.${i}: rate ${refOf(t.id)} is not in tax_lines`);
      return { title: rate.label, rate_ppm: rate.ppm, amount: minorOf(t.total, currency, `${at}.taxes.${i}.total`) };
    })
    .filter((t) => t.amount > 0);
}

export function wooOrder(body: unknown): { order: ChannelOrder; raw: WooOrder } {
  const o = shaped(orderPayload, body, 'WooCommerce order');
  const c = o.currency;
  if (o.fee_lines.length) throw new ChannelRefusal('UNKNOWN_SHAPE', 'fee_lines: orders with fees are not applied by this adapter');
  const byRate = rates(o);
  const total = minorOf(o.total, c, 'total');
  const paid = PAID.has(o.status) || !!o.date_paid_gmt;
  const order: ChannelOrder = {
    order_ref: refOf(o.id),
    placed_at: gmt(o.date_created_gmt, 'date_created_gmt'),
    currency: c as ChannelOrder['currency'],
    taxes_included: o.prices_include_tax,
    lines: o.line_items.map((l, i) => {
      const subtotal = minorOf(l.subtotal, c, `line_items.${i}.subtotal`);
      const after = minorOf(l.total, c, `line_items.${i}.total`);
      if (subtotal % l.quantity !== 0) throw new ChannelRefusal('UNKNOWN_SHAPE', `line_items.${i}: subtotal ${l.subtotal} is not a whole unit price × quantity ${l.quantity}`);
      const variation = l.variation_id !== undefined && refOf(l.variation_id) !== '0' ? refOf(l.variation_id) : refOf(l.product_id);
      return {
        line_ref: refOf(l.id),
        sku: ((l.sku && l.sku.trim()) || variation).slice(0, 64),
        description: l.name.slice(0, 120) || 'item',
        quantity: l.quantity,
        unit_price: subtotal / l.quantity,
        discounts: subtotal > after ? [{ amount: subtotal - after, reason: 'coupon' }] : [],
        taxes: lineTaxes(l.taxes, byRate, c, `line_items.${i}`),
      };
    }),
    shipping: o.shipping_lines.map((s, i) => ({
      line_ref: refOf(s.id),
      title: s.method_title.slice(0, 120) || 'Shipping',
      amount: minorOf(s.total, c, `shipping_lines.${i}.total`),
      discounts: [],
      taxes: lineTaxes(s.taxes, byRate, c, `shipping_lines.${i}`),
    })),
    payments: paid && total > 0 ? [{ payment_ref: (o.transaction_id && o.transaction_id.trim()) || refOf(o.id), gateway: o.payment_method.slice(0, 64) || 'woocommerce', amount: total }] : [],
    total,
  };
  return { order, raw: o };
}

export const wooCommerceAdapter: PlatformAdapter = {
  kind: 'woocommerce',
  keptHeaders: ['x-wc-webhook-topic', 'x-wc-webhook-resource', 'x-wc-webhook-event', 'x-wc-webhook-id', 'x-wc-webhook-delivery-id', 'x-wc-webhook-source'],
  verify: (req, secret) => verifyBase64Hmac(req.raw, secret, header(req, 'x-wc-webhook-signature'), 'X-WC-Webhook-Signature'),
  deliveryId: (req) => header(req, 'x-wc-webhook-delivery-id'),
  topic: (req) => header(req, 'x-wc-webhook-topic'),
  parse(topic, body) {
    if (topic !== 'order.created' && topic !== 'order.updated') {
      throw new ChannelRefusal('UNKNOWN_TOPIC', `WooCommerce topic ${JSON.stringify(topic).slice(0, 80)} is not one this adapter applies (order.created, order.updated)`);
    }
    const { order, raw } = wooOrder(body);
    const ops: ChannelOperation[] = [{ op: 'order', order }];
    const when = raw.date_modified_gmt ? gmt(raw.date_modified_gmt, 'date_modified_gmt') : order.placed_at;
    if (raw.status === 'cancelled') {
      ops.push({ op: 'cancel', cancel: { order_ref: order.order_ref, cancelled_at: when, reason: 'WooCommerce: cancelled' } });
      return ops;
    }
    for (const [i, r] of raw.refunds.entries()) {
      // Woo lists refunds with a negative total.
      const refunded = Math.abs(minorOf(typeof r.total === 'string' ? r.total.replace(/^-/, '') : Math.abs(r.total), order.currency, `refunds.${i}.total`));
      if (refunded !== order.total || raw.refunds.length > 1) {
        throw new ChannelRefusal('REFUND_WITHOUT_LINES', `refunds.${i}: WooCommerce's order webhook names no lines for a partial refund (${refunded} of ${order.total}); book it through the channel API`);
      }
      ops.push({
        op: 'refund',
        refund: {
          refund_ref: `refund-${refOf(r.id)}`,
          order_ref: order.order_ref,
          refunded_at: when,
          reason: (r.reason && r.reason.trim().slice(0, 200)) || 'WooCommerce refund',
          lines: order.lines.map((l) => ({ line_ref: l.line_ref, quantity: l.quantity, restock: true })),
          shipping: order.shipping.some((s) => s.amount > 0),
          amount: refunded,
        },
      });
    }
    return ops;
  },
};
