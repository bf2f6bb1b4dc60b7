import type { Queryable } from '../db/db';
import { reviewRulesSchema, type ReviewRules } from './review';

// A store's integrity settings (issue 15): require_signatures (migration 019; checked by
// device-keys.ts before a batch is applied) and the review rules (migration 022; read by
// ingest once per batch). Changed by HQ through the API or the CLI.

export interface StoreIntegrity {
  store_id: string;
  require_signatures: boolean;
  review_rules: ReviewRules;
}

export async function readStoreIntegrity(db: Queryable, storeId: string): Promise<StoreIntegrity | null> {
  const { rows } = await db.query<{ store_id: string; require_signatures: boolean; review_rules: unknown }>(
    `SELECT store_id, require_signatures, review_rules FROM stores WHERE store_id = $1`,
    [storeId],
  );
  const r = rows[0];
  if (!r) return null;
  const rules = reviewRulesSchema.safeParse(r.review_rules);
  return { store_id: r.store_id, require_signatures: r.require_signatures, review_rules: rules.success ? rules.data : {} };
}

/** Sets what is given (the rest unchanged); null when there is no such store. */
export async function writeStoreIntegrity(db: Queryable, storeId: string, change: { require_signatures?: boolean; review_rules?: ReviewRules }): Promise<StoreIntegrity | null> {
  const rules = change.review_rules === undefined ? null : JSON.stringify(reviewRulesSchema.parse(change.review_rules));
  const { rows } = await db.query(
    `UPDATE stores SET require_signatures = COALESCE($2, require_signatures), review_rules = COALESCE($3::jsonb, review_rules) WHERE store_id = $1 RETURNING store_id`,
    [storeId, change.require_signatures ?? null, rules],
  );
  if (!rows[0]) return null;
  return readStoreIntegrity(db, storeId);
}
