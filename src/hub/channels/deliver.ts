import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson, GENESIS_HASH, JOURNAL_SCHEMA_VERSION, sealEvent, type Alert, type JournalEvent, type StoreChange } from '../../core/protocol';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../../core/events/sale';
import type { Db, Queryable } from '../db/db';
import { retryTransient } from '../db/errors';
import { ingestInTransaction, storableText } from '../ingest';
import type { EventProcessor } from '../processor';
import { writeAlerts, type AlertDraft } from '../alerts';
import { buildCancellation, buildChannelRefund, buildSale, checkedSale, ourSku, taxTableOf, tendersOf, toUtc, type BuildContext } from './build';
import { ChannelRefusal, orderRefOf, type ChannelOperation, type ChannelOrder } from './model';
import { loadChannel, type ChannelRow } from './store';
import { AuthError } from '../auth';

// One delivery to a channel (an API call or a platform webhook) is one transaction: the
// delivery row, the journal events its operations become (written through the same ingest
// as a register's batch: posting, stock, change log, oversell alerts), the channel's order
// state and the release of deliveries that were waiting for the order. The channel row is
// locked first, so one channel's deliveries are applied one at a time and its virtual
// terminal's sequence stays gap-free; lock order channel → terminal → SKUs → store row.
//
// A delivery the hub cannot apply is refused as a whole (nothing of it written but the
// delivery row with its code and reason, and its raw body kept for a replay).

export type DeliveryStatus = 'applied' | 'held' | 'refused' | 'duplicate' | 'expired';

export interface DeliveryInput {
  channel_id: string;
  source: string;
  /** Idempotency-Key or the platform's delivery id; null: not deduplicated. */
  key: string | null;
  /** What the operation is called where it came from ("order", "orders/create"). */
  operation: string;
  /** What "the same content" means for this delivery (the raw body, or the request body's canonical JSON). */
  content: string;
  raw_body: string | null;
  headers: Record<string, string>;
  /** Turns the content into operations; throws ChannelRefusal for a shape it does not know. */
  parse: (storeCurrency: string) => ChannelOperation[];
}

export interface OperationResult {
  op: ChannelOperation['op'];
  order_ref: string;
  status: 'applied' | 'held' | 'duplicate';
  note?: string;
  sale_id?: string;
  events?: Array<{ seq: number; type: string; event_id: string }>;
}

export interface DeliveryResult {
  operations: OperationResult[];
  tax_differences: string[];
  /** Held deliveries this one released (applied or refused now). */
  released: Array<{ delivery_id: number; status: DeliveryStatus; code?: string }>;
}

export interface DeliveryOutcome {
  delivery_id: number;
  status: DeliveryStatus;
  code: string | null;
  reason: string | null;
  /** true: the same key and content were delivered before; this is the original result. */
  repeated: boolean;
  result: DeliveryResult | null;
  /** To publish after commit. */
  changes: StoreChange[];
  alerts: Alert[];
  applied: JournalEvent[];
}

/** The same key came with other content: refused with 409 and an alert. */
export class DeliveryConflict extends Error {
  constructor(
    readonly delivery_id: number,
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryConflict';
  }
}

export const contentHash = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

interface Work {
  tx: Queryable;
  channel: ChannelRow;
  ctx: BuildContext;
  processor: EventProcessor;
  alerts: AlertDraft[];
  published: Alert[];
  changes: StoreChange[];
  applied: JournalEvent[];
  taxDifferences: string[];
}

export async function deliver(db: Db, processor: EventProcessor, input: DeliveryInput): Promise<DeliveryOutcome> {
  const hash = contentHash(input.content);
  try {
    return await retryTransient(() => db.transaction((tx) => applyDelivery(tx, processor, input, hash)));
  } catch (err) {
    if (err instanceof DeliveryConflict) {
      await retryTransient(() => db.transaction((tx) => recordConflict(tx, input, hash, err)));
      throw err;
    }
    if (!(err instanceof ChannelRefusal)) throw err;
    return retryTransient(() => db.transaction((tx) => recordRefusal(tx, input, hash, err)));
  }
}

async function existingDelivery(tx: Queryable, channelId: string, key: string) {
  const { rows } = await tx.query<{ delivery_id: number; status: DeliveryStatus; code: string | null; reason: string | null; content_hash: string; result: DeliveryResult | null }>(
    `SELECT delivery_id, status, code, reason, content_hash, result FROM channel_deliveries WHERE channel_id = $1 AND delivery_key = $2`,
    [channelId, key],
  );
  return rows[0];
}

function repeatOf(row: NonNullable<Awaited<ReturnType<typeof existingDelivery>>>): DeliveryOutcome {
  return { delivery_id: Number(row.delivery_id), status: row.status, code: row.code, reason: row.reason, repeated: true, result: row.result, changes: [], alerts: [], applied: [] };
}

async function applyDelivery(tx: Queryable, processor: EventProcessor, input: DeliveryInput, hash: string): Promise<DeliveryOutcome> {
  const channel = await loadChannel(tx, input.channel_id, { lock: true });
  if (!channel) throw new ChannelRefusal('UNKNOWN_CHANNEL', `no channel ${input.channel_id}`);
  if (input.key !== null) {
    const seen = await existingDelivery(tx, channel.channel_id, input.key);
    if (seen) {
      if (seen.content_hash === hash) return repeatOf(seen);
      throw new DeliveryConflict(Number(seen.delivery_id), `key ${input.key} was used by delivery ${seen.delivery_id} with other content`);
    }
  }
  if (channel.disabled_at) throw new ChannelRefusal('CHANNEL_DISABLED', `channel ${channel.channel_id} is disabled`);
  const currency = (await tx.query<{ currency: string }>(`SELECT currency FROM stores WHERE store_id = $1`, [channel.store_id])).rows[0]!.currency;
  const ops = input.parse(currency);
  const { rows } = await tx.query<{ delivery_id: number }>(
    `INSERT INTO channel_deliveries (channel_id, source, delivery_key, operation, order_ref, status, content_hash, raw_body, headers, operations)
     VALUES ($1, $2, $3, $4, $5, 'applied', $6, $7, $8, $9) RETURNING delivery_id`,
    [channel.channel_id, input.source, input.key, input.operation, ops[0] ? orderRefOf(ops[0]) : null, hash, input.raw_body, JSON.stringify(input.headers), JSON.stringify(ops)],
  );
  return runOperations(tx, processor, channel, Number(rows[0]!.delivery_id), ops);
}

/** Applies a delivery's operations and records the outcome on its row. */
async function runOperations(tx: Queryable, processor: EventProcessor, channel: ChannelRow, deliveryId: number, ops: ChannelOperation[]): Promise<DeliveryOutcome> {
  const w = await workFor(tx, processor, channel, ops);
  const results: OperationResult[] = [];
  for (const op of ops) results.push(await applyOperation(w, op));
  const released = await releaseHeld(w, [...new Set(ops.map(orderRefOf))], deliveryId);
  const status: DeliveryStatus = results.some((r) => r.status === 'held') ? 'held' : results.every((r) => r.status === 'duplicate') ? 'duplicate' : 'applied';
  const held = results.find((r) => r.status === 'held');
  const result: DeliveryResult = { operations: results, tax_differences: w.taxDifferences, released };
  const code = held ? heldCode(held) : null;
  const reason = held?.note ?? results.find((r) => r.note)?.note ?? null;
  await tx.query(
    `UPDATE channel_deliveries SET status = $2, code = $3, reason = $4, result = $5, operations = $6, order_ref = $7, updated_at = now() WHERE delivery_id = $1`,
    [deliveryId, status, code, reason, JSON.stringify(result), JSON.stringify(ops), ops[0] ? orderRefOf(ops[0]) : null],
  );
  w.published.push(...(await writeAlerts(tx, w.alerts)));
  return { delivery_id: deliveryId, status, code, reason, repeated: false, result, changes: w.changes, alerts: w.published, applied: w.applied };
}

/** Parses a kept raw body again (its signature was checked when it arrived). */
export type ReplayParser = (raw: string, headers: Record<string, string>, source: string, operation: string, currency: string) => ChannelOperation[];

/** Replays a refused delivery (after its cause was fixed): the same row, attempts + 1. */
export async function replayDelivery(db: Db, processor: EventProcessor, channelId: string, deliveryId: number, parse: ReplayParser): Promise<DeliveryOutcome> {
  try {
    return await retryTransient(() =>
      db.transaction(async (tx) => {
        const channel = await loadChannel(tx, channelId, { lock: true });
        if (!channel) throw new AuthError('NOT_FOUND', `no channel ${channelId}`, 'channel_id');
        const { rows } = await tx.query<{ status: string; raw_body: string | null; headers: Record<string, string>; source: string; operation: string }>(
          `SELECT status, raw_body, headers, source, operation FROM channel_deliveries WHERE channel_id = $1 AND delivery_id = $2 FOR UPDATE`,
          [channelId, deliveryId],
        );
        const d = rows[0];
        if (!d) throw new AuthError('NOT_FOUND', `channel ${channelId} has no delivery ${deliveryId}`, 'delivery_id');
        if (d.status !== 'refused') throw new AuthError('CONFLICT', `delivery ${deliveryId} is ${d.status}; only a refused delivery is replayed`, 'delivery_id');
        if (d.raw_body === null) throw new AuthError('CONFLICT', `delivery ${deliveryId} was refused before it was authenticated; its body was not kept`, 'delivery_id');
        if (channel.disabled_at) throw new ChannelRefusal('CHANNEL_DISABLED', `channel ${channel.channel_id} is disabled`);
        const currency = (await tx.query<{ currency: string }>(`SELECT currency FROM stores WHERE store_id = $1`, [channel.store_id])).rows[0]!.currency;
        const ops = parse(d.raw_body, d.headers, d.source, d.operation, currency);
        await tx.query(`UPDATE channel_deliveries SET attempts = attempts + 1 WHERE delivery_id = $1`, [deliveryId]);
        return runOperations(tx, processor, channel, deliveryId, ops);
      }),
    );
  } catch (err) {
    if (!(err instanceof ChannelRefusal)) throw err;
    const reason = storableText(err.message);
    await db.query(`UPDATE channel_deliveries SET attempts = attempts + 1, code = $3, reason = $4, updated_at = now() WHERE channel_id = $1 AND delivery_id = $2`, [channelId, deliveryId, err.code, reason]);
    return { delivery_id: deliveryId, status: 'refused', code: err.code, reason, repeated: false, result: null, changes: [], alerts: [], applied: [] };
  }
}

const heldCode = (r: OperationResult): string => (r.op === 'order' ? 'AWAITING_PAYMENT' : 'ORDER_NOT_YET_BOOKED');

async function recordRefusal(tx: Queryable, input: DeliveryInput, hash: string, err: ChannelRefusal): Promise<DeliveryOutcome> {
  if (input.key !== null) {
    // A concurrent delivery with the same key may have committed in between.
    const seen = await existingDelivery(tx, input.channel_id, input.key);
    if (seen) return repeatOf(seen);
  }
  const known = await tx.query(`SELECT store_id FROM channels WHERE channel_id = $1`, [input.channel_id]);
  const storeId = (known.rows[0] as { store_id?: string } | undefined)?.store_id;
  if (!storeId) throw err; // no channel: nothing to log it under
  const reason = storableText(err.message);
  const { rows } = await tx.query<{ delivery_id: number }>(
    `INSERT INTO channel_deliveries (channel_id, source, delivery_key, operation, status, code, reason, content_hash, raw_body, headers)
     VALUES ($1, $2, $3, $4, 'refused', $5, $6, $7, $8, $9) RETURNING delivery_id`,
    [input.channel_id, input.source, input.key, input.operation, err.code, reason, hash, input.raw_body, JSON.stringify(input.headers)],
  );
  const deliveryId = Number(rows[0]!.delivery_id);
  const alerts = await writeAlerts(tx, [
    {
      cause: `channel:${input.channel_id}:refused:${err.code}`,
      kind: 'channel',
      store_id: storeId,
      message: `channel ${input.channel_id}: ${input.source} ${input.operation} delivery ${deliveryId} refused: ${err.code}: ${reason}`.slice(0, 1000),
      data: { channel_id: input.channel_id, delivery_id: deliveryId, code: err.code, reason },
    },
  ]);
  return { delivery_id: deliveryId, status: 'refused', code: err.code, reason, repeated: false, result: null, changes: [], alerts, applied: [] };
}

async function recordConflict(tx: Queryable, input: DeliveryInput, hash: string, err: DeliveryConflict): Promise<void> {
  const known = await tx.query<{ store_id: string }>(`SELECT store_id FROM channels WHERE channel_id = $1`, [input.channel_id]);
  const storeId = known.rows[0]?.store_id;
  if (!storeId) return;
  // Logged without its key (the key belongs to the first delivery) and without the body.
  await tx.query(
    `INSERT INTO channel_deliveries (channel_id, source, delivery_key, operation, status, code, reason, content_hash, headers)
     VALUES ($1, $2, NULL, $3, 'refused', 'IDEMPOTENCY_CONFLICT', $4, $5, $6)`,
    [input.channel_id, input.source, input.operation, storableText(err.message), hash, JSON.stringify(input.headers)],
  );
  await writeAlerts(tx, [
    {
      cause: `channel:${input.channel_id}:conflict:${input.key ?? ''}`,
      kind: 'channel',
      store_id: storeId,
      message: `channel ${input.channel_id}: ${storableText(err.message, 300)}`,
      data: { channel_id: input.channel_id, code: 'IDEMPOTENCY_CONFLICT', key: input.key, first_delivery_id: err.delivery_id },
    },
  ]);
}

async function workFor(tx: Queryable, processor: EventProcessor, channel: ChannelRow, ops: ChannelOperation[]): Promise<Work> {
  const st = await tx.query<{ currency: string; tax: unknown }>(`SELECT currency, tax FROM stores WHERE store_id = $1`, [channel.store_id]);
  const store = st.rows[0]!;
  const skus = new Set<string>();
  for (const op of ops) if (op.op === 'order') for (const l of op.order.lines) skus.add(ourSku(channel, l.sku));
  const products = new Map<string, { name?: string; category?: string; tax_category?: string }>();
  if (skus.size) {
    const { rows } = await tx.query<{ sku: string; data: { name?: string; category?: string; tax_category?: string } }>(`SELECT sku, data FROM products WHERE sku = ANY($1::text[])`, [[...skus]]);
    for (const r of rows) products.set(r.sku, r.data);
  }
  return {
    tx,
    channel,
    processor,
    ctx: {
      channel_id: channel.channel_id,
      store_id: channel.store_id,
      terminal_id: channel.terminal_id,
      shift_id: channel.shift_id,
      currency: store.currency,
      tax: taxTableOf(store.tax),
      sku_map: channel.sku_map,
      processor_map: channel.processor_map,
      default_processor: channel.default_processor,
      products,
    },
    alerts: [],
    published: [],
    changes: [],
    applied: [],
    taxDifferences: [],
  };
}

/** Seals the next event of the channel's virtual terminal and writes it through ingest. */
async function appendEvent(w: Work, type: string, payload: object, occurredAt: string): Promise<{ seq: number; type: string; event_id: string }> {
  const { rows } = await w.tx.query<{ applied_through: number; applied_hash: string | null }>(
    `SELECT applied_through, applied_hash FROM terminals WHERE terminal_id = $1 FOR UPDATE`,
    [w.channel.terminal_id],
  );
  const t = rows[0]!;
  const seq = Number(t.applied_through) + 1;
  const prev = seq === 1 ? GENESIS_HASH : t.applied_hash!;
  const event = sealEvent(prev, {
    version: JOURNAL_SCHEMA_VERSION,
    terminal_id: w.channel.terminal_id,
    store_id: w.channel.store_id,
    seq,
    event_id: randomUUID(),
    type,
    occurred_at: toUtc(occurredAt),
    payload: payload as Record<string, unknown>,
  });
  const r = await ingestInTransaction(w.tx, { terminal_id: w.channel.terminal_id, store_id: w.channel.store_id, processor: w.processor }, [event]);
  // A rejection would burn a sequence number on something the channel can correct: refuse
  // the whole delivery instead (the transaction rolls back, the rejection with it).
  const rejected = r.rejected[0];
  if (rejected) throw new ChannelRefusal('POSTING_REFUSED', `${type}: ${rejected.code}: ${rejected.reason}`);
  if (r.applied_through !== seq) throw new Error(`channel ${w.channel.channel_id}: ingest applied through ${r.applied_through}, expected ${seq}`);
  w.changes.push(...r.changes);
  w.published.push(...r.alerts);
  w.applied.push(...r.applied);
  return { seq, type, event_id: event.event_id };
}

type OrderRow = {
  order_ref: string;
  sale_id: string;
  status: 'awaiting_payment' | 'applied' | 'cancelled';
  order_data: ChannelOrder;
  sale: SaleCompletedPayload;
  payments: ChannelOrder['payments'];
  refunds: Array<{ refund_ref: string; refund_id: string }>;
};

async function loadOrder(w: Work, orderRef: string): Promise<OrderRow | undefined> {
  const { rows } = await w.tx.query<OrderRow>(
    `SELECT order_ref, sale_id::text AS sale_id, status, order_data, sale, payments, refunds FROM channel_orders WHERE channel_id = $1 AND order_ref = $2 FOR UPDATE`,
    [w.channel.channel_id, orderRef],
  );
  return rows[0];
}

async function priorRefunds(w: Work, saleId: string): Promise<SaleRefundedPayload[]> {
  const { rows } = await w.tx.query<{ payload: SaleRefundedPayload }>(
    `SELECT payload FROM journal_events WHERE terminal_id = $1 AND type = 'sale.refunded' AND payload->>'original_sale_id' = $2 ORDER BY seq`,
    [w.channel.terminal_id, saleId],
  );
  return rows.map((r) => r.payload);
}

function flagDifferences(w: Work, orderRef: string, differences: string[]): void {
  if (!differences.length) return;
  w.taxDifferences.push(...differences);
  w.alerts.push({
    cause: `channel:${w.channel.channel_id}:tax:${orderRef}`,
    kind: 'channel',
    store_id: w.channel.store_id,
    terminal_id: w.channel.terminal_id,
    message: `channel ${w.channel.channel_id} order ${orderRef}: ${differences.slice(0, 3).join('; ')}${differences.length > 3 ? ` (+${differences.length - 3} more)` : ''}`.slice(0, 1000),
    data: { channel_id: w.channel.channel_id, order_ref: orderRef, code: 'TAX_DIFFERENCE', differences: differences.slice(0, 20) },
  });
}

const withoutPayments = (o: ChannelOrder) => canonicalJson({ ...o, payments: [] });

function mergePayments(a: ChannelOrder['payments'], b: ChannelOrder['payments']): ChannelOrder['payments'] {
  const out = [...a];
  for (const p of b) {
    const same = out.find((x) => x.payment_ref === p.payment_ref);
    if (!same) out.push(p);
    else if (canonicalJson(same) !== canonicalJson(p)) throw new ChannelRefusal('PAYMENT_CHANGED', `payment ${p.payment_ref} was recorded with other content`);
  }
  return out;
}

async function applyOperation(w: Work, op: ChannelOperation): Promise<OperationResult> {
  switch (op.op) {
    case 'order':
      return applyOrder(w, op.order);
    case 'payment': {
      const ref = op.payment.order_ref;
      const row = await loadOrder(w, ref);
      if (!row) return { op: 'payment', order_ref: ref, status: 'held', note: `order ${ref} is not known yet: the payment waits for it` };
      if (row.status === 'cancelled') throw new ChannelRefusal('ORDER_CANCELLED', `order ${ref} was cancelled`);
      const payments = mergePayments(row.payments, [op.payment.payment]);
      if (payments.length === row.payments.length) return { op: 'payment', order_ref: ref, status: 'duplicate', note: `payment ${op.payment.payment.payment_ref} was recorded already` };
      if (row.status === 'applied') throw new ChannelRefusal('ALREADY_PAID', `order ${ref} was booked paid in full; payment ${op.payment.payment.payment_ref} is more than its total`);
      return settle(w, row, payments, 'payment');
    }
    case 'refund': {
      const ref = op.refund.order_ref;
      const row = await loadOrder(w, ref);
      if (!row || row.status === 'awaiting_payment') return { op: 'refund', order_ref: ref, status: 'held', note: `order ${ref} is not booked yet: the refund waits for it` };
      if (row.refunds.some((r) => r.refund_ref === op.refund.refund_ref)) return { op: 'refund', order_ref: ref, status: 'duplicate', note: `refund ${op.refund.refund_ref} was booked already` };
      if (row.status === 'cancelled') return { op: 'refund', order_ref: ref, status: 'duplicate', note: `order ${ref} was cancelled in full; the cancellation booked its refund` };
      const prior = await priorRefunds(w, row.sale_id);
      const refundId = randomUUID();
      const built = buildChannelRefund({ ctx: w.ctx, order: row.order_data, sale: row.sale, prior, refund: op.refund, refundId });
      flagDifferences(w, ref, built.differences);
      const ev = await appendEvent(w, 'sale.refunded', built.payload, op.refund.refunded_at);
      await w.tx.query(`UPDATE channel_orders SET refunds = refunds || $3::jsonb, updated_at = now() WHERE channel_id = $1 AND order_ref = $2`, [
        w.channel.channel_id,
        ref,
        JSON.stringify([{ refund_ref: op.refund.refund_ref, refund_id: refundId }]),
      ]);
      return { op: 'refund', order_ref: ref, status: 'applied', sale_id: row.sale_id, events: [ev] };
    }
    case 'cancel': {
      const ref = op.cancel.order_ref;
      const row = await loadOrder(w, ref);
      if (!row) return { op: 'cancel', order_ref: ref, status: 'held', note: `order ${ref} is not known yet: the cancellation waits for it` };
      if (row.status === 'cancelled') return { op: 'cancel', order_ref: ref, status: 'duplicate', note: `order ${ref} was cancelled already` };
      const events: OperationResult['events'] = [];
      if (row.status === 'applied') {
        const built = buildCancellation(w.ctx, row.sale, await priorRefunds(w, row.sale_id), op.cancel, randomUUID());
        if (built) events.push(await appendEvent(w, built.type, built.payload, op.cancel.cancelled_at));
      }
      await w.tx.query(`UPDATE channel_orders SET status = 'cancelled', updated_at = now() WHERE channel_id = $1 AND order_ref = $2`, [w.channel.channel_id, ref]);
      // An order that never got paid is closed with it.
      await w.tx.query(
        `UPDATE channel_deliveries SET status = 'applied', code = NULL, reason = 'order cancelled before it was paid', updated_at = now()
          WHERE channel_id = $1 AND order_ref = $2 AND status = 'held' AND code = 'AWAITING_PAYMENT'`,
        [w.channel.channel_id, ref],
      );
      return { op: 'cancel', order_ref: ref, status: 'applied', sale_id: row.sale_id, events, ...(row.status === 'awaiting_payment' ? { note: 'the order was not paid: nothing was booked' } : {}) };
    }
  }
}

async function applyOrder(w: Work, order: ChannelOrder): Promise<OperationResult> {
  const row = await loadOrder(w, order.order_ref);
  if (row) {
    if (withoutPayments(row.order_data) !== withoutPayments(order)) {
      throw new ChannelRefusal('ORDER_CHANGED', `order ${order.order_ref} was recorded with other lines or amounts; an edited order is not applied automatically`);
    }
    const payments = mergePayments(row.payments, order.payments);
    if (row.status !== 'awaiting_payment' || payments.length === row.payments.length) {
      return { op: 'order', order_ref: order.order_ref, status: 'duplicate', sale_id: row.sale_id, note: `order ${order.order_ref} was recorded already (${row.status})` };
    }
    return settle(w, row, payments, 'order');
  }
  const saleId = randomUUID();
  const built = buildSale(w.ctx, order, saleId);
  // Everything but the tenders is checked now, so an unpaid order is refused as early as a paid one.
  checkedSale(built.sale.totals.total > 0 ? { ...built.sale, tenders: [{ tender_id: 'CHECK', kind: 'card', processor: 'check', amount: built.sale.totals.total }] } : built.sale);
  const paid = built.paid === built.sale.totals.total;
  await w.tx.query(
    `INSERT INTO channel_orders (channel_id, order_ref, sale_id, status, order_data, sale, payments) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [w.channel.channel_id, order.order_ref, saleId, paid ? 'applied' : 'awaiting_payment', JSON.stringify(order), JSON.stringify(built.sale), JSON.stringify(order.payments)],
  );
  flagDifferences(w, order.order_ref, built.tax_differences);
  if (!paid) {
    return { op: 'order', order_ref: order.order_ref, status: 'held', sale_id: saleId, note: `paid ${built.paid} of ${built.sale.totals.total}: the order is booked once it is paid` };
  }
  const ev = await appendEvent(w, 'sale.completed', checkedSale(built.sale), order.placed_at);
  return { op: 'order', order_ref: order.order_ref, status: 'applied', sale_id: saleId, events: [ev] };
}

/** Records payments of an unpaid order; books the sale once they cover its total. */
async function settle(w: Work, row: OrderRow, payments: ChannelOrder['payments'], op: 'order' | 'payment'): Promise<OperationResult> {
  // The sale as accepted (lines, taxes, totals), with the payments as its tenders.
  const sale: SaleCompletedPayload = { ...row.sale, tenders: tendersOf(w.ctx, payments) };
  const paidSum = payments.reduce((s, p) => s + p.amount, 0);
  if (paidSum > sale.totals.total) throw new ChannelRefusal('OVERPAID', `order ${row.order_ref}: payments ${paidSum} exceed its total ${sale.totals.total}`);
  const paid = paidSum === sale.totals.total;
  await w.tx.query(
    `UPDATE channel_orders SET status = $3, sale = $4, payments = $5, updated_at = now() WHERE channel_id = $1 AND order_ref = $2`,
    [w.channel.channel_id, row.order_ref, paid ? 'applied' : 'awaiting_payment', JSON.stringify(sale), JSON.stringify(payments)],
  );
  if (!paid) return { op, order_ref: row.order_ref, status: op === 'order' ? 'held' : 'applied', sale_id: row.sale_id, note: `paid ${paidSum} of ${sale.totals.total}` };
  const ev = await appendEvent(w, 'sale.completed', checkedSale(sale), row.order_data.placed_at);
  await w.tx.query(
    `UPDATE channel_deliveries SET status = 'applied', code = NULL, reason = 'paid in full', updated_at = now()
      WHERE channel_id = $1 AND order_ref = $2 AND status = 'held' AND code = 'AWAITING_PAYMENT'`,
    [w.channel.channel_id, row.order_ref],
  );
  return { op, order_ref: row.order_ref, status: 'applied', sale_id: row.sale_id, events: [ev] };
}

const MAX_RELEASE_PASSES = 10;

/**
 * Applies the held deliveries of these orders (a refund that came before its order), oldest
 * first. Each in a savepoint: one that is refused now is marked so, the others still apply.
 */
async function releaseHeld(w: Work, orderRefs: string[], exceptId: number): Promise<DeliveryResult['released']> {
  const released: DeliveryResult['released'] = [];
  for (let pass = 0; pass < MAX_RELEASE_PASSES; pass++) {
    const { rows } = await w.tx.query<{ delivery_id: number; operations: ChannelOperation[]; order_ref: string }>(
      `SELECT delivery_id, operations, order_ref FROM channel_deliveries
        WHERE channel_id = $1 AND order_ref = ANY($2::text[]) AND status = 'held' AND code = 'ORDER_NOT_YET_BOOKED' AND delivery_id <> $3
        ORDER BY delivery_id FOR UPDATE`,
      [w.channel.channel_id, orderRefs, exceptId],
    );
    let changed = false;
    for (const d of rows) {
      const id = Number(d.delivery_id);
      await w.tx.query('SAVEPOINT channel_release');
      try {
        const results: OperationResult[] = [];
        for (const op of d.operations) results.push(await applyOperation(w, op));
        if (results.some((r) => r.status === 'held')) {
          await w.tx.query('ROLLBACK TO SAVEPOINT channel_release');
          continue;
        }
        await w.tx.query('RELEASE SAVEPOINT channel_release');
        await w.tx.query(`UPDATE channel_deliveries SET status = 'applied', code = NULL, reason = $2, result = $3, updated_at = now() WHERE delivery_id = $1`, [
          id,
          `released when its order arrived (delivery ${exceptId})`,
          JSON.stringify({ operations: results, tax_differences: [], released: [] }),
        ]);
        released.push({ delivery_id: id, status: 'applied' });
        changed = true;
      } catch (err) {
        if (!(err instanceof ChannelRefusal)) throw err;
        await w.tx.query('ROLLBACK TO SAVEPOINT channel_release');
        await w.tx.query(`UPDATE channel_deliveries SET status = 'refused', code = $2, reason = $3, updated_at = now() WHERE delivery_id = $1`, [id, err.code, storableText(err.message)]);
        released.push({ delivery_id: id, status: 'refused', code: err.code });
        changed = true;
      }
    }
    if (!changed) break;
  }
  return released;
}

/** Held deliveries past their channel's hold time: expired, with an alert each (folded per channel). */
export async function expireHeldDeliveries(db: Db): Promise<Alert[]> {
  return retryTransient(() =>
    db.transaction(async (tx) => {
      const { rows } = await tx.query<{ delivery_id: number; channel_id: string; store_id: string; order_ref: string | null; operation: string; code: string | null }>(
        `UPDATE channel_deliveries d SET status = 'expired', reason = 'its order did not arrive (or was not paid) within the channel''s hold time', updated_at = now()
           FROM channels c
          WHERE c.channel_id = d.channel_id AND d.status = 'held' AND d.received_at < now() - make_interval(mins => c.hold_minutes)
          RETURNING d.delivery_id, d.channel_id, c.store_id, d.order_ref, d.operation, d.code`,
      );
      return writeAlerts(
        tx,
        rows.map((r) => ({
          cause: `channel:${r.channel_id}:expired`,
          kind: 'channel' as const,
          store_id: r.store_id,
          message: `channel ${r.channel_id}: ${r.operation} delivery ${r.delivery_id} for order ${r.order_ref ?? '?'} expired (${r.code === 'AWAITING_PAYMENT' ? 'never paid' : 'its order never arrived'})`,
          data: { channel_id: r.channel_id, delivery_id: Number(r.delivery_id), order_ref: r.order_ref, code: 'HELD_EXPIRED' },
        })),
      );
    }),
  );
}
