import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Db, Queryable } from '../db/db';
import { AuthError, hashToken, isUniqueViolation } from '../auth';
import { CHANNEL_KINDS, channelIdSchema, type ChannelKind } from './model';

// Channels, their credentials and their delivery log: the rows a person manages from the HQ
// console. A channel's virtual terminal is created with it (terminal id = channel id, so it
// reads the same in the ledger, the exports and the alerts) and is never enrolled: no
// register credential can write as it.

export type ChannelRow = {
  channel_id: string;
  store_id: string;
  terminal_id: string;
  kind: ChannelKind;
  name: string;
  webhook_secret: string | null;
  stock_buffer: string;
  sku_map: Record<string, string>;
  processor_map: Record<string, string>;
  default_processor: string | null;
  hold_minutes: number;
  shift_id: string;
  created_at: string;
  disabled_at: string | null;
};

const mapSchema = z
  .record(z.string().min(1).max(64), z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be an id of 1-64 characters'))
  .refine((m) => Object.keys(m).length <= 10_000, 'at most 10000 entries');
const processorSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be a processor key like stripe');

const settingsShape = {
  name: z.string().min(1).max(200),
  stock_buffer: z.number().int().min(0).max(1_000_000),
  sku_map: mapSchema,
  processor_map: mapSchema,
  default_processor: processorSchema.nullable(),
  hold_minutes: z.number().int().min(1).max(60 * 24 * 30),
};

export const channelSettingsSchema = z.strictObject({
  name: settingsShape.name,
  stock_buffer: settingsShape.stock_buffer.default(0),
  sku_map: settingsShape.sku_map.default({}),
  processor_map: settingsShape.processor_map.default({}),
  default_processor: settingsShape.default_processor.default(null),
  hold_minutes: settingsShape.hold_minutes.default(24 * 60),
});

export const createChannelSchema = channelSettingsSchema.extend({
  channel_id: channelIdSchema,
  store_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a store id'),
  kind: z.enum(CHANNEL_KINDS),
  /** The platform's webhook signing secret; generated when absent. */
  webhook_secret: z.string().min(16).max(200).optional(),
});
export type CreateChannel = z.input<typeof createChannelSchema>;

/** Only what is sent changes (no defaults here: a PATCH of the SKU map keeps the processor). */
export const updateChannelSchema = z.strictObject(settingsShape).partial().extend({ disabled: z.boolean().optional() }).strict();

const COLUMNS = `channel_id, store_id, terminal_id, kind, name, webhook_secret, stock_buffer::text AS stock_buffer, sku_map, processor_map,
  default_processor, hold_minutes, shift_id::text AS shift_id, created_at, disabled_at`;

function rowOut(r: ChannelRow): ChannelRow {
  return {
    ...r,
    stock_buffer: String(Number(r.stock_buffer)),
    hold_minutes: Number(r.hold_minutes),
    created_at: new Date(r.created_at).toISOString(),
    disabled_at: r.disabled_at ? new Date(r.disabled_at).toISOString() : null,
  };
}

export async function loadChannel(db: Queryable, channelId: string, opts: { lock?: boolean } = {}): Promise<ChannelRow | undefined> {
  const { rows } = await db.query<ChannelRow>(`SELECT ${COLUMNS} FROM channels WHERE channel_id = $1${opts.lock ? ' FOR UPDATE' : ''}`, [channelId]);
  return rows[0] ? rowOut(rows[0]) : undefined;
}

export interface LastDelivery {
  delivery_id: number;
  received_at: string;
  status: DeliveryRow['status'];
  code: string | null;
}

/** Channels with their latest delivery (one index probe each: channel_deliveries_recent_idx). */
export async function listChannels(db: Queryable, storeIds: string[] | null): Promise<Array<ChannelRow & { last_delivery: LastDelivery | null }>> {
  const { rows } = await db.query<ChannelRow & { d_id: string | null; d_at: Date | null; d_status: DeliveryRow['status'] | null; d_code: string | null }>(
    `SELECT ${COLUMNS}, d.delivery_id AS d_id, d.received_at AS d_at, d.status AS d_status, d.code AS d_code
       FROM channels
       LEFT JOIN LATERAL (SELECT delivery_id, received_at, status, code FROM channel_deliveries x WHERE x.channel_id = channels.channel_id ORDER BY delivery_id DESC LIMIT 1) d ON true
      WHERE ($1::text[] IS NULL OR store_id = ANY($1::text[])) ORDER BY channel_id LIMIT 1000`,
    [storeIds],
  );
  return rows.map(({ d_id, d_at, d_status, d_code, ...r }) => ({
    ...rowOut(r as ChannelRow),
    last_delivery: d_id === null ? null : { delivery_id: Number(d_id), received_at: new Date(d_at!).toISOString(), status: d_status!, code: d_code },
  }));
}

export const newWebhookSecret = (): string => randomBytes(32).toString('base64url');

export async function createChannel(db: Db, input: CreateChannel, createdBy: string): Promise<{ channel: ChannelRow; webhook_secret: string }> {
  const c = createChannelSchema.parse(input);
  const secret = c.webhook_secret ?? newWebhookSecret();
  return db
    .transaction(async (tx) => {
      const st = await tx.query(`SELECT 1 FROM stores WHERE store_id = $1`, [c.store_id]);
      if (!st.rows.length) throw new AuthError('NOT_FOUND', `unknown store ${c.store_id}`, 'store_id');
      const term = await tx.query(`SELECT 1 FROM terminals WHERE terminal_id = $1`, [c.channel_id]);
      if (term.rows.length) throw new AuthError('CONFLICT', `a terminal or channel ${c.channel_id} exists already`, 'channel_id');
      await tx.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [c.channel_id, c.store_id]);
      await tx.query(
        `INSERT INTO channels (channel_id, store_id, terminal_id, kind, name, webhook_secret, stock_buffer, sku_map, processor_map, default_processor, hold_minutes, shift_id, created_by)
         VALUES ($1, $2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [c.channel_id, c.store_id, c.kind, c.name, secret, c.stock_buffer, JSON.stringify(c.sku_map), JSON.stringify(c.processor_map), c.default_processor, c.hold_minutes, randomUUID(), createdBy],
      );
      return { channel: (await loadChannel(tx, c.channel_id))!, webhook_secret: secret };
    })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new AuthError('CONFLICT', `channel ${c.channel_id} was created by a concurrent request`, 'channel_id');
      throw err;
    });
}

export async function updateChannel(db: Queryable, channelId: string, patch: z.infer<typeof updateChannelSchema>): Promise<ChannelRow> {
  const sets: string[] = [];
  const vals: unknown[] = [channelId];
  const add = (col: string, v: unknown) => {
    vals.push(v);
    sets.push(`${col} = $${vals.length}`);
  };
  if (patch.name !== undefined) add('name', patch.name);
  if (patch.stock_buffer !== undefined) add('stock_buffer', patch.stock_buffer);
  if (patch.sku_map !== undefined) add('sku_map', JSON.stringify(patch.sku_map));
  if (patch.processor_map !== undefined) add('processor_map', JSON.stringify(patch.processor_map));
  if (patch.default_processor !== undefined) add('default_processor', patch.default_processor);
  if (patch.hold_minutes !== undefined) add('hold_minutes', patch.hold_minutes);
  if (patch.disabled !== undefined) sets.push(patch.disabled ? 'disabled_at = coalesce(disabled_at, now())' : 'disabled_at = NULL');
  if (sets.length) await db.query(`UPDATE channels SET ${sets.join(', ')} WHERE channel_id = $1`, vals);
  const c = await loadChannel(db, channelId);
  if (!c) throw new AuthError('NOT_FOUND', `no channel ${channelId}`, 'channel_id');
  return c;
}

export async function setWebhookSecret(db: Queryable, channelId: string, secret: string | undefined): Promise<string> {
  const s = secret ?? newWebhookSecret();
  const { rows } = await db.query(`UPDATE channels SET webhook_secret = $2 WHERE channel_id = $1 RETURNING channel_id`, [channelId, s]);
  if (!rows.length) throw new AuthError('NOT_FOUND', `no channel ${channelId}`, 'channel_id');
  return s;
}

// ---- credentials: tsc_ tokens, stored as SHA-256 ----

export async function createChannelCredential(db: Queryable, channelId: string): Promise<{ credential_id: number; token: string }> {
  const token = `tsc_${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query<{ credential_id: number }>(
    `INSERT INTO channel_credentials (channel_id, token_hash) SELECT channel_id, $2 FROM channels WHERE channel_id = $1 RETURNING credential_id`,
    [channelId, hashToken(token)],
  );
  if (!rows.length) throw new AuthError('NOT_FOUND', `no channel ${channelId}`, 'channel_id');
  return { credential_id: Number(rows[0]!.credential_id), token };
}

export async function listChannelCredentials(db: Queryable, channelId: string) {
  const { rows } = await db.query<{ credential_id: number; created_at: Date; revoked_at: Date | null }>(
    `SELECT credential_id, created_at, revoked_at FROM channel_credentials WHERE channel_id = $1 ORDER BY credential_id LIMIT 1000`,
    [channelId],
  );
  return rows.map((r) => ({ credential_id: Number(r.credential_id), created_at: new Date(r.created_at).toISOString(), revoked_at: r.revoked_at ? new Date(r.revoked_at).toISOString() : null }));
}

export async function revokeChannelCredential(db: Queryable, channelId: string, credentialId: number): Promise<void> {
  const { rows } = await db.query(`UPDATE channel_credentials SET revoked_at = coalesce(revoked_at, now()) WHERE channel_id = $1 AND credential_id = $2 RETURNING 1`, [channelId, credentialId]);
  if (!rows.length) throw new AuthError('NOT_FOUND', `channel ${channelId} has no credential ${credentialId}`, 'credential_id');
}

/** The live channel a token belongs to, or null. */
export async function channelOfToken(db: Queryable, token: string | null): Promise<string | null> {
  if (!token || !token.startsWith('tsc_') || token.length > 200) return null;
  const { rows } = await db.query<{ channel_id: string }>(
    `SELECT k.channel_id FROM channel_credentials k JOIN channels c ON c.channel_id = k.channel_id
      WHERE k.token_hash = $1 AND k.revoked_at IS NULL`,
    [hashToken(token)],
  );
  return rows[0]?.channel_id ?? null;
}

// ---- deliveries ----

export type DeliveryRow = {
  delivery_id: number;
  channel_id: string;
  source: string;
  delivery_key: string | null;
  operation: string;
  order_ref: string | null;
  status: 'applied' | 'held' | 'refused' | 'duplicate' | 'expired';
  code: string | null;
  reason: string | null;
  attempts: number;
  received_at: string;
  updated_at: string;
  replayable: boolean;
  result?: unknown;
  raw_body?: string | null;
  headers?: Record<string, string>;
};

/** The journal events a delivery wrote (from its result), so the console can open them in the sales explorer. */
export function deliveryEvents(result: unknown): Array<{ event_id: string; type: string }> {
  const ops = (result as { operations?: Array<{ events?: Array<{ event_id?: unknown; type?: unknown }> }> } | null)?.operations;
  if (!Array.isArray(ops)) return [];
  return ops.flatMap((o) => (Array.isArray(o.events) ? o.events : [])).flatMap((e) => (typeof e.event_id === 'string' && typeof e.type === 'string' ? [{ event_id: e.event_id, type: e.type }] : [])).slice(0, 50);
}

export const DELIVERY_COLUMNS = `delivery_id, channel_id, source, delivery_key, operation, order_ref, status, code, reason, attempts, received_at, updated_at,
  (status = 'refused' AND raw_body IS NOT NULL) AS replayable`;

export function deliveryRowOut(r: DeliveryRow): DeliveryRow {
  return { ...r, delivery_id: Number(r.delivery_id), attempts: Number(r.attempts), received_at: new Date(r.received_at).toISOString(), updated_at: new Date(r.updated_at).toISOString() };
}

export async function getDelivery(db: Queryable, channelId: string, deliveryId: number): Promise<DeliveryRow & { raw_body: string | null; headers: Record<string, string>; result: unknown }> {
  const { rows } = await db.query<DeliveryRow & { raw_body: string | null; headers: Record<string, string>; result: unknown }>(
    `SELECT ${DELIVERY_COLUMNS}, raw_body, headers, result FROM channel_deliveries WHERE channel_id = $1 AND delivery_id = $2`,
    [channelId, deliveryId],
  );
  if (!rows[0]) throw new AuthError('NOT_FOUND', `channel ${channelId} has no delivery ${deliveryId}`, 'delivery_id');
  return { ...deliveryRowOut(rows[0]), raw_body: rows[0].raw_body, headers: rows[0].headers, result: rows[0].result };
}
