import { z } from 'zod';
import { helloRequestSchema, MAX_HELLO_CASHIERS } from '../core/protocol';

// `cashiers` in `hello` is optional and informative (docs/sync-protocol.md 4.1): the names the
// hub's copy of a receipt prints. A bad entry must never refuse the hello, or one odd name in a
// register's config would stop it syncing for good. So the hub reads the member leniently: a
// name is made storable (no NUL, no lone surrogate, cut to 64 UTF-16 units without splitting a
// character) and an entry that still does not fit the published schema is dropped.

/** One entry as published (docs/schemas/v1/messages/hello.request.json). */
const helloCashierSchema = helloRequestSchema.shape.cashiers.unwrap().element;
type HelloCashier = z.infer<typeof helloCashierSchema>;

/** A name as Postgres's jsonb can store it, at most `max` UTF-16 units, never half a character. */
function storableName(s: string, max = 64): string {
  let out = '';
  // eslint-disable-next-line no-control-regex -- NUL is what Postgres's jsonb refuses
  for (const ch of s.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out.trim();
}

export function keepGoodCashiers(v: unknown): HelloCashier[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: HelloCashier[] = [];
  for (const e of v.slice(0, MAX_HELLO_CASHIERS)) {
    const o = e as { cashier_id?: unknown; name?: unknown } | null;
    const candidate = o && typeof o === 'object' ? { cashier_id: o.cashier_id, name: typeof o.name === 'string' ? storableName(o.name) : o.name } : null;
    const r = helloCashierSchema.safeParse(candidate);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** `hello` as the hub reads it: as published, except that `cashiers` never refuses the message. */
export const helloAtHubSchema = helloRequestSchema.extend({ cashiers: z.unknown().optional().transform(keepGoodCashiers) });
