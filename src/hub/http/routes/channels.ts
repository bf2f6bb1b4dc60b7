import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { canonicalJson } from '../../../core/protocol';
import type { RouteModule, HttpDeps, ZApp } from '../app';
import { allowedStore, bearer, storeScope, userOf } from '../auth';
import { errorBodySchema, HttpError } from '../errors';
import { parseJsonBody } from '../input';
import { okSchema } from '../schemas';
import { keyset, pageQuery, pageReply, SqlParams } from '../paging';
import { publishAlerts, publishChanges, publishJournal } from '../../socket';
import { stockLevels } from '../../ledger-queries';
import { deliver, DeliveryConflict, replayDelivery, type DeliveryOutcome, type ReplayParser } from '../../channels/deliver';
import { ADAPTERS, type WebhookRequest } from '../../channels/adapters';
import {
  ChannelRefusal,
  channelCancelSchema,
  channelIdSchema,
  channelOrderSchema,
  channelPaymentOpSchema,
  channelRefundSchema,
  type ChannelOperation,
} from '../../channels/model';
import {
  channelOfToken,
  createChannel,
  createChannelCredential,
  createChannelSchema,
  getDelivery,
  listChannelCredentials,
  listChannels,
  DELIVERY_COLUMNS,
  deliveryEvents,
  deliveryRowOut,
  type DeliveryRow,
  loadChannel,
  revokeChannelCredential,
  setWebhookSecret,
  updateChannel,
  updateChannelSchema,
  type ChannelRow,
} from '../../channels/store';

// Sales channels over HTTP (docs/channels.md):
// - HQ and store IT manage channels, their credentials and webhook secrets, and read the
//   delivery log, replaying a refused delivery once its cause is fixed (/api/channels…);
// - a channel's own system posts orders, payments, refunds and cancellations with a tsc_
//   token and an Idempotency-Key per operation (/api/channel/…);
// - shop platforms post their webhooks, authenticated by an HMAC of the raw body
//   (/api/channels/:channel_id/webhooks/shopify|woocommerce).

const channelOut = z.object({
  channel_id: z.string(),
  store_id: z.string(),
  terminal_id: z.string(),
  kind: z.string(),
  name: z.string(),
  stock_buffer: z.string(),
  sku_map: z.record(z.string(), z.string()),
  processor_map: z.record(z.string(), z.string()),
  default_processor: z.string().nullable(),
  hold_minutes: z.number(),
  created_at: z.string(),
  disabled_at: z.string().nullable(),
  webhook_url: z.string().nullable().describe('where the platform posts its webhooks (path on this hub)'),
});

const channelListOut = channelOut.extend({
  last_delivery: z
    .object({ delivery_id: z.number(), received_at: z.string(), status: z.enum(['applied', 'held', 'refused', 'duplicate', 'expired']), code: z.string().nullable() })
    .nullable()
    .describe('the newest delivery to the channel; null: none yet'),
});

const deliveryOut = z.object({
  delivery_id: z.number(),
  channel_id: z.string(),
  source: z.string(),
  delivery_key: z.string().nullable(),
  operation: z.string(),
  order_ref: z.string().nullable(),
  status: z.enum(['applied', 'held', 'refused', 'duplicate', 'expired']),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  attempts: z.number(),
  received_at: z.string(),
  updated_at: z.string(),
  replayable: z.boolean(),
  events: z.array(z.object({ event_id: z.string(), type: z.string() })).describe('journal events the delivery wrote (open them with GET /api/sales/:event_id)'),
});

const outcomeSchema = z.object({
  delivery_id: z.number(),
  status: z.enum(['applied', 'held', 'refused', 'duplicate', 'expired']),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  repeated: z.boolean().describe('true: the same key and content were delivered before; this is the original result'),
  result: z.unknown().describe('per operation: status, sale_id, journal events written; tax differences; held deliveries released'),
});
const refusedSchema = errorBodySchema.extend({ delivery_id: z.number() }).describe('refused and kept in the delivery log for a person (replayable after the cause is fixed)');

const DELIVERY_KEYS = keyset('channel-deliveries', [{ sql: 'delivery_id', type: 'bigint' }], 'desc');
const channelParams = z.object({ channel_id: channelIdSchema }).strict();
const USER_ROLES = { auth: 'user' as const };

function publicChannel(c: ChannelRow) {
  const { webhook_secret: _, shift_id: __, ...rest } = c;
  return { ...rest, webhook_url: c.kind === 'api' ? null : `/api/channels/${c.channel_id}/webhooks/${c.kind}` };
}

async function managedChannel(deps: HttpDeps, req: FastifyRequest, channelId: string): Promise<ChannelRow> {
  const c = await loadChannel(deps.db, channelId);
  if (!c) throw new HttpError(404, 'NOT_FOUND', `no channel ${channelId}`, 'channel_id');
  allowedStore(userOf(req), c.store_id);
  return c;
}

function publish(deps: HttpDeps, o: DeliveryOutcome): void {
  publishChanges(deps.io, o.changes);
  publishAlerts(deps.io, o.alerts);
  publishJournal(deps.io, o.applied);
}

function answer(reply: FastifyReply, o: DeliveryOutcome) {
  if (o.repeated) reply.header('idempotent-replayed', 'true');
  if (o.status === 'refused') {
    return reply.status(422).send({ error: { code: o.code ?? 'REFUSED', message: o.reason ?? 'refused' }, delivery_id: o.delivery_id });
  }
  return reply.status(o.status === 'held' ? 202 : 200).send({ delivery_id: o.delivery_id, status: o.status, code: o.code, reason: o.reason, repeated: o.repeated, result: o.result });
}

async function run(deps: HttpDeps, p: Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
  try {
    const o = await deps.track(p);
    publish(deps, o);
    return o;
  } catch (err) {
    if (err instanceof DeliveryConflict) throw new HttpError(409, 'IDEMPOTENCY_CONFLICT', `${err.message}; an alert was raised`, 'idempotency-key');
    if (err instanceof ChannelRefusal) throw new HttpError(404, err.code, err.message, 'channel_id');
    throw err;
  }
}

// ---- the channel API's operations ----

const API_OPS = {
  orders: { op: 'order', schema: channelOrderSchema, summary: 'An order (booked once its payments cover its total; held until then)' },
  payments: { op: 'payment', schema: channelPaymentOpSchema, summary: 'A payment captured for an order (books the order once it is paid in full)' },
  refunds: { op: 'refund', schema: channelRefundSchema, summary: "A refund of some of an order's lines (and its shipping); held when the order has not arrived" },
  cancellations: { op: 'cancel', schema: channelCancelSchema, summary: 'A cancellation: a post-void of the order, or a refund of what is left after earlier refunds' },
} as const;

function apiOperation(op: string, body: unknown): ChannelOperation {
  const refuse = (e: z.ZodError) => {
    const i = e.issues[0];
    return new ChannelRefusal('INVALID_BODY', `${i ? i.path.map(String).join('.') || 'body' : 'body'}: ${i?.message ?? 'invalid'}`);
  };
  switch (op) {
    case 'order': {
      const r = channelOrderSchema.safeParse(body);
      if (!r.success) throw refuse(r.error);
      return { op: 'order', order: r.data };
    }
    case 'payment': {
      const r = channelPaymentOpSchema.safeParse(body);
      if (!r.success) throw refuse(r.error);
      return { op: 'payment', payment: r.data };
    }
    case 'refund': {
      const r = channelRefundSchema.safeParse(body);
      if (!r.success) throw refuse(r.error);
      return { op: 'refund', refund: r.data };
    }
    case 'cancel': {
      const r = channelCancelSchema.safeParse(body);
      if (!r.success) throw refuse(r.error);
      return { op: 'cancel', cancel: r.data };
    }
    default:
      throw new ChannelRefusal('UNKNOWN_OPERATION', `no channel operation ${op}`);
  }
}

/** How a kept body is parsed again on replay: by the source that sent it. */
const replayParser: ReplayParser = (raw, headers, source, operation, currency) => {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ChannelRefusal('UNKNOWN_SHAPE', 'the kept body is not JSON');
  }
  if (source === 'api') return [apiOperation(operation, body)];
  const adapter = ADAPTERS[source as keyof typeof ADAPTERS];
  if (!adapter) throw new ChannelRefusal('UNKNOWN_SHAPE', `no adapter for source ${source}`);
  return adapter.parse(headers[adapter.kind === 'shopify' ? 'x-shopify-topic' : 'x-wc-webhook-topic'] ?? operation, body, currency);
};

const idempotencyHeaders = z
  .object({ 'idempotency-key': z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'visible ASCII only').describe('one key per operation: the same key and content return the original result; the same key with other content is refused (409)') })
  .loose();

async function channelAuth(deps: HttpDeps, req: FastifyRequest): Promise<string> {
  const token = bearer(req);
  deps.authGate?.check('api_token', req.ip);
  const channelId = await channelOfToken(deps.db, token);
  if (!channelId) {
    if (token !== null) deps.authGate?.failed('api_token', req.ip);
    throw new HttpError(401, 'UNAUTHORIZED', 'missing, unknown or revoked channel token (tsc_…)', 'authorization');
  }
  return channelId;
}

declare module 'fastify' {
  interface FastifyRequest {
    channelId?: string;
  }
}

export const channelRoutes: RouteModule = (app, deps) => {
  // ---- HQ: channels, credentials, secrets, deliveries ----
  app.post('/api/channels', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'Create a sales channel of a store (a web shop, a marketplace): its virtual terminal and webhook secret',
      security: [{ bearer: [] }],
      body: createChannelSchema,
      response: { 201: z.object({ channel: channelOut, webhook_secret: z.string().describe('shown once; the platform signs its webhooks with it') }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema },
    },
    handler: async (req, reply) => {
      const u = userOf(req);
      allowedStore(u, req.body.store_id);
      const { channel, webhook_secret } = await deps.track(createChannel(deps.db, req.body, u.user_id));
      return reply.status(201).send({ channel: publicChannel(channel), webhook_secret });
    },
  });

  app.get('/api/channels', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'The channels of the stores the user manages',
      security: [{ bearer: [] }],
      querystring: z.object({ store_id: z.string().min(1).max(64).optional() }).strict(),
      response: { 200: z.object({ channels: z.array(channelListOut) }), 400: errorBodySchema, 403: errorBodySchema },
    },
    handler: async (req) => {
      const scope = storeScope(userOf(req), req.query.store_id);
      return { channels: (await listChannels(deps.db, scope)).map((c) => ({ ...publicChannel(c), last_delivery: c.last_delivery })) };
    },
  });

  app.get('/api/channels/:channel_id', {
    config: USER_ROLES,
    schema: { tags: ['channels'], summary: 'One channel', security: [{ bearer: [] }], params: channelParams, response: { 200: channelOut, 403: errorBodySchema, 404: errorBodySchema } },
    handler: async (req) => publicChannel(await managedChannel(deps, req, req.params.channel_id)),
  });

  app.patch('/api/channels/:channel_id', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: "Change a channel's name, stock buffer, SKU and payment mappings, hold time; disable or enable it",
      security: [{ bearer: [] }],
      params: channelParams,
      body: updateChannelSchema,
      response: { 200: channelOut, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      return publicChannel(await deps.track(updateChannel(deps.db, req.params.channel_id, req.body)));
    },
  });

  app.put('/api/channels/:channel_id/webhook-secret', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: "Set the platform's webhook signing secret (or generate one); answered once",
      security: [{ bearer: [] }],
      params: channelParams,
      body: z.object({ webhook_secret: z.string().min(16).max(200).optional() }).strict(),
      response: { 200: z.object({ webhook_secret: z.string() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      return { webhook_secret: await deps.track(setWebhookSecret(deps.db, req.params.channel_id, req.body.webhook_secret)) };
    },
  });

  app.post('/api/channels/:channel_id/credentials', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'A new API token for the channel (tsc_…); shown once',
      security: [{ bearer: [] }],
      params: channelParams,
      response: { 201: z.object({ credential_id: z.number(), token: z.string() }), 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req, reply) => {
      await managedChannel(deps, req, req.params.channel_id);
      return reply.status(201).send(await deps.track(createChannelCredential(deps.db, req.params.channel_id)));
    },
  });

  app.get('/api/channels/:channel_id/credentials', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: "The channel's API credentials (never the tokens)",
      security: [{ bearer: [] }],
      params: channelParams,
      response: { 200: z.object({ credentials: z.array(z.object({ credential_id: z.number(), created_at: z.string(), revoked_at: z.string().nullable() })) }), 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      return { credentials: await listChannelCredentials(deps.db, req.params.channel_id) };
    },
  });

  app.delete('/api/channels/:channel_id/credentials/:credential_id', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'Revoke a channel API token',
      security: [{ bearer: [] }],
      params: z.object({ channel_id: channelIdSchema, credential_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
      response: { 200: okSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      await deps.track(revokeChannelCredential(deps.db, req.params.channel_id, req.params.credential_id));
      return { ok: true as const };
    },
  });

  app.get('/api/channels/:channel_id/deliveries', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: "The channel's recent deliveries, newest first, with status (applied, held, refused and why, duplicate, expired)",
      security: [{ bearer: [] }],
      params: channelParams,
      querystring: z.object({ status: z.enum(['applied', 'held', 'refused', 'duplicate', 'expired']).optional(), ...pageQuery() }).strict(),
      response: { 200: pageReply('deliveries', deliveryOut), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      const q = new SqlParams();
      const where = [`channel_id = ${q.p(req.params.channel_id)}`, DELIVERY_KEYS.after(q, req.query.cursor)];
      if (req.query.status) where.push(`status = ${q.p(req.query.status)}`);
      const { rows } = await deps.db.query<DeliveryRow & Record<`k${number}`, string>>(
        `SELECT ${DELIVERY_COLUMNS}, result, ${DELIVERY_KEYS.select} FROM channel_deliveries WHERE ${where.join(' AND ')} ORDER BY ${DELIVERY_KEYS.orderBy} LIMIT ${q.p(req.query.limit + 1)}`,
        q.values,
      );
      const page = DELIVERY_KEYS.page(rows, req.query.limit);
      return {
        deliveries: page.rows.map(({ result, ...r }) => deliveryOut.parse({ ...deliveryRowOut(r as DeliveryRow), events: deliveryEvents(result) })),
        next_cursor: page.next_cursor,
      };
    },
  });

  app.get('/api/channels/:channel_id/deliveries/:delivery_id', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'One delivery with its result, the headers kept and the raw body',
      security: [{ bearer: [] }],
      params: z.object({ channel_id: channelIdSchema, delivery_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
      response: { 200: deliveryOut.extend({ result: z.unknown(), headers: z.record(z.string(), z.string()), raw_body: z.string().nullable() }), 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema },
    },
    handler: async (req) => {
      await managedChannel(deps, req, req.params.channel_id);
      const d = await getDelivery(deps.db, req.params.channel_id, req.params.delivery_id);
      return { ...d, events: deliveryEvents(d.result) };
    },
  });

  app.post('/api/channels/:channel_id/deliveries/:delivery_id/replay', {
    config: USER_ROLES,
    schema: {
      tags: ['channels'],
      summary: 'Apply a refused delivery again from its kept body, after its cause was fixed (a SKU mapped, a tax rate added)',
      security: [{ bearer: [] }],
      params: z.object({ channel_id: channelIdSchema, delivery_id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }).strict(),
      response: { 200: outcomeSchema, 202: outcomeSchema, 400: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: refusedSchema },
    },
    handler: async (req, reply) => {
      await managedChannel(deps, req, req.params.channel_id);
      const o = await run(deps, replayDelivery(deps.db, deps.processor, req.params.channel_id, req.params.delivery_id, replayParser));
      return answer(reply, o);
    },
  });

  // ---- the channel API (tsc_ token) ----
  for (const [path, spec] of Object.entries(API_OPS)) {
    app.post(`/api/channel/${path}`, {
      config: { auth: 'public' },
      onRequest: async (req) => {
        req.channelId = await channelAuth(deps, req);
      },
      schema: {
        tags: ['channel API'],
        summary: spec.summary,
        security: [{ bearer: [] }],
        headers: idempotencyHeaders,
        body: spec.schema,
        response: { 200: outcomeSchema, 202: outcomeSchema, 400: errorBodySchema, 401: errorBodySchema, 409: errorBodySchema, 422: refusedSchema },
      },
      handler: async (req, reply) => {
        const key = (req.headers as Record<string, string>)['idempotency-key']!;
        const body = req.body as unknown;
        const raw = canonicalJson(body);
        const o = await run(
          deps,
          deliver(deps.db, deps.processor, {
            channel_id: req.channelId!,
            source: 'api',
            key,
            operation: spec.op,
            content: `${spec.op}\n${raw}`,
            raw_body: raw,
            headers: { 'idempotency-key': key },
            parse: () => [apiOperation(spec.op, body)],
          }),
        );
        return answer(reply, o);
      },
    });
  }

  app.get('/api/channel/stock', {
    config: { auth: 'public' },
    onRequest: async (req) => {
      req.channelId = await channelAuth(deps, req);
    },
    schema: {
      tags: ['channel API'],
      summary: "What the channel may sell: the store's stock per SKU less the channel's buffer (never below 0)",
      security: [{ bearer: [] }],
      response: { 200: z.object({ channel_id: z.string(), store_id: z.string(), buffer: z.string(), stock: z.array(z.object({ sku: z.string(), on_hand: z.string(), available: z.string() })) }), 401: errorBodySchema },
    },
    handler: async (req) => {
      const c = (await loadChannel(deps.db, req.channelId!))!;
      return { channel_id: c.channel_id, store_id: c.store_id, buffer: c.stock_buffer, stock: availableStock(await stockLevels(deps.db, c.store_id), c.stock_buffer) };
    },
  });

  // ---- platform webhooks: the raw body is kept for the HMAC, parsed only once it is verified ----
  void app.register(async (child: FastifyInstance) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const z2 = child.withTypeProvider<ZodTypeProvider>() as unknown as ZApp;
    for (const adapter of Object.values(ADAPTERS)) {
      z2.post(`/api/channels/:channel_id/webhooks/${adapter.kind}`, {
        config: { auth: 'public' },
        schema: {
          tags: ['channels'],
          summary: `${adapter.kind === 'shopify' ? 'Shopify' : 'WooCommerce'} order and refund webhooks, authenticated by the HMAC of the raw body with the channel's secret`,
          params: channelParams,
          response: { 200: outcomeSchema, 202: outcomeSchema, 400: errorBodySchema, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 422: refusedSchema },
        },
        handler: async (req, reply) => {
          const channel = await loadChannel(deps.db, req.params.channel_id);
          if (!channel || channel.kind !== adapter.kind) throw new HttpError(404, 'NOT_FOUND', `no ${adapter.kind} channel ${req.params.channel_id}`, 'channel_id');
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const wr: WebhookRequest = { raw, headers: req.headers };
          deps.authGate?.check('api_token', req.ip);
          const bad = channel.webhook_secret ? adapter.verify(wr, channel.webhook_secret) : 'the channel has no webhook secret';
          const kept = Object.fromEntries(adapter.keptHeaders.flatMap((h) => (typeof req.headers[h] === 'string' ? [[h, (req.headers[h] as string).slice(0, 200)]] : [])));
          if (bad) {
            deps.authGate?.failed('api_token', req.ip);
            await deps.track(logUnauthenticated(deps, channel, adapter.kind, kept, bad));
            throw new HttpError(401, 'BAD_SIGNATURE', bad, 'signature');
          }
          const topic = adapter.topic(wr) ?? 'unknown';
          const text = raw.toString('utf8');
          const o = await run(
            deps,
            deliver(deps.db, deps.processor, {
              channel_id: channel.channel_id,
              source: adapter.kind,
              key: adapter.deliveryId(wr),
              operation: topic.slice(0, 100),
              content: `${topic}\n${text}`,
              raw_body: text,
              headers: kept,
              parse: (currency) => {
                let body: unknown;
                try {
                  body = parseJsonBody(text);
                } catch (err) {
                  throw new ChannelRefusal('UNKNOWN_SHAPE', `the body is not JSON the hub accepts: ${(err as Error).message}`);
                }
                return adapter.parse(topic, body, currency);
              },
            }),
          );
          return answer(reply, o);
        },
      });
    }
  });
};

/** A webhook that failed its signature is logged without key or body: it proves nothing. */
async function logUnauthenticated(deps: HttpDeps, channel: ChannelRow, source: string, headers: Record<string, string>, why: string): Promise<void> {
  await deps.db.query(
    `INSERT INTO channel_deliveries (channel_id, source, delivery_key, operation, status, code, reason, headers)
     VALUES ($1, $2, NULL, $3, 'refused', 'BAD_SIGNATURE', $4, $5)`,
    [channel.channel_id, source, (headers['x-shopify-topic'] ?? headers['x-wc-webhook-topic'] ?? 'unknown').slice(0, 100), why.slice(0, 500), JSON.stringify(headers)],
  );
}

/** The store's levels less the channel's buffer, floored at 0 (decimal strings, exact). */
export function availableStock(levels: Array<{ sku: string; on_hand: string }>, buffer: string): Array<{ sku: string; on_hand: string; available: string }> {
  const b = Number(buffer);
  return levels.map((l) => {
    const avail = Number(l.on_hand) - b;
    return { sku: l.sku, on_hand: l.on_hand, available: avail > 0 ? String(Number(avail.toFixed(6))) : '0' };
  });
}
