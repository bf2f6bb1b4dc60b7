import { DEFAULT_LOYALTY_SETTINGS, loyaltySettingsSchema, type LoyaltySettings } from '../../core/loyalty';
import type { StoreChange } from '../../core/protocol';
import type { Queryable } from '../db/db';
import { appendChange } from '../changes';

// The chain's loyalty settings (earn rule, point value, offline policy, reservation TTL): one
// row, defaults until HQ sets them. Registers get them as the `loyalty` key of their store's
// config (a `config` store change to every store when they change, and in every snapshot).

export async function loyaltySettings(db: Queryable): Promise<LoyaltySettings> {
  const { rows } = await db.query<{ settings: unknown }>(`SELECT settings FROM loyalty_settings WHERE singleton`);
  if (!rows[0]) return DEFAULT_LOYALTY_SETTINGS;
  const r = loyaltySettingsSchema.safeParse(rows[0].settings);
  return r.success ? r.data : DEFAULT_LOYALTY_SETTINGS;
}

/** Stores the settings and pushes them into every store's config; returns the changes to publish. */
export async function setLoyaltySettings(tx: Queryable, settings: LoyaltySettings, by: string): Promise<StoreChange[]> {
  await tx.query(
    `INSERT INTO loyalty_settings (singleton, settings, updated_by) VALUES (true, $1, $2)
     ON CONFLICT (singleton) DO UPDATE SET settings = EXCLUDED.settings, updated_by = EXCLUDED.updated_by, updated_at = now()`,
    [JSON.stringify(settings), by],
  );
  const { rows } = await tx.query<{ store_id: string }>(`SELECT store_id FROM stores ORDER BY store_id`);
  const changes: StoreChange[] = [];
  for (const s of rows) {
    await tx.query(`UPDATE stores SET config = config || jsonb_build_object('loyalty', $2::jsonb) WHERE store_id = $1`, [s.store_id, JSON.stringify(settings)]);
    changes.push(await appendChange(tx, s.store_id, 'config', { loyalty: settings }));
  }
  return changes;
}
