import { z } from 'zod';
import { storeIdSchema, terminalIdSchema } from '../../../core/protocol';
import type { RouteModule } from '../app';
import { allowedStore, storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { checkRange, keyset, listFilters, pageQuery, pageReply, SqlParams, storeFilter } from '../paging';
import { clearReviewItem, REASON_MAX, REVIEW_COLUMNS, REVIEW_RULES, ReviewError, reviewRulesSchema, toReviewItem } from '../../integrity/review';
import { readStoreIntegrity, writeStoreIntegrity } from '../../integrity/store-settings';
import { shiftTotalsSchema } from '../../../core/protocol';
import { SYNC_AUDIT_COLUMNS, SYNC_AUDIT_KINDS, toSyncAuditRow } from '../../integrity/audit-log';

// Integrity watch (issue 15) over HTTP: a register's sync audit log for HQ and store IT.

export const syncAuditRow = z.object({
  audit_id: z.number().describe('increases in the order the hub recorded the rows'),
  terminal_id: z.string(),
  store_id: z.string(),
  at: z.string().describe('when the hub recorded it (hub clock)'),
  kind: z.enum(SYNC_AUDIT_KINDS).describe('connect, hello, push (seqs, bytes, duration), ack (applied_through), rejection (seq, code, reason), disconnect (reason), error (code, message)'),
  sid: z.string().nullable().describe('the socket session'),
  first_seq: z.number().nullable(),
  last_seq: z.number().nullable(),
  events: z.number().nullable().describe('push: events in the batch; ack: events rejected'),
  bytes: z.number().nullable().describe('push: the message size'),
  duration_ms: z.number().nullable().describe('push: from receipt to the ack'),
  applied_through: z.number().nullable().describe('hello and ack: the hub’s mark'),
  code: z.string().nullable().describe('rejection or error code'),
  detail: z.string().nullable(),
});

export const reviewItemRow = z.object({
  item_id: z.number(),
  store_id: z.string(),
  terminal_id: z.string(),
  seq: z.number(),
  receipt_no: z.string().describe('<terminal>-<seq, 6 digits>'),
  event_id: z.string(),
  event_type: z.string(),
  rule: z.enum(REVIEW_RULES).describe('duplicate_sale: same lines and total as a sale of the same register shortly before; card_post_voided: a card sale approved and then post-voided; card_unresolved: a card payment whose outcome the terminal did not report; refunds_per_shift / no_sales_per_shift: the refund or no-sale that takes a cashier\'s count in a shift above the limit; price_override: a line overridden more than the limit\'s percent away from the catalog price'),
  reason: z.string(),
  related: z.record(z.string(), z.unknown()).describe('duplicate_sale: the earlier sale (seq, sale_id, seconds_before); card_post_voided: sale_id, card_amount, void_reason; card_unresolved: reference, kind, transaction_id, cashier_id, processor; refunds_per_shift / no_sales_per_shift: cashier_id, shift_id, count, max; price_override: line_id, sku, per (line or unit), catalog, charged, percent, max_percent'),
  amount: z.number().describe('minor units'),
  currency: z.string(),
  entry_id: z.string().nullable().describe('the event’s ledger entry'),
  hold_entry_id: z.string().nullable().describe('the entry that moved its revenue to the review suspense account (null: the event posts no revenue, e.g. a no-sale or an unresolved card payment, or the posting map has no suspense account)'),
  created_at: z.string(),
  status: z.enum(['open', 'cleared']),
  cleared_by: z.string().nullable(),
  cleared_at: z.string().nullable(),
  clear_reason: z.string().nullable(),
  release_entry_id: z.string().nullable().describe('the adjusting entry that moved the amount back to revenue (adjusts = entry_id)'),
});

const reviewKs = keyset('review', [{ sql: 'r.item_id', type: 'bigint' }], 'desc');

const ks = keyset('sync-audit', [{ sql: 'sync_audit.audit_id', type: 'bigint' }], 'asc');

export const integrityRoutes: RouteModule = (app, deps) => {
  app.get('/api/terminals/:terminal_id/sync-audit', {
    config: { auth: 'user' },
    schema: {
      tags: ['integrity'],
      summary: "A register's sync audit log (connect, hello, push, ack, rejection, disconnect, error) in the order the hub recorded it, oldest first; paged, by time",
      security: [{ bearer: [] }],
      params: z.object({ terminal_id: terminalIdSchema }),
      querystring: z.object({ ...pageQuery(200, 1000), from: listFilters.from, to: listFilters.to }).strict(),
      response: { 200: pageReply('rows', syncAuditRow), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const { terminal_id } = req.params;
      const qs = req.query;
      checkRange(qs.from, qs.to);
      const t = await deps.db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [terminal_id]);
      if (!t.rows[0]) throw new HttpError(404, 'NOT_FOUND', `no terminal ${terminal_id}`, 'terminal_id');
      allowedStore(u, t.rows[0].store_id, 'terminal_id');
      await deps.audit?.flush();
      const q = new SqlParams();
      const where = [`terminal_id = ${q.p(terminal_id)}`, ks.after(q, qs.cursor)];
      if (qs.from) where.push(`at >= ${q.p(qs.from)}::timestamptz`);
      if (qs.to) where.push(`at < ${q.p(qs.to)}::timestamptz`);
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${SYNC_AUDIT_COLUMNS}, ${ks.select} FROM sync_audit WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = ks.page(rows, qs.limit);
      return { rows: page.rows.map(toSyncAuditRow), next_cursor: page.next_cursor };
    },
  });

  app.get('/api/review', {
    config: { auth: 'user' },
    schema: {
      tags: ['integrity'],
      summary: 'The review queue: events a rule flagged (their revenue waits in the review suspense account until cleared), newest first; paged, filtered by store, terminal, rule and status, with counts',
      security: [{ bearer: [] }],
      querystring: z.object({
        ...pageQuery(),
        store_id: listFilters.store_id,
        terminal_id: listFilters.terminal_id,
        rule: z.enum(REVIEW_RULES).optional(),
        status: z.enum(['open', 'cleared', 'all']).default('open'),
      }).strict(),
      response: {
        200: pageReply('items', reviewItemRow).extend({
          counts: z.object({ open: z.number(), cleared: z.number(), open_by_rule: z.record(z.string(), z.number()) }).describe('in the same store scope, all rules'),
        }),
        400: errorBodySchema,
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      const qs = req.query;
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const scope = storeFilter(q, 'r.store_id', stores);
      const where = [
        scope,
        qs.terminal_id ? `r.terminal_id = ${q.p(qs.terminal_id)}` : 'TRUE',
        qs.rule ? `r.rule = ${q.p(qs.rule)}` : 'TRUE',
        qs.status === 'all' ? 'TRUE' : `r.status = ${q.p(qs.status)}`,
        reviewKs.after(q, qs.cursor),
      ];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT ${REVIEW_COLUMNS}, ${reviewKs.select} FROM review_items r WHERE ${where.join(' AND ')} ORDER BY ${reviewKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const counts = await deps.db.query<{ status: string; rule: string; n: string }>(
        `SELECT r.status, r.rule, count(*)::text AS n FROM review_items r WHERE ${scope} GROUP BY r.status, r.rule`,
        stores === null ? [] : [stores],
      );
      const sum = (status: string) => counts.rows.filter((c) => c.status === status).reduce((a, c) => a + Number(c.n), 0);
      const page = reviewKs.page(rows, qs.limit);
      return {
        items: page.rows.map(toReviewItem),
        next_cursor: page.next_cursor,
        counts: { open: sum('open'), cleared: sum('cleared'), open_by_rule: Object.fromEntries(counts.rows.filter((c) => c.status === 'open').map((c) => [c.rule, Number(c.n)])) },
      };
    },
  });

  app.post('/api/review/:item_id/clear', {
    bodyLimit: 4096,
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['integrity'],
      summary: 'Clear a review item (admin, hq): records who, when and why (never deleted) and posts the release entry that moves its amount from suspense back to revenue, linked to the original entry',
      security: [{ bearer: [] }],
      params: z.object({ item_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
      body: z.object({ reason: z.string().min(3).max(REASON_MAX).describe('why it is in order (a person’s words)') }).strict(),
      response: { 200: reviewItemRow, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      const found = await deps.db.query<{ store_id: string }>(`SELECT store_id FROM review_items WHERE item_id = $1`, [req.params.item_id]);
      if (!found.rows[0]) throw new HttpError(404, 'NOT_FOUND', `no review item ${req.params.item_id}`, 'item_id');
      allowedStore(u, found.rows[0].store_id, 'item_id');
      try {
        return await clearReviewItem(deps.db, deps.charts, req.params.item_id, { by: u.user_id, reason: req.body.reason });
      } catch (e) {
        if (e instanceof ReviewError) throw new HttpError(e.code === 'NOT_FOUND' ? 404 : e.code === 'ALREADY_CLEARED' ? 409 : 400, e.code, e.message, e.code === 'BAD_REASON' ? 'reason' : 'item_id');
        throw e;
      }
    },
  });

  const integrityReply = z.object({
    store_id: z.string(),
    require_signatures: z.boolean().describe('batches of registers enrolled without a device key are refused BAD_SIGNATURE (docs/audit.md)'),
    review_rules: reviewRulesSchema.describe('the review queue rules this store runs; a rule is on when its key is present (docs/books.md, "Review queue")'),
  });
  const storeParams = z.object({ store_id: storeIdSchema });

  app.get('/api/stores/:store_id/integrity', {
    config: { auth: 'user' },
    schema: {
      tags: ['integrity'],
      summary: "A store's integrity settings: whether it requires device-signed batches, and its review rules",
      security: [{ bearer: [] }],
      params: storeParams,
      response: { 200: integrityReply, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      allowedStore(userOf(req), req.params.store_id, 'store_id');
      const r = await readStoreIntegrity(deps.db, req.params.store_id);
      if (!r) throw new HttpError(404, 'NOT_FOUND', `no store ${req.params.store_id}`, 'store_id');
      return r;
    },
  });

  app.put('/api/stores/:store_id/integrity', {
    bodyLimit: 4096,
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['integrity'],
      summary: "Change a store's integrity settings (admin, hq): require_signatures (from the next batch, unsigned batches are refused BAD_SIGNATURE) and the review rules; members left out keep their value",
      security: [{ bearer: [] }],
      params: storeParams,
      body: z.object({ require_signatures: z.boolean().optional(), review_rules: reviewRulesSchema.optional() }).strict(),
      response: { 200: integrityReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      const r = await writeStoreIntegrity(deps.db, req.params.store_id, req.body);
      if (!r) throw new HttpError(404, 'NOT_FOUND', `no store ${req.params.store_id}`, 'store_id');
      return r;
    },
  });

  const totalsKs = keyset('register-totals', [{ sql: 't.terminal_id', type: 'text' }, { sql: 't.shift_id', type: 'text' }], 'asc');
  const totalsRow = z.object({
    terminal_id: z.string(),
    store_id: z.string(),
    shift_id: z.string(),
    currency: z.string(),
    through_seq: z.number().describe('the register’s head when it computed the totals'),
    status: z.enum(['agree', 'differ', 'pending']),
    register: shiftTotalsSchema.describe('what the register reported'),
    hub: shiftTotalsSchema.nullable().describe('the hub’s figures for the same shift and seqs (null while pending, or without such a shift)'),
    differences: z.array(z.string()),
    reported_at: z.string(),
    checked_at: z.string().nullable(),
  });
  app.get('/api/register-totals', {
    config: { auth: 'user' },
    schema: {
      tags: ['integrity'],
      summary: 'The latest totals each register reported per shift (totals.report), with the hub’s figures and the verdict (agree, differ, pending); by terminal and shift; paged',
      security: [{ bearer: [] }],
      querystring: z.object({ ...pageQuery(100, 500), store_id: listFilters.store_id, status: z.enum(['agree', 'differ', 'pending']).optional() }).strict(),
      response: { 200: pageReply('rows', totalsRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const qs = req.query;
      const stores = storeScope(userOf(req), qs.store_id);
      const q = new SqlParams();
      const where = [storeFilter(q, 't.store_id', stores), qs.status ? `t.status = ${q.p(qs.status)}` : 'TRUE', totalsKs.after(q, qs.cursor)];
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT t.terminal_id, t.store_id, t.shift_id, t.currency, t.through_seq, t.status, t.reported, t.hub, t.differences, t.reported_at, t.checked_at, ${totalsKs.select}
           FROM register_totals t WHERE ${where.join(' AND ')} ORDER BY ${totalsKs.orderBy} LIMIT ${q.p(qs.limit + 1)}`,
        q.values,
      );
      const page = totalsKs.page(rows, qs.limit);
      return {
        rows: page.rows.map((r) => ({
          terminal_id: String(r.terminal_id), store_id: String(r.store_id), shift_id: String(r.shift_id), currency: String(r.currency), through_seq: Number(r.through_seq),
          status: r.status as 'agree' | 'differ' | 'pending', register: r.reported as z.infer<typeof shiftTotalsSchema>, hub: (r.hub ?? null) as z.infer<typeof shiftTotalsSchema> | null,
          differences: (r.differences ?? []) as string[], reported_at: new Date(r.reported_at as string).toISOString(), checked_at: r.checked_at ? new Date(r.checked_at as string).toISOString() : null,
        })),
        next_cursor: page.next_cursor,
      };
    },
  });
};
