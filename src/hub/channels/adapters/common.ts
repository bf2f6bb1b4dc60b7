import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { parseMoney } from '../../../core/money/money';
import { isKnownCurrency } from '../../../core/money/currency';
import { ChannelRefusal, type ChannelOperation } from '../model';

// What every platform adapter is: how to authenticate a webhook (an HMAC of the raw body with
// the channel's secret), which header carries the platform's own delivery id (its retries
// repeat it), and how its payload becomes channel operations. A payload that does not have
// the shape the adapter knows is refused with UNKNOWN_SHAPE naming the member at fault, and
// kept with its raw body for a person; nothing of it is applied.

export interface WebhookRequest {
  raw: Buffer;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
}

export interface PlatformAdapter {
  kind: 'shopify' | 'woocommerce';
  /** Header names (lower case) kept with a delivery. */
  keptHeaders: readonly string[];
  /** null when the signature is right; else why not. */
  verify(req: WebhookRequest, secret: string): string | null;
  /** The platform's id of this delivery (the same on its retries), or null when it sent none. */
  deliveryId(req: WebhookRequest): string | null;
  /** The topic ("orders/create", "order.updated"). */
  topic(req: WebhookRequest): string | null;
  /** The operations of a verified payload; throws ChannelRefusal (UNKNOWN_TOPIC, UNKNOWN_SHAPE, …). */
  parse(topic: string, body: unknown, currency: string): ChannelOperation[];
}

export function header(req: WebhookRequest, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.length > 0 && s.length <= 512 ? s : null;
}

/** Compares a base64 HMAC-SHA256 of the raw body, in constant time. */
export function verifyBase64Hmac(raw: Buffer, secret: string, given: string | null, headerName: string): string | null {
  if (!given) return `missing ${headerName}`;
  const expected = createHmac('sha256', secret).update(raw).digest();
  let got: Buffer;
  try {
    got = Buffer.from(given, 'base64');
  } catch {
    return `${headerName} is not base64`;
  }
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) return `${headerName} does not match the body signed with the channel's secret`;
  return null;
}

export function signBase64(raw: Buffer | string, secret: string): string {
  return createHmac('sha256', secret).update(raw).digest('base64');
}

/** Parses with the adapter's schema of the platform payload; a mismatch is UNKNOWN_SHAPE. */
export function shaped<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new ChannelRefusal('UNKNOWN_SHAPE', `${what} does not have the shape this adapter knows: ${issues.join('; ')}`);
}

/** A platform amount ("199.00" or 199) in minor units of the currency. */
export function minorOf(v: string | number, currency: string, what: string): number {
  if (!isKnownCurrency(currency)) throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: unknown currency ${currency}`);
  const text = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'x') : v;
  try {
    const m = parseMoney(text, currency);
    return Number(m.amount);
  } catch (err) {
    throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: ${(err as Error).message}`);
  }
}

/** A decimal (a fraction like 0.06, or a percent like 7.5 with scale 4) as parts per million. */
export function ppmOf(v: string | number, decimalsToPpm: 6 | 4, what: string): number {
  const text = typeof v === 'number' ? String(v) : v;
  const m = /^(\d{1,7})(?:\.(\d{1,12}))?$/.exec(text.trim());
  if (!m) throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: not a rate: ${JSON.stringify(text).slice(0, 40)}`);
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > decimalsToPpm) throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: rate ${text} is finer than one part per million`);
  const ppm = Number(m[1]) * 10 ** decimalsToPpm + Number(frac.padEnd(decimalsToPpm, '0') || '0');
  if (ppm > 1_000_000) throw new ChannelRefusal('UNKNOWN_SHAPE', `${what}: rate ${text} is above 100%`);
  return ppm;
}

/** A platform id (number or string) as an order/line reference. */
export function refOf(v: string | number): string {
  return String(v);
}
