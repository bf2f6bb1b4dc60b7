import { z } from 'zod';
import { MSG, type Alert } from '../../../core/protocol';
import type { HttpDeps, RouteModule } from '../app';
import type { Queryable } from '../../db/db';
import type { Server } from 'socket.io';
import { canManageStore } from '../../auth';
import {
  cancelTransfer,
  inTransit,
  LIST_LINES,
  loadTransfers,
  receiveTransfer,
  shipTransfer,
  stockTransferSchema,
  transferCancelSchema,
  transferReceiveSchema,
  TRANSFER_ERROR_STATUS,
  TRANSFER_STATES,
  TransferError,
  type TransferActor,
  type TransferResult,
} from '../../transfers';
import { HQ_ROOM, hqStoreRoom, publishChanges } from '../../socket';
import { allowedStore, storeScope, userOf, type UserPrincipal } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { storeIdQuery } from '../schemas';
import { checkRange, keyset, listFilters, pageQuery, pageReply, SqlParams } from '../paging';

// Transfers between stores (src/hub/transfers.ts): ship, receive, cancel, and the lists of
// transfers and of what is in transit. A store manager ships from their stores, receives into
// them and cancels what they shipped; admin and hq act for every store.

const line = z.object({
  sku: z.string(),
  name: z.string().nullable(),
  shipped: z.string().describe('decimal'),
  received: z.string().nullable().describe('decimal; null until received'),
  short: z.string().nullable().describe('shipped − received once received ("0": all arrived); null before'),
});
const transferRow = z
  .object({
    transfer_id: z.number(),
    from_store: z.string(),
    to_store: z.string(),
    state: z.enum(TRANSFER_STATES),
    items: z.array(z.object({ sku: z.string(), quantity: z.object({ units: z.number(), scale: z.number() }) })).describe('as shipped'),
    lines: z.array(line).describe(`lines in SKU order (a list carries the first ${LIST_LINES}; GET /api/stock/transfers/{id} all)`),
    line_count: z.number(),
    note: z.string(),
    created_by: z.string().nullable(),
    created_at: z.string().describe('shipped at'),
    received_at: z.string().nullable(),
    received_by: z.string().nullable(),
    receive_note: z.string().nullable(),
    cancelled_at: z.string().nullable(),
    cancelled_by: z.string().nullable(),
    cancel_note: z.string().nullable(),
  })
  .meta({ id: 'StockTransfer' });
const changeRef = z.object({ store_id: z.string(), cursor: z.number(), kind: z.string() });
const stepReply = z.object({
  transfer_id: z.number(),
  state: z.enum(TRANSFER_STATES),
  transfer: transferRow,
  changes: z.array(changeRef).describe('stock changes pushed to the stores’ registers (none on a replay)'),
  applied: z.boolean().describe('false: the key had been applied before; this is the transfer as it is now'),
});
const transferIdParams = z.object({ transfer_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });
const errors = { 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema };

const actor = (u: UserPrincipal): TransferActor => ({ user_id: u.user_id, may: (s) => canManageStore(u, s) });

/** A transfer step in one transaction, its stock changes to the registers and any alert to HQ. */
async function step(deps: HttpDeps, run: (tx: Queryable) => Promise<TransferResult>) {
  let r: TransferResult;
  try {
    r = await deps.track(deps.db.transaction(run));
  } catch (err) {
    if (err instanceof TransferError) throw new HttpError(TRANSFER_ERROR_STATUS[err.code], err.code, err.message, err.field);
    throw err;
  }
  publishChanges(deps.io, r.changes);
  publishToHq(deps.io, r.alerts);
  return { transfer_id: r.transfer.transfer_id, state: r.transfer.state, transfer: r.transfer, changes: r.changes.map((c) => ({ store_id: c.store_id, cursor: c.cursor, kind: c.kind })), applied: r.applied };
}

// A short delivery is for head office and the store's manager, not for the cashiers' screens.
function publishToHq(io: Server, alerts: Alert[]): void {
  for (const a of alerts) io.to([HQ_ROOM, hqStoreRoom(a.store_id)]).emit(MSG.alert, a);
}

export const transferRoutes: RouteModule = (app, deps) => {
  app.post('/api/stock/transfers', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary:
        'Move stock to another store: by default in one step (transfer_out at the source, transfer_in at the destination, state received); with receive: false only shipped (in_transit until received or cancelled). 409 CONFLICT when the source has less',
      security: [{ bearer: [] }],
      body: stockTransferSchema,
      response: { 201: stepReply, 200: stepReply.describe('a replay of the same key: nothing more changed'), ...errors },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      allowedStore(u, req.body.from_store, 'from_store');
      // One step writes into the destination too: the caller must manage it as well.
      if (req.body.receive) allowedStore(u, req.body.to_store, 'to_store');
      const r = await step(deps, (tx) => shipTransfer(tx, req.body, actor(u)));
      return reply.status(r.applied ? 201 : 200).send(r);
    },
  });

  app.post('/api/stock/transfers/:transfer_id/receive', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary:
        'Receive a transfer at its destination, all or per line: transfer_in of what was shipped, a shortfall written off as transfer_loss with a transfer_short alert; state received or received_short. 409 ALREADY_RECEIVED / ALREADY_CANCELLED; 400 OVER_RECEIVED when a line gets more than was shipped',
      security: [{ bearer: [] }],
      params: transferIdParams,
      body: transferReceiveSchema,
      response: { 200: stepReply, ...errors },
    },
    handler: async (req) => {
      const u = userOf(req);
      return step(deps, (tx) => receiveTransfer(tx, req.params.transfer_id, req.body, actor(u)));
    },
  });

  app.post('/api/stock/transfers/:transfer_id/cancel', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'Cancel a transfer in transit: the goods go back to the source (transfer_cancel); 409 ALREADY_RECEIVED / ALREADY_CANCELLED',
      security: [{ bearer: [] }],
      params: transferIdParams,
      body: transferCancelSchema,
      response: { 200: stepReply, ...errors },
    },
    handler: async (req) => {
      const u = userOf(req);
      return step(deps, (tx) => cancelTransfer(tx, req.params.transfer_id, req.body, actor(u)));
    },
  });

  app.get('/api/stock/transfers/:transfer_id', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'One transfer with all its lines',
      security: [{ bearer: [] }],
      params: transferIdParams,
      response: { 200: transferRow, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const [t] = await loadTransfers(deps.db, [req.params.transfer_id]);
      // Someone who manages neither end is not told it exists.
      if (!t || (!canManageStore(u, t.from_store) && !canManageStore(u, t.to_store))) throw new HttpError(404, 'NOT_FOUND', `no transfer ${req.params.transfer_id}`, 'transfer_id');
      return t;
    },
  });

  const trKs = keyset('stock-transfers', [{ sql: 'transfer_id', type: 'bigint' }], 'desc');
  app.get('/api/stock/transfers', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'Stock transfers with their lines and states, newest first; paged, filtered by store (either end, or direction), state and time shipped',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          ...pageQuery(),
          store_id: listFilters.store_id,
          direction: z.enum(['in', 'out']).optional().describe('in: to the store(s); out: from them; absent: either end'),
          state: z.enum([...TRANSFER_STATES, 'open', 'done']).optional().describe('open = in_transit; done = received, received_short or cancelled'),
          from: listFilters.from,
          to: listFilters.to,
        })
        .strict(),
      response: { 200: pageReply('transfers', transferRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const ends = qs.direction === 'in' ? ['to_store'] : qs.direction === 'out' ? ['from_store'] : ['from_store', 'to_store'];
      const states = qs.state === 'open' ? ['in_transit'] : qs.state === 'done' ? ['received', 'received_short', 'cancelled'] : qs.state ? [qs.state] : null;
      const where = [
        stores === null ? 'TRUE' : `(${ends.map((c) => `${c} = ANY(${q.p(stores)}::text[])`).join(' OR ')})`,
        states ? `state = ANY(${q.p(states)}::text[])` : 'TRUE',
        qs.from ? `created_at >= ${q.p(qs.from)}::timestamptz` : 'TRUE',
        qs.to ? `created_at < ${q.p(qs.to)}::timestamptz` : 'TRUE',
        trKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT transfer_id::text AS transfer_id, ${trKs.select} FROM stock_transfers WHERE ${where.join(' AND ')} ORDER BY ${trKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = trKs.page(rows, qs.limit);
      return { transfers: await loadTransfers(deps.db, page.rows.map((r) => Number(r.transfer_id)), LIST_LINES), next_cursor: page.next_cursor };
    },
  });

  app.get('/api/stock/in-transit', {
    config: { auth: 'user' },
    schema: {
      tags: ['stock'],
      summary: 'Per SKU, what is in transit to and from a store (its transfers still in transit); paged by SKU',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(100, 1000), store_id: storeIdQuery, sku: z.string().min(1).max(64).optional() }).strict(),
      response: {
        200: pageReply('in_transit', z.object({ sku: z.string(), name: z.string().nullable(), incoming: z.string(), outgoing: z.string(), transfers: z.number() })).extend({ store_id: z.string() }),
        400: errorBodySchema,
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      const qs = req.query;
      const s = allowedStore(userOf(req), qs.store_id);
      const ks = keyset('stock-in-transit', [{ sql: 'sku', type: 'text' }], 'asc');
      // The key is the SKU: decode it through the keyset so a foreign cursor is refused the same way.
      const q = new SqlParams();
      const after = qs.cursor ? (ks.after(q, qs.cursor), String(q.values[0])) : undefined;
      const rows = await inTransit(deps.db, s, qs.sku ? [qs.sku] : null, qs.limit + 1, after);
      const page = ks.page(rows.map((r) => ({ ...r, k0: r.sku })), qs.limit);
      return { store_id: s, in_transit: page.rows, next_cursor: page.next_cursor };
    },
  });
};
