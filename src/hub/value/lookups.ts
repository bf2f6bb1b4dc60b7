import type { CardLookupAck } from '../../core/protocol';
import type { Queryable } from '../db/db';
import { accountIdOf, readAccount } from './accounts';

/** A gift card's balance (any store of the chain may check it). */
export async function lookupCard(db: Queryable, giftCardId: string): Promise<CardLookupAck> {
  const a = await readAccount(db, accountIdOf({ kind: 'gift_card', gift_card_id: giftCardId }));
  if (!a || a.kind !== 'gift_card') return { ok: true, found: false };
  return { ok: true, found: true, card: { gift_card_id: a.ref, currency: a.currency ?? '', balance: a.balance, held: a.held, available: a.balance - a.held } };
}

export async function storeCurrency(db: Queryable, storeId: string): Promise<string> {
  const { rows } = await db.query<{ currency: string }>(`SELECT currency FROM stores WHERE store_id = $1`, [storeId]);
  if (!rows[0]) throw new Error(`unknown store ${storeId}`);
  return rows[0].currency;
}
