import { z } from 'zod';
import { safeText, storeIdSchema, type Alert, type StoreChange } from '../core/protocol';
import { AuthError } from './auth';
import type { Queryable } from './db/db';
import { writeAlerts } from './alerts';
import { moveStock } from './stock';
import { qtyToDecimal } from './quantity';
import { trimDecimalZeros } from '../core/money';

// Transfers between stores, as a chain ships goods: they leave the source on one day
// (`transfer_out`, the transfer is `in_transit`), travel, and are received at the destination
// later, all or per line. What arrives is booked in; a shortfall is booked in and written off
// at the destination in the same transaction (`transfer_in` of what was shipped, then
// `transfer_loss` of what is missing), so every unit that left the source is accounted for by
// a movement a person can see, and an alert tells HQ. A transfer still in transit can be
// cancelled: `transfer_cancel` puts the goods back at the source.
//
// Each step is one transaction that moves the transfer's row from `in_transit` under its row
// lock (SELECT … FOR UPDATE): two receives racing wait for each other, and the second finds
// the transfer received and is refused (409 ALREADY_RECEIVED), so stock is never doubled. A
// step may carry an idempotency key: a retry with the same key and content answers the first
// result (`applied: false`); the same key with other content is KEY_REUSED.
//
// Lock order: the transfer row, then SKU levels in SKU order, then the store row
// (appendChange), as ingest takes SKUs then the store row.

export const TRANSFER_STATES = ['in_transit', 'received', 'received_short', 'cancelled'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

export const MAX_TRANSFER_LINES = 5_000;
/** Lines of each transfer a list carries (GET /api/stock/transfers/:id has them all). */
export const LIST_LINES = 50;

const sku = safeText().min(1).max(64);
const positiveQty = z.object({ units: z.number().int().min(1).refine(Number.isSafeInteger), scale: z.number().int().min(0).max(6) }).strict();
const receivedQty = z.object({ units: z.number().int().min(0).refine(Number.isSafeInteger), scale: z.number().int().min(0).max(6) }).strict();
export const transferKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{7,56}$/, 'must be 8-57 of A-Z a-z 0-9 . _ : - (a UUID will do)')
  .describe('idempotency key: a retry with the same key and content changes nothing more and answers the first result');
const eachSkuOnce = (items: Array<{ sku: string }>) => new Set(items.map((i) => i.sku)).size === items.length;

export const stockTransferSchema = z
  .object({
    from_store: storeIdSchema,
    to_store: storeIdSchema,
    items: z.array(z.object({ sku, quantity: positiveQty }).strict()).min(1).max(MAX_TRANSFER_LINES),
    note: safeText().max(200).optional(),
    receive: z
      .boolean()
      .default(true)
      .describe('true (the default, as before transfers had two steps): received at the destination in the same step, state received; false: shipped only, in transit until received or cancelled'),
    key: transferKeySchema.optional(),
  })
  .strict()
  .refine((t) => t.from_store !== t.to_store, { message: 'from_store and to_store must differ', path: ['to_store'] })
  .refine((t) => eachSkuOnce(t.items), { message: 'each SKU at most once', path: ['items'] });
export type StockTransfer = z.infer<typeof stockTransferSchema>;

export const transferReceiveSchema = z
  .object({
    items: z
      .array(z.object({ sku, quantity: receivedQty.describe('what arrived of this line (0 … shipped)') }).strict())
      .max(MAX_TRANSFER_LINES)
      .optional()
      .describe('per line, what arrived; a line not named arrived in full; absent: everything arrived'),
    note: safeText().max(200).optional().describe('e.g. "2 crushed in the van"'),
    key: transferKeySchema.optional(),
  })
  .strict()
  .refine((r) => eachSkuOnce(r.items ?? []), { message: 'each SKU at most once', path: ['items'] });
export type TransferReceive = z.infer<typeof transferReceiveSchema>;

export const transferCancelSchema = z.object({ note: safeText().max(200).optional(), key: transferKeySchema.optional() }).strict();
export type TransferCancel = z.infer<typeof transferCancelSchema>;

export type TransferErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'ALREADY_RECEIVED' | 'ALREADY_CANCELLED' | 'KEY_REUSED' | 'OVER_RECEIVED' | 'UNKNOWN_LINE';
export class TransferError extends Error {
  constructor(
    readonly code: TransferErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}
export const TRANSFER_ERROR_STATUS: Record<TransferErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  ALREADY_RECEIVED: 409,
  ALREADY_CANCELLED: 409,
  KEY_REUSED: 409,
  OVER_RECEIVED: 400,
  UNKNOWN_LINE: 400,
};

export interface TransferLine {
  sku: string;
  name: string | null;
  /** Decimal text. */
  shipped: string;
  /** Null until received. */
  received: string | null;
  /** shipped − received once received (0 when all arrived), else null. */
  short: string | null;
}

export interface TransferView {
  transfer_id: number;
  from_store: string;
  to_store: string;
  state: TransferState;
  items: Array<{ sku: string; quantity: { units: number; scale: number } }>;
  lines: TransferLine[];
  line_count: number;
  note: string;
  created_by: string | null;
  created_at: string;
  received_at: string | null;
  received_by: string | null;
  receive_note: string | null;
  cancelled_at: string | null;
  cancelled_by: string | null;
  cancel_note: string | null;
}

export interface TransferResult {
  transfer: TransferView;
  /** Stock changes for the stores' registers (none when the key was applied before). */
  changes: StoreChange[];
  alerts: Alert[];
  /** False: the key had been applied before; this is the transfer as it is now. */
  applied: boolean;
}

/** Who acts: the user recorded with the step, and which stores they may act for. */
export interface TransferActor {
  user_id: string | null;
  may(storeId: string): boolean;
}

const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Transfers with their lines (at most `maxLines` each, SKU order), in the order of `ids`. */
export async function loadTransfers(q: Queryable, ids: number[], maxLines = MAX_TRANSFER_LINES): Promise<TransferView[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<Record<string, unknown>>(
    `SELECT transfer_id::text AS transfer_id, from_store, to_store, state, items, note, created_by, created_at, received_at, received_by, receive_note,
            cancelled_at, cancelled_by, cancel_note, (SELECT count(*)::int FROM stock_transfer_lines l WHERE l.transfer_id = t.transfer_id) AS line_count
       FROM stock_transfers t WHERE transfer_id = ANY($1::bigint[])`,
    [ids],
  );
  const { rows: lines } = await q.query<{ transfer_id: string; sku: string; name: string | null; shipped: string; received: string | null }>(
    `SELECT transfer_id::text AS transfer_id, sku, name, shipped::text AS shipped, received::text AS received FROM (
       SELECT l.transfer_id, l.sku, p.data->>'name' AS name, l.shipped, l.received, row_number() OVER (PARTITION BY l.transfer_id ORDER BY l.sku) AS n
         FROM stock_transfer_lines l LEFT JOIN products p ON p.sku = l.sku WHERE l.transfer_id = ANY($1::bigint[])) x
      WHERE n <= $2 ORDER BY transfer_id, sku`,
    [ids, maxLines],
  );
  const byId = new Map<number, TransferLine[]>();
  for (const l of lines) {
    const id = Number(l.transfer_id);
    const short = l.received === null ? null : trimDecimalZeros(subtract(l.shipped, l.received));
    const list = byId.get(id) ?? [];
    list.push({ sku: l.sku, name: l.name, shipped: trimDecimalZeros(l.shipped), received: l.received === null ? null : trimDecimalZeros(l.received), short });
    byId.set(id, list);
  }
  const views = rows.map((r): TransferView => {
    const id = Number(r.transfer_id);
    return {
      transfer_id: id,
      from_store: String(r.from_store),
      to_store: String(r.to_store),
      state: r.state as TransferState,
      items: r.items as TransferView['items'],
      lines: byId.get(id) ?? [],
      line_count: Number(r.line_count),
      note: String(r.note),
      created_by: (r.created_by as string | null) ?? null,
      created_at: iso(r.created_at)!,
      received_at: iso(r.received_at),
      received_by: (r.received_by as string | null) ?? null,
      receive_note: (r.receive_note as string | null) ?? null,
      cancelled_at: iso(r.cancelled_at),
      cancelled_by: (r.cancelled_by as string | null) ?? null,
      cancel_note: (r.cancel_note as string | null) ?? null,
    };
  });
  const order = new Map(ids.map((id, i) => [id, i]));
  return views.sort((a, b) => order.get(a.transfer_id)! - order.get(b.transfer_id)!);
}

/** a − b for decimal texts, exactly (both ≥ 0; a line's CHECK keeps received ≤ shipped). */
function subtract(a: string, b: string): string {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const units = (d: string) => BigInt(d.replace('.', '') + '0'.repeat(scale - (d.split('.')[1]?.length ?? 0)));
  const diff = (units(a) - units(b)).toString().padStart(scale + 1, '0');
  return scale ? `${diff.slice(0, -scale)}.${diff.slice(-scale)}` : diff;
}

async function one(q: Queryable, id: number): Promise<TransferView> {
  return (await loadTransfers(q, [id]))[0]!;
}

const sameItems = (a: StockTransfer['items'], b: StockTransfer['items']) =>
  a.length === b.length && [...a].sort((x, y) => (x.sku < y.sku ? -1 : 1)).every((x, i) => {
    const y = [...b].sort((p, r) => (p.sku < r.sku ? -1 : 1))[i]!;
    return x.sku === y.sku && qtyToDecimal(x.quantity) === qtyToDecimal(y.quantity);
  });

/**
 * Ships goods: a transfer row (in transit), its lines, transfer_out movements at the source and
 * its stock change. Refused (nothing written) when the source has less on hand. With
 * `receive`, the destination receives everything in the same transaction (a one-step move).
 */
export async function shipTransfer(tx: Queryable, t: StockTransfer, who: TransferActor): Promise<TransferResult> {
  const stores = await tx.query<{ store_id: string }>(`SELECT store_id FROM stores WHERE store_id = ANY($1::text[])`, [[t.from_store, t.to_store]]);
  for (const [s, field] of [[t.from_store, 'from_store'], [t.to_store, 'to_store']] as const) {
    if (!stores.rows.some((r) => r.store_id === s)) throw new AuthError('NOT_FOUND', `unknown store ${s}`, field);
  }
  // The row first: a retry racing its original waits here on the key's unique index, then
  // finds the original (DO NOTHING) instead of shipping twice.
  const { rows } = await tx.query<{ transfer_id: string }>(
    `INSERT INTO stock_transfers (from_store, to_store, items, note, created_by, state, ship_key) VALUES ($1, $2, $3, $4, $5, 'in_transit', $6)
     ON CONFLICT (ship_key) WHERE ship_key IS NOT NULL DO NOTHING RETURNING transfer_id::text AS transfer_id`,
    [t.from_store, t.to_store, JSON.stringify(t.items), t.note ?? '', who.user_id, t.key ?? null],
  );
  if (!rows.length) return replayShip(tx, t);
  const id = Number(rows[0]!.transfer_id);
  const items = t.items.map((i) => ({ sku: i.sku, quantity: qtyToDecimal(i.quantity) }));
  if (t.receive) {
    // A one-step move writes both stores: take both stores' level rows, then both store rows
    // (their change cursors), each in store order, before anything else, so that two moves in
    // opposite directions queue instead of deadlocking. Ingest takes one store's levels, then
    // its store row: the same order. NO KEY UPDATE, as the UPDATE of the cursor takes: the
    // transfer row's foreign keys already hold KEY SHARE on both stores, which FOR UPDATE would
    // wait on across transactions.
    await tx.query(
      `SELECT 1 FROM stock_levels l JOIN jsonb_to_recordset($1::jsonb) AS x(sku text) ON l.sku = x.sku
        WHERE l.store_id = ANY($2::text[]) ORDER BY l.store_id, l.sku FOR UPDATE OF l`,
      [JSON.stringify(items), [t.from_store, t.to_store]],
    );
    await tx.query(`SELECT 1 FROM stores WHERE store_id = ANY($1::text[]) ORDER BY store_id FOR NO KEY UPDATE`, [[t.from_store, t.to_store]]);
  }
  // Lock the source's levels (SKU order) and check them under the lock.
  const { rows: have } = await tx.query<{ sku: string; short: boolean; on_hand: string }>(
    `SELECT x.sku, coalesce(l.on_hand, 0) < x.quantity AS short, coalesce(l.on_hand, 0)::text AS on_hand
       FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric)
       LEFT JOIN LATERAL (SELECT on_hand FROM stock_levels WHERE store_id = $2 AND sku = x.sku FOR UPDATE) l ON TRUE
      ORDER BY x.sku`,
    [JSON.stringify(items), t.from_store],
  );
  const short = have.filter((h) => h.short);
  if (short.length) {
    throw new AuthError('CONFLICT', `not enough stock at ${t.from_store}: ${short.map((s) => `${s.sku} has ${s.on_hand}`).join(', ').slice(0, 300)}`, 'items');
  }
  await tx.query(
    `INSERT INTO stock_transfer_lines (transfer_id, sku, shipped) SELECT $2, x.sku, x.quantity FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric)`,
    [JSON.stringify(items), id],
  );
  const source = { reason: 'transfer', step: 'ship', transfer_id: id, from_store: t.from_store, to_store: t.to_store };
  const out = await moveStock(tx, t.from_store, items.map((i) => ({ sku: i.sku, quantity: `-${i.quantity}`, reason: 'transfer_out' })), id, source);
  if (!t.receive) return { transfer: await one(tx, id), changes: [out], alerts: [], applied: true };
  const r = await receiveLocked(tx, await lockTransfer(tx, id), {}, who);
  return { ...r, changes: [out, ...r.changes] };
}

async function replayShip(tx: Queryable, t: StockTransfer): Promise<TransferResult> {
  // A one-step move received in its shipping transaction: received_at = created_at (now() is the transaction's time).
  const { rows } = await tx.query<{ transfer_id: string; from_store: string; to_store: string; items: StockTransfer['items']; one_step: boolean }>(
    `SELECT transfer_id::text AS transfer_id, from_store, to_store, items, coalesce(received_at = created_at, false) AS one_step FROM stock_transfers WHERE ship_key = $1`,
    [t.key],
  );
  const first = rows[0];
  if (!first) throw new Error(`ship key ${t.key} conflicted but no transfer holds it`);
  if (first.from_store !== t.from_store || first.to_store !== t.to_store || !sameItems(first.items, t.items) || first.one_step !== t.receive) {
    throw new TransferError('KEY_REUSED', `key ${t.key} was used for transfer ${first.transfer_id} with other stores, items or receive; use a new key for a new transfer`, 'key');
  }
  return { transfer: await one(tx, Number(first.transfer_id)), changes: [], alerts: [], applied: false };
}

interface LockedTransfer {
  transfer_id: number;
  from_store: string;
  to_store: string;
  state: TransferState;
  receive_key: string | null;
  cancel_key: string | null;
}

async function lockTransfer(tx: Queryable, id: number): Promise<LockedTransfer> {
  const { rows } = await tx.query<{ transfer_id: string; from_store: string; to_store: string; state: TransferState; receive_key: string | null; cancel_key: string | null }>(
    `SELECT transfer_id::text AS transfer_id, from_store, to_store, state, receive_key, cancel_key FROM stock_transfers WHERE transfer_id = $1 FOR UPDATE`,
    [id],
  );
  const r = rows[0];
  if (!r) throw new TransferError('NOT_FOUND', `no transfer ${id}`, 'transfer_id');
  return { ...r, transfer_id: Number(r.transfer_id) };
}

/** A transfer between two stores the actor manages neither of does not exist for them (as in the lists). */
function hideFromStrangers(t: LockedTransfer, who: TransferActor): void {
  if (!who.may(t.from_store) && !who.may(t.to_store)) throw new TransferError('NOT_FOUND', `no transfer ${t.transfer_id}`, 'transfer_id');
}

function refuseDone(t: LockedTransfer): never {
  if (t.state === 'cancelled') throw new TransferError('ALREADY_CANCELLED', `transfer ${t.transfer_id} was cancelled; nothing is in transit`, 'transfer_id');
  throw new TransferError('ALREADY_RECEIVED', `transfer ${t.transfer_id} was already received (${t.state})`, 'transfer_id');
}

/** Receives a transfer at its destination (the actor must manage the destination). */
export async function receiveTransfer(tx: Queryable, id: number, req: TransferReceive, who: TransferActor): Promise<TransferResult> {
  const t = await lockTransfer(tx, id);
  hideFromStrangers(t, who);
  if (!who.may(t.to_store)) throw new TransferError('FORBIDDEN', `no access to store ${t.to_store}, the destination of transfer ${id}`, 'transfer_id');
  return receiveLocked(tx, t, req, who);
}

async function receiveLocked(tx: Queryable, t: LockedTransfer, req: TransferReceive, who: TransferActor): Promise<TransferResult> {
  const asked = (req.items ?? []).map((i) => ({ sku: i.sku, quantity: qtyToDecimal(i.quantity) }));
  const { rows: lines } = await tx.query<{ sku: string; shipped: string; received: string; differs: boolean; over: boolean; short: boolean; missing: string }>(
    `SELECT l.sku, l.shipped::text AS shipped, coalesce(x.quantity, l.shipped)::text AS received, l.received IS DISTINCT FROM coalesce(x.quantity, l.shipped) AS differs,
            coalesce(x.quantity, l.shipped) > l.shipped AS over, coalesce(x.quantity, l.shipped) < l.shipped AS short,
            (l.shipped - coalesce(x.quantity, l.shipped))::text AS missing
       FROM stock_transfer_lines l LEFT JOIN jsonb_to_recordset($2::jsonb) AS x(sku text, quantity numeric) ON x.sku = l.sku
      WHERE l.transfer_id = $1 ORDER BY l.sku`,
    [t.transfer_id, JSON.stringify(asked)],
  );
  const known = new Set(lines.map((l) => l.sku));
  const unknown = asked.filter((a) => !known.has(a.sku));
  if (unknown.length) throw new TransferError('UNKNOWN_LINE', `transfer ${t.transfer_id} has no line ${unknown.map((u) => u.sku).join(', ').slice(0, 200)}`, 'items');
  const over = lines.filter((l) => l.over);
  if (over.length) {
    throw new TransferError('OVER_RECEIVED', `more received than shipped: ${over.map((l) => `${l.sku} shipped ${l.shipped}, received ${l.received}`).join(', ').slice(0, 300)}`, 'items');
  }
  if (t.state !== 'in_transit') {
    if (req.key === undefined || t.receive_key !== req.key) refuseDone(t);
    if (lines.some((l) => l.differs)) {
      throw new TransferError('KEY_REUSED', `key ${req.key} received transfer ${t.transfer_id} with other quantities; it is received already`, 'key');
    }
    return { transfer: await one(tx, t.transfer_id), changes: [], alerts: [], applied: false };
  }
  const shortLines = lines.filter((l) => l.short);
  const state: TransferState = shortLines.length ? 'received_short' : 'received';
  await tx.query(
    `UPDATE stock_transfer_lines l
        SET received = coalesce((SELECT x.quantity FROM jsonb_to_recordset($2::jsonb) AS x(sku text, quantity numeric) WHERE x.sku = l.sku), l.shipped)
      WHERE l.transfer_id = $1`,
    [t.transfer_id, JSON.stringify(asked)],
  );
  await tx.query(
    `UPDATE stock_transfers SET state = $2, received_at = now(), received_by = $3, receive_note = $4, receive_key = $5 WHERE transfer_id = $1`,
    [t.transfer_id, state, who.user_id, req.note ?? null, req.key ?? null],
  );
  const source = { reason: 'transfer', step: 'receive', transfer_id: t.transfer_id, from_store: t.from_store, to_store: t.to_store };
  const moves = [
    ...lines.map((l) => ({ sku: l.sku, quantity: l.shipped, reason: 'transfer_in' })),
    ...shortLines.map((l) => ({ sku: l.sku, quantity: `-${l.missing}`, reason: 'transfer_loss' })),
  ];
  const change = await moveStock(tx, t.to_store, moves, t.transfer_id, source);
  const alerts = shortLines.length
    ? await writeAlerts(tx, [
        {
          cause: `transfer_short:${t.transfer_id}`,
          kind: 'transfer_short',
          store_id: t.to_store,
          message: `transfer ${t.transfer_id} from ${t.from_store} arrived short: ${shortLines.map((l) => `${l.sku} ${trimDecimalZeros(l.missing)} of ${trimDecimalZeros(l.shipped)} missing`).join(', ')}`.slice(0, 1000),
          data: {
            transfer_id: t.transfer_id,
            from_store: t.from_store,
            to_store: t.to_store,
            received_by: who.user_id,
            note: req.note ?? null,
            lines: shortLines.slice(0, 50).map((l) => ({ sku: l.sku, shipped: trimDecimalZeros(l.shipped), received: trimDecimalZeros(l.received), missing: trimDecimalZeros(l.missing) })),
          },
        },
      ])
    : [];
  return { transfer: await one(tx, t.transfer_id), changes: [change], alerts, applied: true };
}

/** Cancels a transfer in transit: the goods go back to the source (the actor must manage it). */
export async function cancelTransfer(tx: Queryable, id: number, req: TransferCancel, who: TransferActor): Promise<TransferResult> {
  const t = await lockTransfer(tx, id);
  hideFromStrangers(t, who);
  if (!who.may(t.from_store)) throw new TransferError('FORBIDDEN', `no access to store ${t.from_store}, the source of transfer ${id}`, 'transfer_id');
  if (t.state !== 'in_transit') {
    if (t.state === 'cancelled' && req.key !== undefined && t.cancel_key === req.key) return { transfer: await one(tx, id), changes: [], alerts: [], applied: false };
    refuseDone(t);
  }
  const { rows: lines } = await tx.query<{ sku: string; shipped: string }>(`SELECT sku, shipped::text AS shipped FROM stock_transfer_lines WHERE transfer_id = $1 ORDER BY sku`, [id]);
  await tx.query(`UPDATE stock_transfers SET state = 'cancelled', cancelled_at = now(), cancelled_by = $2, cancel_note = $3, cancel_key = $4 WHERE transfer_id = $1`, [
    id,
    who.user_id,
    req.note ?? null,
    req.key ?? null,
  ]);
  const source = { reason: 'transfer', step: 'cancel', transfer_id: id, from_store: t.from_store, to_store: t.to_store };
  const change = await moveStock(tx, t.from_store, lines.map((l) => ({ sku: l.sku, quantity: l.shipped, reason: 'transfer_cancel' })), id, source);
  return { transfer: await one(tx, id), changes: [change], alerts: [], applied: true };
}

export interface InTransitRow {
  sku: string;
  name: string | null;
  /** On the way to this store (decimal text). */
  incoming: string;
  /** On the way from this store to another. */
  outgoing: string;
  transfers: number;
}

/** Per SKU, what is in transit to and from a store (its open transfers), SKU order after `afterSku`. */
export async function inTransit(q: Queryable, storeId: string, skus: string[] | null, limit: number, afterSku?: string): Promise<InTransitRow[]> {
  const { rows } = await q.query<{ sku: string; name: string | null; incoming: string; outgoing: string; transfers: number }>(
    `SELECT l.sku, p.data->>'name' AS name,
            coalesce(sum(l.shipped) FILTER (WHERE t.to_store = $1), 0)::text AS incoming,
            coalesce(sum(l.shipped) FILTER (WHERE t.from_store = $1), 0)::text AS outgoing,
            count(*)::int AS transfers
       FROM stock_transfers t JOIN stock_transfer_lines l ON l.transfer_id = t.transfer_id LEFT JOIN products p ON p.sku = l.sku
      WHERE t.state = 'in_transit' AND (t.from_store = $1 OR t.to_store = $1)
        AND ($2::text[] IS NULL OR l.sku = ANY($2::text[])) AND ($3::text IS NULL OR l.sku > $3)
      GROUP BY l.sku, p.data->>'name' ORDER BY l.sku LIMIT $4`,
    [storeId, skus, afterSku ?? null, limit],
  );
  return rows.map((r) => ({ sku: r.sku, name: r.name, incoming: trimDecimalZeros(r.incoming), outgoing: trimDecimalZeros(r.outgoing), transfers: r.transfers }));
}
