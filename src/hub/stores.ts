import { z } from 'zod';
import { storeIdSchema } from '../core/protocol';
import type { Queryable } from './db/db';
import { AuthError } from './auth';

export const createStoreSchema = z.object({
  store_id: storeIdSchema,
  name: z.string().min(1).max(200),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like EUR'),
  groups: z.array(z.string().min(1).max(64)).max(50).default([]),
  tax: z.record(z.string(), z.unknown()).default({}),
  config: z.record(z.string(), z.unknown()).default({}),
});
export type CreateStore = z.input<typeof createStoreSchema>;

export async function createStore(db: Queryable, input: CreateStore): Promise<{ store_id: string }> {
  const s = createStoreSchema.parse(input);
  const { rows } = await db.query<{ store_id: string }>(
    `INSERT INTO stores (store_id, name, currency, groups, tax, config) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (store_id) DO NOTHING RETURNING store_id`,
    [s.store_id, s.name, s.currency, s.groups, JSON.stringify(s.tax), JSON.stringify(s.config)],
  );
  if (!rows.length) throw new AuthError('CONFLICT', `store ${s.store_id} already exists`, 'store_id');
  return { store_id: s.store_id };
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
