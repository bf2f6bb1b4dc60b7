import { z } from 'zod';
import { storeIdSchema } from '../core/protocol';
import type { Db, Queryable } from './db/db';
import { AuthError } from './auth';
import { appendChange } from './changes';
import type { StoreChange } from '../core/protocol';

/** An IANA time zone name the runtime knows (Europe/Berlin), checked with Intl. */
export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone like Europe/Berlin');
/** The lines under the store's name on its receipts (address, VAT number): as a register prints them. */
export const receiptLinesSchema = z.array(z.string().max(64, 'a receipt line has at most 64 characters')).max(6, 'at most 6 receipt lines');
const groupsSchema = z.array(z.string().min(1).max(64)).max(50);
const currencySchema = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR');

export const createStoreSchema = z.object({
  store_id: storeIdSchema,
  name: z.string().trim().min(1).max(64),
  currency: currencySchema,
  groups: groupsSchema.default([]),
  receipt_lines: receiptLinesSchema.optional().describe('address lines printed under the name on receipts (config.receipt_lines)'),
  time_zone: timeZoneSchema.optional().describe('IANA time zone of the store (config.time_zone)'),
  tax: z.record(z.string(), z.unknown()).default({}),
  config: z.record(z.string(), z.unknown()).default({}),
});
export type CreateStore = z.input<typeof createStoreSchema>;

export async function createStore(db: Queryable, input: CreateStore): Promise<{ store_id: string }> {
  const s = createStoreSchema.parse(input);
  const { rows } = await db.query<{ store_id: string }>(
    `INSERT INTO stores (store_id, name, currency, groups, tax, config) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (store_id) DO NOTHING RETURNING store_id`,
    [s.store_id, s.name, s.currency, s.groups, JSON.stringify(s.tax), JSON.stringify(withSettings(s.config, s))],
  );
  if (!rows.length) throw new AuthError('CONFLICT', `store ${s.store_id} already exists`, 'store_id');
  return { store_id: s.store_id };
}

function withSettings(config: Record<string, unknown>, s: { receipt_lines?: string[]; time_zone?: string }): Record<string, unknown> {
  return { ...config, ...(s.receipt_lines ? { receipt_lines: s.receipt_lines } : {}), ...(s.time_zone ? { time_zone: s.time_zone } : {}) };
}

/** What an edit may change; the tax table has its own versioned route (PUT /api/stores/:id/tax). */
export const updateStoreSchema = z
  .object({
    name: z.string().trim().min(1).max(64).optional(),
    currency: currencySchema.optional().describe('only while the store has no registers and no sales'),
    groups: groupsSchema.optional(),
    receipt_lines: receiptLinesSchema.optional(),
    time_zone: timeZoneSchema.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'nothing to change');
export type UpdateStore = z.input<typeof updateStoreSchema>;

export interface StoreView {
  store_id: string;
  name: string;
  currency: string;
  groups: string[];
  receipt_lines: string[];
  time_zone: string | null;
}

/**
 * Edits a store and, when what its registers show changed (name, receipt lines, time zone),
 * appends a 'config' change to its change log in the same transaction: the registers merge it
 * into their settings and print the next receipt with it.
 */
export async function updateStore(db: Db, storeId: string, input: UpdateStore): Promise<{ store: StoreView; change: StoreChange | null }> {
  const u = updateStoreSchema.parse(input);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ name: string; currency: string; groups: string[]; config: Record<string, unknown> }>(
      `SELECT name, currency, groups, config FROM stores WHERE store_id = $1 FOR UPDATE`,
      [storeId],
    );
    const old = rows[0];
    if (!old) throw new AuthError('NOT_FOUND', `unknown store ${storeId}`, 'store_id');
    if (u.currency && u.currency !== old.currency) {
      const used = await tx.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM terminals WHERE store_id = $1)::int + (SELECT count(*) FROM journal_events WHERE store_id = $1)::int AS n`,
        [storeId],
      );
      if (Number(used.rows[0]!.n) > 0) throw new AuthError('CONFLICT', `store ${storeId} has registers or sales: its currency cannot change`, 'currency');
    }
    const config = { ...(old.config ?? {}), ...withSettings({}, u) };
    const name = u.name ?? old.name;
    await tx.query(`UPDATE stores SET name = $2, currency = $3, groups = $4, config = $5 WHERE store_id = $1`, [
      storeId,
      name,
      u.currency ?? old.currency,
      u.groups ?? old.groups,
      JSON.stringify(config),
    ]);
    const view: StoreView = {
      store_id: storeId,
      name,
      currency: u.currency ?? old.currency,
      groups: u.groups ?? old.groups,
      receipt_lines: Array.isArray(config.receipt_lines) ? (config.receipt_lines as string[]) : [],
      time_zone: typeof config.time_zone === 'string' ? config.time_zone : null,
    };
    const shown = u.name !== undefined || u.receipt_lines !== undefined || u.time_zone !== undefined;
    // Receipt lines go out only when the hub has some, or HQ just changed them: a register
    // takes an absent or empty list as "print your own" (storeHeader), so a name or time-zone
    // edit of a store without hub lines leaves each register's own address and VAT lines alone.
    const lines = view.receipt_lines.length > 0 || u.receipt_lines !== undefined ? { receipt_lines: view.receipt_lines } : {};
    const change = shown ? await appendChange(tx, storeId, 'config', { store_name: view.name, ...lines, time_zone: view.time_zone }) : null;
    return { store: view, change };
  });
}

/** Which stores an HQ change goes to: all, a list, or every store in one of the groups. */
export const targetSchema = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ store_ids: z.array(storeIdSchema).min(1).max(10_000) }).strict(),
  z.object({ groups: z.array(z.string().min(1).max(64)).min(1).max(100) }).strict(),
]);
export type Target = z.infer<typeof targetSchema>;

export async function resolveTarget(db: Queryable, t: Target): Promise<string[]> {
  if ('all' in t) return (await db.query<{ store_id: string }>(`SELECT store_id FROM stores ORDER BY store_id`)).rows.map((r) => r.store_id);
  if ('groups' in t) {
    return (await db.query<{ store_id: string }>(`SELECT store_id FROM stores WHERE groups && $1 ORDER BY store_id`, [t.groups])).rows.map((r) => r.store_id);
  }
  const { rows } = await db.query<{ store_id: string }>(`SELECT store_id FROM stores WHERE store_id = ANY($1) ORDER BY store_id`, [t.store_ids]);
  const found = new Set(rows.map((r) => r.store_id));
  const missing = t.store_ids.filter((s) => !found.has(s));
  if (missing.length) throw new AuthError('BAD_REQUEST', `unknown store ${missing.join(', ')}`, 'target.store_ids');
  return rows.map((r) => r.store_id);
}
