import { z } from 'zod';
import type { RouteModule } from '../app';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { HQ_ROOM, hqStoreRoom } from '../../socket';
import { jsonObject, toIso } from '../schemas';
import { checkRange, keyset, listFilters, pageQuery, pageReply, sortable, SqlParams, storeFilter } from '../paging';
import { CURRENCY_SQL, SALE_TYPES, SIGNED_AMOUNT_SQL } from '../../sales-figures';

// What happened: journal events as received (the console's event stream), sales with their
// signed amounts (the sales explorer's search), rejected events. All paged (paging.ts).

export const eventRow = z.object({
  event_id: z.string(),
  receipt_no: z.string().describe('<terminal>-<seq, 6 digits>, as printed on a receipt'),
  store_id: z.string(),
  terminal_id: z.string(),
  seq: z.number(),
  type: z.string(),
  occurred_at: z.string(),
  received_at: z.string(),
  amount: z.number().nullable().describe('signed minor units: a sale +total, a refund −total, a post-void −original total; null for types that move no money'),
  currency: z.string().nullable(),
  cashier_id: z.string().nullable(),
});
type EventDbRow = { event_id: string; store_id: string; terminal_id: string; seq: string; type: string; occurred_at: Date; received_at: Date; amount: string | null; currency: string | null; cashier_id: string | null };
export const toEventRow = (r: EventDbRow): z.infer<typeof eventRow> => ({
  event_id: r.event_id,
  receipt_no: `${r.terminal_id}-${String(r.seq).padStart(6, '0')}`,
  store_id: r.store_id,
  terminal_id: r.terminal_id,
  seq: Number(r.seq),
  type: r.type,
  occurred_at: toIso(r.occurred_at)!,
  received_at: toIso(r.received_at)!,
  amount: r.amount === null ? null : Number(r.amount),
  currency: r.currency,
  cashier_id: r.cashier_id,
});
export const EVENT_COLUMNS = `e.event_id::text AS event_id, e.store_id, e.terminal_id, e.seq::text AS seq, e.type, e.occurred_at, e.received_at,
  (${SIGNED_AMOUNT_SQL})::text AS amount, ${CURRENCY_SQL} AS currency, e.payload->>'cashier_id' AS cashier_id`;

// The sales list marks a sale whose ledger entry the books corrected since (a corrections
// import, docs/books.md): the row itself stays as sold; the detail shows the corrections.
const saleRow = eventRow.extend({
  adjusted: z.boolean().describe('its ledger entry has corrections imported from the accounting tool (GET /api/sales/:event_id lists them); store, terminal and amount here are as sold'),
});
const ADJUSTED_SQL = `EXISTS (SELECT 1 FROM ledger_entries le JOIN ledger_entries a ON a.adjusts = le.entry_id AND a.event_type = 'books.correction' WHERE le.event_id = e.event_id)`;

const eventKeys = (list: string) =>
  keyset(list, [{ sql: 'e.occurred_at', type: 'timestamptz' }, { sql: 'e.terminal_id', type: 'text' }, { sql: 'e.seq', type: 'bigint' }], 'desc');
const eventsKs = eventKeys('events');
// The sales explorer's sorts: by time (journal_events_occurred_idx / _store_occurred_idx) and by
// signed amount (journal_events_sale_amount_idx, migration 027: the same expression, sale types
// only); ties by time, then register and seq, which are unique.
const occurredKeys = [{ sql: 'e.occurred_at', type: 'timestamptz' }, { sql: 'e.terminal_id', type: 'text' }, { sql: 'e.seq', type: 'bigint' }] as const;
const salesSort = sortable(
  'sales',
  { time: [...occurredKeys], total: [{ sql: SIGNED_AMOUNT_SQL, type: 'bigint' }, ...occurredKeys] },
  '-time',
  'time: when it happened at the register; total: the signed amount, a refund below every sale',
);

const typeSchema = z.string().regex(/^[a-z_]+(\.[a-z_]+)*$/, 'must be an event type like sale.completed').max(64);
const typesQuery = z
  .string()
  .max(1000)
  .transform((s) => s.split(','))
  .pipe(z.array(typeSchema).min(1).max(20))
  .describe('event types, comma-separated (sale.completed,sale.refunded)');

const alertRow = z.object({
  alert_id: z.number(),
  kind: z.string(),
  store_id: z.string(),
  terminal_id: z.string().nullable(),
  message: z.string(),
  data: jsonObject,
  folded: z.number().describe('repeats of the same cause folded into this alert'),
  created_at: z.string(),
  acknowledged_at: z.string().nullable(),
  acknowledged_by: z.string().nullable(),
});
const ALERT_COLUMNS = `alert_id::text AS alert_id, kind, store_id, terminal_id, message, data, folded, created_at, acknowledged_at, acknowledged_by`;
const toAlertRow = (r: Record<string, unknown>): z.infer<typeof alertRow> => ({
  alert_id: Number(r.alert_id),
  kind: String(r.kind),
  store_id: String(r.store_id),
  terminal_id: (r.terminal_id as string | null) ?? null,
  message: String(r.message),
  data: (r.data ?? {}) as Record<string, unknown>,
  folded: Number(r.folded ?? 0),
  created_at: toIso(r.created_at)!,
  acknowledged_at: toIso(r.acknowledged_at),
  acknowledged_by: (r.acknowledged_by as string | null) ?? null,
});
const rejectionRow = z.object({ terminal_id: z.string(), seq: z.number(), event_id: z.string().nullable(), code: z.string(), reason: z.string(), created_at: z.string() });

export const eventRoutes: RouteModule = (app, deps) => {
  app.get('/api/events', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Journal events the hub applied (every type), newest first by occurred_at; paged, filtered by store, terminal, type and time',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), ...listFilters, type: typesQuery.optional() }).strict(),
      response: { 200: pageReply('events', eventRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const where = [
        storeFilter(q, 'e.store_id', stores),
        qs.terminal_id ? `e.terminal_id = ${q.p(qs.terminal_id)}` : 'TRUE',
        qs.type ? `e.type = ANY(${q.p(qs.type)}::text[])` : 'TRUE',
        qs.from ? `e.occurred_at >= ${q.p(qs.from)}::timestamptz` : 'TRUE',
        qs.to ? `e.occurred_at < ${q.p(qs.to)}::timestamptz` : 'TRUE',
        eventsKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<EventDbRow & Record<string, unknown>>(
        `SELECT ${EVENT_COLUMNS}, ${eventsKs.select} FROM journal_events e WHERE ${where.join(' AND ')} ORDER BY ${eventsKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = eventsKs.page(rows, qs.limit);
      return { events: page.rows.map((r) => toEventRow(r as EventDbRow)), next_cursor: page.next_cursor };
    },
  });

  app.get('/api/sales', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Sales, refunds and post-voids with signed amounts, newest first or sorted by time or total; find by receipt number, store, terminal, cashier, time, amount or card last four',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          ...pageQuery(),
          ...listFilters,
          type: z.enum(SALE_TYPES).optional().describe('only sales, refunds or post-voids'),
          receipt_no: z.string().regex(/^[A-Za-z0-9_-]{1,64}-\d{1,12}$/, 'must be <terminal>-<number>').optional().describe('as printed: T01-000042'),
          cashier_id: z.string().min(1).max(64).optional(),
          amount: z.coerce.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).optional().describe('exact signed amount in minor units'),
          card_last4: z.string().regex(/^\d{4}$/, 'must be four digits').optional().describe('last four digits of a card tender'),
          sort: salesSort.query,
        })
        .strict(),
      response: { 200: pageReply('sales', saleRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const salesKs = salesSort.keyset(qs.sort);
      // The literal list lets the planner prove the partial amount index applies.
      const where = [storeFilter(q, 'e.store_id', stores), `e.type IN (${SALE_TYPES.map((x) => `'${x}'`).join(', ')})`, `e.type = ANY(${q.p(qs.type ? [qs.type] : [...SALE_TYPES])}::text[])`];
      if (qs.receipt_no) {
        const dash = qs.receipt_no.lastIndexOf('-');
        where.push(`e.terminal_id = ${q.p(qs.receipt_no.slice(0, dash))} AND e.seq = ${q.p(Number(qs.receipt_no.slice(dash + 1)))}`);
      }
      if (qs.terminal_id) where.push(`e.terminal_id = ${q.p(qs.terminal_id)}`);
      if (qs.cashier_id) where.push(`e.payload->>'cashier_id' = ${q.p(qs.cashier_id)}`);
      if (qs.from) where.push(`e.occurred_at >= ${q.p(qs.from)}::timestamptz`);
      if (qs.to) where.push(`e.occurred_at < ${q.p(qs.to)}::timestamptz`);
      if (qs.amount !== undefined) where.push(`(${SIGNED_AMOUNT_SQL}) = ${q.p(qs.amount)}::bigint`);
      if (qs.card_last4) {
        where.push(`EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(e.payload->'tenders', e.payload->'original'->'tenders')) t
                     WHERE t->>'kind' = 'card' AND right(t->>'masked_pan', 4) = ${q.p(qs.card_last4)})`);
      }
      where.push(salesKs.after(q, qs.cursor));
      const { rows } = await deps.db.query<EventDbRow & Record<string, unknown>>(
        `SELECT ${EVENT_COLUMNS}, ${ADJUSTED_SQL} AS adjusted, ${salesKs.select} FROM journal_events e WHERE ${where.join(' AND ')} ORDER BY ${salesKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = salesKs.page(rows, qs.limit);
      return { sales: page.rows.map((r) => ({ ...toEventRow(r as EventDbRow), adjusted: r.adjusted === true })), next_cursor: page.next_cursor };
    },
  });

  const alertsKs = keyset('alerts', [{ sql: 'a.alert_id', type: 'bigint' }], 'desc');
  app.get('/api/alerts', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Alerts (oversell, rejected events, tamper, lockouts), newest first; paged, filtered by store, terminal, kind, time, open/acknowledged',
      security: [{ bearer: [] }],
      querystring: z
        .object({
          ...pageQuery(),
          ...listFilters,
          kind: z.string().regex(/^[a-z_]{1,64}$/, 'must be an alert kind like oversell').optional(),
          state: z.enum(['open', 'acknowledged', 'all']).default('all').describe('open: not acknowledged yet'),
        })
        .strict(),
      response: { 200: pageReply('alerts', alertRow).extend({ open_count: z.number().describe('open alerts in the same store scope, all kinds') }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const scope = storeFilter(q, 'a.store_id', stores);
      const where = [
        scope,
        qs.terminal_id ? `a.terminal_id = ${q.p(qs.terminal_id)}` : 'TRUE',
        qs.kind ? `a.kind = ${q.p(qs.kind)}` : 'TRUE',
        qs.state === 'open' ? 'a.acknowledged_at IS NULL' : qs.state === 'acknowledged' ? 'a.acknowledged_at IS NOT NULL' : 'TRUE',
        qs.from ? `a.created_at >= ${q.p(qs.from)}::timestamptz` : 'TRUE',
        qs.to ? `a.created_at < ${q.p(qs.to)}::timestamptz` : 'TRUE',
        alertsKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${ALERT_COLUMNS}, ${alertsKs.select}
           FROM alerts a WHERE ${where.join(' AND ')} ORDER BY ${alertsKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const open = await deps.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM alerts a WHERE ${scope} AND a.acknowledged_at IS NULL`, stores === null ? [] : [stores]);
      const page = alertsKs.page(rows, qs.limit);
      return { alerts: page.rows.map(toAlertRow), next_cursor: page.next_cursor, open_count: Number(open.rows[0]?.n ?? 0) };
    },
  });

  app.post('/api/alerts/:alert_id/acknowledge', {
    bodyLimit: 4096,
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Acknowledge an alert (a person has seen to it); HQ sockets get alert.acknowledged',
      security: [{ bearer: [] }],
      params: z.object({ alert_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      response: { 200: alertRow, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const found = await deps.db.query<{ store_id: string; acknowledged_at: Date | null; acknowledged_by: string | null }>(
        `SELECT store_id, acknowledged_at, acknowledged_by FROM alerts WHERE alert_id = $1`,
        [req.params.alert_id],
      );
      const a = found.rows[0];
      if (!a) throw new HttpError(404, 'NOT_FOUND', `no alert ${req.params.alert_id}`, 'alert_id');
      allowedStore(u, a.store_id, 'alert_id');
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2 WHERE alert_id = $1 AND acknowledged_at IS NULL
         RETURNING ${ALERT_COLUMNS}`,
        [req.params.alert_id, u.user_id],
      );
      if (!rows[0]) {
        const again = await deps.db.query<{ acknowledged_at: Date; acknowledged_by: string | null }>(`SELECT acknowledged_at, acknowledged_by FROM alerts WHERE alert_id = $1`, [req.params.alert_id]);
        const w = again.rows[0]!;
        throw new HttpError(409, 'ALREADY_ACKNOWLEDGED', `alert ${req.params.alert_id} was acknowledged by ${w.acknowledged_by ?? 'someone'} at ${toIso(w.acknowledged_at)}`, 'alert_id');
      }
      const row = toAlertRow(rows[0]);
      deps.io.to([HQ_ROOM, hqStoreRoom(row.store_id)]).emit('alert.acknowledged', row);
      return row;
    },
  });

  const rejKs = keyset('rejections', [{ sql: 'r.created_at', type: 'timestamptz' }, { sql: 'r.terminal_id', type: 'text' }, { sql: 'r.seq', type: 'bigint' }], 'desc');
  app.get('/api/rejections', {
    config: { auth: 'user' },
    schema: {
      tags: ['events'],
      summary: 'Rejected journal events, newest first; paged, filtered by store, terminal, code and time',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(), ...listFilters, code: z.string().regex(/^[A-Z_]{1,64}$/).optional().describe('rejection code, e.g. HASH_MISMATCH') }).strict(),
      response: { 200: pageReply('rejections', rejectionRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const where = [
        storeFilter(q, 't.store_id', stores),
        qs.terminal_id ? `r.terminal_id = ${q.p(qs.terminal_id)}` : 'TRUE',
        qs.code ? `r.code = ${q.p(qs.code)}` : 'TRUE',
        qs.from ? `r.created_at >= ${q.p(qs.from)}::timestamptz` : 'TRUE',
        qs.to ? `r.created_at < ${q.p(qs.to)}::timestamptz` : 'TRUE',
        rejKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT r.terminal_id, r.seq::text AS seq, r.event_id, r.code, r.reason, r.created_at, ${rejKs.select}
           FROM event_rejections r JOIN terminals t ON t.terminal_id = r.terminal_id WHERE ${where.join(' AND ')} ORDER BY ${rejKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = rejKs.page(rows, qs.limit);
      return {
        rejections: page.rows.map((r) => ({
          terminal_id: String(r.terminal_id),
          seq: Number(r.seq),
          event_id: r.event_id === null ? null : String(r.event_id),
          code: String(r.code),
          reason: String(r.reason),
          created_at: toIso(r.created_at)!,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
