import { z } from 'zod';

// register -> hub: 'sale.lookup'. A register returning goods bought at another register of
// the store asks the hub (the authority) for the original sale and everything already
// reversed of it, by the receipt number printed on it (`T01-000042`, also its QR content).
// Store-scoped by the credential: a register never sees another store's sales. The payloads
// are journal payloads as the hub applied them; the register validates them against core's
// event schemas before it prices a return from them.

export const MAX_LOOKUP_REVERSALS = 200;

const payload = z.record(z.string(), z.unknown());

export const saleLookupRequestSchema = z.object({
  receipt_no: z.string().min(3).max(80).regex(/^[A-Za-z0-9_-]{1,64}-\d{1,12}$/, 'must be <terminal>-<number>'),
}).strict();
export type SaleLookupRequest = z.infer<typeof saleLookupRequestSchema>;

export const saleLookupAckSchema = z.discriminatedUnion('found', [
  z.object({ ok: z.literal(true), found: z.literal(false) }),
  z.object({
    ok: z.literal(true),
    found: z.literal(true),
    receipt_no: z.string().max(80),
    /** The sale.completed payload. */
    sale: payload,
    /** sale.refunded payloads against it, from any register of the store, in the order the hub applied them. */
    refunds: z.array(payload).max(MAX_LOOKUP_REVERSALS),
    /** The sale.post_voided payload, if it was post-voided. */
    post_void: payload.nullable(),
  }),
]);
export type SaleLookupAck = z.infer<typeof saleLookupAckSchema>;
