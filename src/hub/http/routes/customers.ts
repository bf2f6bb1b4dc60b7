import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import type { RouteModule } from '../app';
import { loyaltySettingsSchema } from '../../../core/loyalty';
import { isKnownCurrency } from '../../../core/money/currency';
import { customerCreateRequestSchema, giftCardIdSchema } from '../../../core/protocol';
import { requireRole } from '../../auth';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { keyset, pageQuery, pageReply, sortable, SqlParams } from '../paging';
import { isoString, text, toIso } from '../schemas';
import { publishChanges } from '../../socket';
import { createCustomer } from '../../value/customers';
import { lookupCard } from '../../value/lookups';
import { reconcileValue } from '../../value/reconcile';
import { adjustValue, MAX_ADJUST_MINOR, MAX_ADJUST_POINTS, ValueAdjustmentError, type AdjustTarget } from '../../value/adjust';
import { loyaltySettings, setLoyaltySettings } from '../../value/settings';

// HQ's view of customers, points and gift cards (docs/loyalty.md, docs/hub.md): lists with
// the shared keyset paging, one customer or card with its movements and reservations, the
// chain's loyalty settings, and the reconciliation of balances against the ledger. Personal
// data is returned to HQ users only and never logged.

const movementRow = z.object({
  movement_id: z.number(),
  kind: z.string(),
  amount: z.number(),
  value: z.number(),
  store_id: z.string().nullable(),
  terminal_id: z.string().nullable(),
  seq: z.number().nullable(),
  event_id: z.string().nullable(),
  offline: z.boolean(),
  reason: z.string().nullable(),
  /** The user who made an adjustment (null for a journal event's movement). */
  created_by: z.string().nullable(),
  created_at: isoString,
});
const reservationRow = z.object({ sale_id: z.string(), tender_id: z.string(), amount: z.number(), status: z.string(), store_id: z.string(), terminal_id: z.string(), created_at: isoString, expires_at: isoString, closed_at: isoString.nullable() });
const customerRow = z.object({
  customer_id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  loyalty_id: z.string().nullable(),
  consent: z.record(z.string(), z.unknown()),
  origin_store_id: z.string().nullable(),
  points: z.number(),
  points_value: z.number(),
  created_at: isoString,
});
const cardRow = z.object({
  gift_card_id: z.string(),
  currency: z.string(),
  balance: z.number(),
  held: z.number(),
  /** Store credit: the card was first loaded by a refund or by HQ's adjustment (not sold). */
  store_credit: z.boolean(),
  origin_store_id: z.string().nullable(),
  created_at: isoString,
});
const adjustmentReply = z.object({
  account_id: z.string(),
  movement_id: z.number(),
  amount: z.number(),
  value: z.number(),
  currency: z.string(),
  balance: z.number(),
  entry_id: z.string(),
  reason: z.string(),
  created_by: z.string(),
  created_at: isoString,
  applied: z.boolean().describe('false: the key had been applied before and this is its first result'),
});
const adjustKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{7,56}$/, 'must be 8-57 of A-Z a-z 0-9 . _ : - (a UUID will do)')
  .describe('idempotency key: a retry with the same key applies nothing more and answers the first result');
const currencyField = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like USD').refine(isKnownCurrency, 'not an ISO 4217 currency').optional();
const movementsReply = pageReply('movements', movementRow);
const STORE_CREDIT = `coalesce((SELECT m.kind IN ('refund', 'adjust') FROM value_movements m WHERE m.account_id = a.account_id ORDER BY m.movement_id LIMIT 1), false)`;

const MAX_MOVEMENTS = 500;

// Sorts of the customer list: name and since read an index each (migration 027); points sorts
// the customers joined to their points accounts (a customer without one has 0), a sort of the
// whole list per page, bounded by the number of customers (docs/hub.md "Sorting" has the figure).
const customerSort = sortable(
  'customers',
  {
    name: [{ sql: 'lower(c.name)', type: 'text' }, { sql: 'c.customer_id', type: 'text' }],
    points: [{ sql: 'coalesce(a.balance, 0)', type: 'bigint' }, { sql: 'c.customer_id', type: 'text' }],
    since: [{ sql: 'c.created_at', type: 'timestamptz' }, { sql: 'c.customer_id', type: 'text' }],
  },
  'name',
  'name: case-insensitive; points: balance; since: when the customer was created',
);
// Gift cards by number or by balance (value_accounts_card_balance_idx, migration 027).
const cardSort = sortable(
  'gift-cards',
  { number: [{ sql: 'a.account_id', type: 'text' }], balance: [{ sql: 'a.balance', type: 'bigint' }, { sql: 'a.account_id', type: 'text' }] },
  'number',
  'number: the card number; balance: in the card\'s minor units',
);

type DbMovement = { movement_id: string; kind: string; amount: string; value: string; store_id: string | null; terminal_id: string | null; seq: string | null; event_id: string | null; offline: boolean; reason: string | null; created_by?: string | null; created_at: Date };
const toMovement = (m: DbMovement): z.infer<typeof movementRow> => ({
  movement_id: Number(m.movement_id),
  kind: m.kind,
  amount: Number(m.amount),
  value: Number(m.value),
  store_id: m.store_id,
  terminal_id: m.terminal_id,
  seq: m.seq === null ? null : Number(m.seq),
  event_id: m.event_id,
  offline: m.offline,
  reason: m.reason,
  created_by: m.created_by ?? null,
  created_at: toIso(m.created_at)!,
});

function adjustmentError(e: unknown): never {
  if (e instanceof ValueAdjustmentError) {
    const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'KEY_REUSED' || e.code === 'INSUFFICIENT_BALANCE' || e.code === 'MAP_UNMAPPED' ? 409 : 400;
    throw new HttpError(status, e.code, e.message, e.field);
  }
  throw e;
}

export const customerRoutes: RouteModule = (app, deps) => {
  const moves = keyset('movements', [{ sql: 'm.movement_id', type: 'bigint' }], 'desc');
  const movementPage = async (accountId: string, limit: number, cursor: string | undefined) => {
    const q = new SqlParams();
    const where = [`m.account_id = ${q.p(accountId)}`, moves.after(q, cursor)];
    const { rows } = await deps.db.query<DbMovement & Record<string, unknown>>(
      `SELECT m.movement_id::text, m.kind, m.amount::text, m.value::text, m.store_id, m.terminal_id, m.seq::text, m.event_id::text, m.offline, m.reason, m.created_by, m.created_at, ${moves.select}
         FROM value_movements m WHERE ${where.join(' AND ')} ORDER BY ${moves.orderBy} LIMIT ${q.p(limit + 1)}`,
      q.values,
    );
    const page = moves.page(rows, limit);
    return { movements: page.rows.map((m) => toMovement(m as DbMovement)), next_cursor: page.next_cursor };
  };
  const adjust = async (target: AdjustTarget, body: { key: string; amount: number; reason: string; currency?: string }, user: string, reply: FastifyReply) => {
    const r = await deps.track(adjustValue(deps.db, deps.charts, target, body, { user_id: user })).catch(adjustmentError);
    if (r.applied) deps.log.info({ account_id: r.account_id, movement_id: r.movement_id, by: user }, 'value adjusted');
    return reply.status(r.applied ? 201 : 200).send(r);
  };
  const movements = async (accountId: string) => {
    const { rows } = await deps.db.query<DbMovement>(
      `SELECT movement_id::text, kind, amount::text, value::text, store_id, terminal_id, seq::text, event_id::text, offline, reason, created_by, created_at
         FROM value_movements WHERE account_id = $1 ORDER BY movement_id DESC LIMIT ${MAX_MOVEMENTS}`,
      [accountId],
    );
    return rows.map(toMovement);
  };
  const reservations = async (accountId: string) => {
    const { rows } = await deps.db.query<{ sale_id: string; tender_id: string; amount: string; status: string; store_id: string; terminal_id: string; created_at: Date; expires_at: Date; closed_at: Date | null }>(
      `SELECT sale_id::text, tender_id, amount::text, status, store_id, terminal_id, created_at, expires_at, closed_at FROM value_reservations
        WHERE account_id = $1 ORDER BY created_at DESC LIMIT 100`,
      [accountId],
    );
    return rows.map((r) => ({ ...r, amount: Number(r.amount), created_at: toIso(r.created_at)!, expires_at: toIso(r.expires_at)!, closed_at: toIso(r.closed_at) }));
  };

  app.get('/api/customers', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'Customers by name (or sorted by points or since), with their points: q is a name prefix, or a loyalty id, or a phone number (6+ digits), matched exactly',
      security: [{ bearer: [] }],
      querystring: z.object({ q: text(80).optional().describe('name prefix (case-insensitive), loyalty id or phone'), sort: customerSort.query, ...pageQuery() }).strict(),
      response: { 200: pageReply('customers', customerRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const customers = customerSort.keyset(req.query.sort);
      const q = new SqlParams();
      const where = [customers.after(q, req.query.cursor)];
      if (req.query.q) {
        const term = req.query.q.trim();
        const digits = term.replace(/[\s()+.-]/g, '');
        const or = [`lower(c.name) LIKE ${q.p(`${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`, `c.loyalty_id = ${q.p(term)}`];
        if (/^\d{6,20}$/.test(digits)) or.push(`c.phone = ${q.p(digits)}`);
        where.push(`(${or.join(' OR ')})`);
      }
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT c.customer_id, c.name, c.phone, c.email, c.loyalty_id, c.consent, c.origin_store_id, c.created_at,
                coalesce(a.balance, 0)::float8 AS points, coalesce(a.value, 0)::float8 AS points_value, ${customers.select}
           FROM customers c LEFT JOIN value_accounts a ON a.kind = 'points' AND a.ref = c.customer_id
          WHERE ${where.join(' AND ')} ORDER BY ${customers.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = customers.page(rows, req.query.limit);
      return { customers: page.rows.map((r) => ({ ...r, created_at: toIso(r.created_at)! }) as z.infer<typeof customerRow>), next_cursor: page.next_cursor };
    },
  });

  app.post('/api/customers', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['customers'],
      summary: 'Create a customer (admin, hq); merged into an existing one with the same loyalty id or phone',
      security: [{ bearer: [] }],
      body: customerCreateRequestSchema.extend({ customer_id: customerCreateRequestSchema.shape.customer_id.optional() }),
      response: { 201: z.object({ customer_id: z.string(), merged: z.boolean() }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      const r = await deps.track(createCustomer(deps.db, { by: u.user_id, store_id: null }, { ...req.body, customer_id: req.body.customer_id ?? randomUUID() }));
      return reply.status(201).send({ customer_id: r.customer.customer_id, merged: r.merged });
    },
  });

  app.get('/api/customers/:customer_id', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'A customer with the points movements (newest first, at most 500) and open reservations',
      security: [{ bearer: [] }],
      params: z.object({ customer_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/) }),
      response: { 200: z.object({ customer: customerRow, movements: z.array(movementRow), reservations: z.array(reservationRow) }), 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const alias = await deps.db.query<{ customer_id: string }>(`SELECT customer_id FROM customer_aliases WHERE alias_id = $1`, [req.params.customer_id]);
      const id = alias.rows[0]?.customer_id ?? req.params.customer_id;
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT c.customer_id, c.name, c.phone, c.email, c.loyalty_id, c.consent, c.origin_store_id, c.created_at,
                coalesce(a.balance, 0)::float8 AS points, coalesce(a.value, 0)::float8 AS points_value
           FROM customers c LEFT JOIN value_accounts a ON a.kind = 'points' AND a.ref = c.customer_id WHERE c.customer_id = $1`,
        [id],
      );
      const c = rows[0];
      if (!c) throw new HttpError(404, 'NOT_FOUND', `no customer ${req.params.customer_id}`, 'customer_id');
      const accountId = `points:${id}`;
      return { customer: { ...c, created_at: toIso(c.created_at)! } as z.infer<typeof customerRow>, movements: await movements(accountId), reservations: await reservations(accountId) };
    },
  });

  app.get('/api/gift-cards', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'Gift cards and store credit with their balances, by number or balance (q: card id prefix; negative=true: only those below zero)',
      security: [{ bearer: [] }],
      querystring: z.object({ q: z.string().regex(/^[0-9A-Za-z-]{1,32}$/, 'a card id or its beginning').optional(), negative: z.enum(['true', 'false']).optional(), sort: cardSort.query, ...pageQuery() }).strict(),
      response: { 200: pageReply('cards', cardRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const cards = cardSort.keyset(req.query.sort);
      const q = new SqlParams();
      const where = [`a.kind = 'gift_card'`, cards.after(q, req.query.cursor)];
      if (req.query.negative === 'true') where.push('a.balance < 0');
      if (req.query.q) where.push(`a.account_id LIKE ${q.p(`gift:${req.query.q}%`)}`);
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT a.ref AS gift_card_id, a.currency, a.balance::float8 AS balance, a.held::float8 AS held, ${STORE_CREDIT} AS store_credit, a.origin_store_id, a.created_at, ${cards.select}
           FROM value_accounts a WHERE ${where.join(' AND ')} ORDER BY ${cards.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = cards.page(rows, req.query.limit);
      return { cards: page.rows.map((r) => ({ ...r, created_at: toIso(r.created_at)! }) as z.infer<typeof cardRow>), next_cursor: page.next_cursor };
    },
  });

  app.get('/api/gift-cards/:gift_card_id', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'A gift card: balance, movements (newest first, at most 500), reservations',
      security: [{ bearer: [] }],
      params: z.object({ gift_card_id: giftCardIdSchema }),
      response: {
        200: z.object({ card: z.object({ gift_card_id: z.string(), currency: z.string(), balance: z.number(), held: z.number(), available: z.number() }), movements: z.array(movementRow), reservations: z.array(reservationRow) }),
        400: errorBodySchema,
        403: errorBodySchema,
        404: errorBodySchema,
      },
    },
    handler: async (req) => {
      userOf(req);
      const r = await lookupCard(deps.db, req.params.gift_card_id);
      if (!r.found) throw new HttpError(404, 'NOT_FOUND', `no gift card ${req.params.gift_card_id}`, 'gift_card_id');
      const accountId = `gift:${req.params.gift_card_id}`;
      return { card: r.card, movements: await movements(accountId), reservations: await reservations(accountId) };
    },
  });

  app.get('/api/customers/:customer_id/movements', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'A customer’s points movements, newest first (paged)',
      security: [{ bearer: [] }],
      params: z.object({ customer_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/) }),
      querystring: z.object(pageQuery()).strict(),
      response: { 200: movementsReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const alias = await deps.db.query<{ customer_id: string }>(`SELECT customer_id FROM customer_aliases WHERE alias_id = $1`, [req.params.customer_id]);
      const id = alias.rows[0]?.customer_id ?? req.params.customer_id;
      if ((await deps.db.query(`SELECT 1 FROM customers WHERE customer_id = $1`, [id])).rows.length === 0) throw new HttpError(404, 'NOT_FOUND', `no customer ${req.params.customer_id}`, 'customer_id');
      return movementPage(`points:${id}`, req.query.limit, req.query.cursor);
    },
  });

  app.get('/api/gift-cards/:gift_card_id/movements', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'A gift card’s (or store credit’s) movements, newest first (paged)',
      security: [{ bearer: [] }],
      params: z.object({ gift_card_id: giftCardIdSchema }),
      querystring: z.object(pageQuery()).strict(),
      response: { 200: movementsReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const accountId = `gift:${req.params.gift_card_id}`;
      if ((await deps.db.query(`SELECT 1 FROM value_accounts WHERE account_id = $1`, [accountId])).rows.length === 0) throw new HttpError(404, 'NOT_FOUND', `no gift card ${req.params.gift_card_id}`, 'gift_card_id');
      return movementPage(accountId, req.query.limit, req.query.cursor);
    },
  });

  const reasonField = text(200).describe('why (kept with the movement and on the ledger entry)');
  app.post('/api/customers/:customer_id/points/adjustments', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['customers'],
      summary: 'Adjust a customer’s points by hand with a reason (admin, hq): applied once per key, posted against mapping.adjustments.points',
      security: [{ bearer: [] }],
      params: z.object({ customer_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/) }),
      body: z
        .object({
          key: adjustKey,
          points: z.number().int().min(-MAX_ADJUST_POINTS).max(MAX_ADJUST_POINTS).refine((n) => n !== 0, 'must not be 0').describe('signed: + credits points, − takes them away'),
          reason: reasonField,
          currency: currencyField.describe('currency the points are valued in (default: the customer’s store’s)'),
        })
        .strict(),
      response: { 200: adjustmentReply, 201: adjustmentReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      const { points, ...rest } = req.body;
      return adjust({ kind: 'points', customer_id: req.params.customer_id }, { ...rest, amount: points }, u.user_id, reply);
    },
  });

  app.post('/api/gift-cards/:gift_card_id/adjustments', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['customers'],
      summary: 'Adjust a gift card or store credit balance by hand with a reason (admin, hq): applied once per key, posted against mapping.adjustments.gift_card',
      security: [{ bearer: [] }],
      params: z.object({ gift_card_id: giftCardIdSchema }),
      body: z
        .object({
          key: adjustKey,
          amount: z.number().int().min(-MAX_ADJUST_MINOR).max(MAX_ADJUST_MINOR).refine((n) => n !== 0, 'must not be 0').describe('signed minor units of the card’s currency'),
          reason: reasonField,
          currency: currencyField.describe('required for a card the hub does not know yet (store credit issued by HQ)'),
        })
        .strict(),
      response: { 200: adjustmentReply, 201: adjustmentReply, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      return adjust({ kind: 'gift_card', gift_card_id: req.params.gift_card_id }, req.body, u.user_id, reply);
    },
  });

  app.get('/api/loyalty/settings', {
    config: { auth: 'user' },
    schema: { tags: ['customers'], summary: 'The chain’s loyalty settings (earn rule, point value, offline policy, reservation TTL)', security: [{ bearer: [] }], response: { 200: loyaltySettingsSchema, 403: errorBodySchema } },
    handler: async (req) => {
      userOf(req);
      return loyaltySettings(deps.db);
    },
  });

  app.put('/api/loyalty/settings', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['customers'],
      summary: 'Set the chain’s loyalty settings (admin, hq); pushed to every store as config.loyalty',
      security: [{ bearer: [] }],
      body: loyaltySettingsSchema,
      response: { 200: loyaltySettingsSchema, 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const u = userOf(req);
      requireRole(u, ['admin', 'hq']);
      const changes = await deps.track(deps.db.transaction((tx) => setLoyaltySettings(tx, req.body, u.user_id)));
      publishChanges(deps.io, changes);
      return req.body;
    },
  });

  app.get('/api/loyalty/reconciliation', {
    config: { auth: 'user', roles: ['admin', 'hq'] },
    schema: {
      tags: ['customers'],
      summary: 'Gift card and points balances against the ledger’s liability accounts (differences should be 0)',
      security: [{ bearer: [] }],
      response: {
        200: z.object({
          gift_cards: z.array(z.object({ currency: z.string(), balances: z.number(), ledger: z.number(), difference: z.number() })),
          points: z.object({ points: z.number(), value: z.number(), ledger: z.number(), difference: z.number() }).nullable(),
          drift: z.array(z.object({ account_id: z.string(), balance: z.number(), movements: z.number() })),
        }),
        403: errorBodySchema,
      },
    },
    handler: async (req) => {
      requireRole(userOf(req), ['admin', 'hq']);
      const { chart } = await deps.charts.current(deps.db);
      return reconcileValue(deps.db, { gift_card: chart.config.mapping.gift_card, points: chart.config.mapping.loyalty?.liability ?? null });
    },
  });
};
