import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RouteModule } from '../app';
import { loyaltySettingsSchema } from '../../../core/loyalty';
import { customerCreateRequestSchema, giftCardIdSchema } from '../../../core/protocol';
import { requireRole } from '../../auth';
import { userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';
import { isoString, text, toIso } from '../schemas';
import { publishChanges } from '../../socket';
import { createCustomer } from '../../value/customers';
import { lookupCard } from '../../value/lookups';
import { reconcileValue } from '../../value/reconcile';
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
const cardRow = z.object({ gift_card_id: z.string(), currency: z.string(), balance: z.number(), held: z.number(), origin_store_id: z.string().nullable(), created_at: isoString });

const MAX_MOVEMENTS = 500;

type DbMovement = { movement_id: string; kind: string; amount: string; value: string; store_id: string | null; terminal_id: string | null; seq: string | null; event_id: string | null; offline: boolean; reason: string | null; created_at: Date };

export const customerRoutes: RouteModule = (app, deps) => {
  const movements = async (accountId: string) => {
    const { rows } = await deps.db.query<DbMovement>(
      `SELECT movement_id::text, kind, amount::text, value::text, store_id, terminal_id, seq::text, event_id::text, offline, reason, created_at
         FROM value_movements WHERE account_id = $1 ORDER BY movement_id DESC LIMIT ${MAX_MOVEMENTS}`,
      [accountId],
    );
    return rows.map((m) => ({ ...m, movement_id: Number(m.movement_id), amount: Number(m.amount), value: Number(m.value), seq: m.seq === null ? null : Number(m.seq), created_at: toIso(m.created_at)! }));
  };
  const reservations = async (accountId: string) => {
    const { rows } = await deps.db.query<{ sale_id: string; tender_id: string; amount: string; status: string; store_id: string; terminal_id: string; created_at: Date; expires_at: Date; closed_at: Date | null }>(
      `SELECT sale_id::text, tender_id, amount::text, status, store_id, terminal_id, created_at, expires_at, closed_at FROM value_reservations
        WHERE account_id = $1 ORDER BY created_at DESC LIMIT 100`,
      [accountId],
    );
    return rows.map((r) => ({ ...r, amount: Number(r.amount), created_at: toIso(r.created_at)!, expires_at: toIso(r.expires_at)!, closed_at: toIso(r.closed_at) }));
  };

  const customers = keyset('customers', [{ sql: 'lower(c.name)', type: 'text' }, { sql: 'c.customer_id', type: 'text' }], 'asc');
  app.get('/api/customers', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'Customers by name (a prefix filter with q), with their points',
      security: [{ bearer: [] }],
      querystring: z.object({ q: text(80).optional().describe('name prefix, case-insensitive'), ...pageQuery() }).strict(),
      response: { 200: pageReply('customers', customerRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const q = new SqlParams();
      const where = [customers.after(q, req.query.cursor)];
      if (req.query.q) where.push(`lower(c.name) LIKE ${q.p(`${req.query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
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

  const cards = keyset('gift-cards', [{ sql: 'a.account_id', type: 'text' }], 'asc');
  app.get('/api/gift-cards', {
    config: { auth: 'user' },
    schema: {
      tags: ['customers'],
      summary: 'Gift cards with their balances (negative=true: only those below zero)',
      security: [{ bearer: [] }],
      querystring: z.object({ negative: z.enum(['true', 'false']).optional(), ...pageQuery() }).strict(),
      response: { 200: pageReply('cards', cardRow), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      userOf(req);
      const q = new SqlParams();
      const where = [`a.kind = 'gift_card'`, cards.after(q, req.query.cursor)];
      if (req.query.negative === 'true') where.push('a.balance < 0');
      const { rows } = await deps.db.query<Record<string, unknown>>(
        `SELECT a.ref AS gift_card_id, a.currency, a.balance::float8 AS balance, a.held::float8 AS held, a.origin_store_id, a.created_at, ${cards.select}
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
