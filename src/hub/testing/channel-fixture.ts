import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/db';
import { createStore } from '../stores';
import { adjustStock } from '../stock';
import { signBase64 } from '../channels/adapters';
import { ADMIN_TOKEN, api } from './hub-fixture';
import type { HubHandle } from '../server';

// Stores, catalog and channels for the channel tests, and the requests a shop platform or a
// channel's own system makes.

const FIXTURES = join(import.meta.dirname, '..', 'channels', 'fixtures');

/** A platform payload as documented (src/hub/channels/fixtures), as raw text. */
export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

export async function seedChannelStore(
  db: Db,
  storeId: string,
  o: { rate_ppm: number; jurisdiction: string; products: Array<{ sku: string; name: string; category?: string }>; stock: Record<string, number> },
): Promise<void> {
  await createStore(db, {
    store_id: storeId,
    name: `Store ${storeId}`,
    currency: 'USD',
    tax: { rates: [{ code: `${o.jurisdiction}-STATE`, jurisdiction: o.jurisdiction, rate_ppm: o.rate_ppm, inclusive: false, categories: ['*'] }] },
  });
  for (const p of o.products) {
    const data = { sku: p.sku, gtins: [], name: p.name, category: p.category ?? 'general', tax_category: 'general', unit: 'each', price: 0, currency: 'USD', active: true };
    await db.query(`INSERT INTO products (sku, data) VALUES ($1, $2) ON CONFLICT (sku) DO UPDATE SET data = EXCLUDED.data`, [p.sku, JSON.stringify(data)]);
  }
  const items = Object.entries(o.stock).map(([sku, units]) => ({ sku, quantity: { units, scale: 0 } }));
  if (items.length) await db.transaction((tx) => adjustStock(tx, { store_id: storeId, reason: 'opening', items }));
}

export async function createTestChannel(hub: HubHandle, body: Record<string, unknown>): Promise<{ webhook_secret: string; token: string }> {
  const r = await api(hub, 'POST', '/api/channels', body);
  if (r.status !== 201) throw new Error(`create channel: ${r.status} ${JSON.stringify(r.body)}`);
  const c = await api(hub, 'POST', `/api/channels/${String(body.channel_id)}/credentials`);
  if (c.status !== 201) throw new Error(`credential: ${c.status} ${JSON.stringify(c.body)}`);
  return { webhook_secret: r.body.webhook_secret, token: c.body.token };
}

export interface HookOptions {
  secret: string;
  topic: string;
  id?: string;
  /** Replace the signature (a wrong one) or leave it out (null). */
  signature?: string | null;
}

/** Posts a webhook as Shopify or WooCommerce do: raw JSON body, HMAC header, topic and delivery id headers. */
export async function postWebhook(hub: HubHandle, kind: 'shopify' | 'woocommerce', channelId: string, raw: string, o: HookOptions) {
  const sig = o.signature === undefined ? signBase64(raw, o.secret) : o.signature;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (kind === 'shopify') {
    headers['x-shopify-topic'] = o.topic;
    headers['x-shopify-shop-domain'] = 'jsmith.myshopify.com';
    headers['x-shopify-api-version'] = '2024-10';
    if (o.id) headers['x-shopify-webhook-id'] = o.id;
    if (sig !== null) headers['x-shopify-hmac-sha256'] = sig;
  } else {
    headers['x-wc-webhook-topic'] = o.topic;
    headers['x-wc-webhook-resource'] = 'order';
    headers['x-wc-webhook-event'] = o.topic.split('.')[1] ?? '';
    headers['x-wc-webhook-source'] = 'https://example.com/';
    headers['x-wc-webhook-id'] = '12';
    if (o.id) headers['x-wc-webhook-delivery-id'] = o.id;
    if (sig !== null) headers['x-wc-webhook-signature'] = sig;
  }
  const res = await fetch(`${hub.url}/api/channels/${channelId}/webhooks/${kind}`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** A channel API call with its token and Idempotency-Key. */
export async function channelCall(hub: HubHandle, token: string, path: string, key: string | null, body: unknown) {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  if (key !== null) headers['idempotency-key'] = key;
  const res = await fetch(`${hub.url}/api/channel/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

export { ADMIN_TOKEN };
