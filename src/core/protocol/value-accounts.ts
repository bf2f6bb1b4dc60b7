import { z } from 'zod';
import { safeText } from './text';

// register -> hub messages for customers, loyalty points and gift cards (docs/loyalty.md).
// Balances live at the hub: a register looks a card or a customer up, and before a sale that
// spends a card or points completes it reserves the amount under the tender's key
// (sale_id, tender_id). The sale's journal event settles the reservation; a retry of the same
// key answers the same reservation; a reservation whose sale never arrives expires.
// Store-scoped by the credential like every other message; personal data is only what a
// register needs to recognise the customer at the counter.

export const MAX_CUSTOMER_RESULTS = 20;

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : / - starting with a letter or digit');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
/** A gift card number as read from its barcode (never a payment card number). */
export const giftCardIdSchema = z.string().regex(/^[0-9A-Za-z-]{6,32}$/, 'must be 6-32 of 0-9 A-Z a-z -');
/** A phone number as digits only (a leading + and separators are dropped by the sender). */
export const phoneSchema = z.string().regex(/^\d{6,20}$/, 'must be 6-20 digits');
const minor = z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const positive = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const cardViewSchema = z.object({
  gift_card_id: z.string(),
  currency: z.string(),
  /** Σ of the card's movements; negative after offline redemptions beyond it. */
  balance: minor,
  /** Reserved by sales in progress. */
  held: minor,
  /** balance − held: what a new reservation may take. */
  available: minor,
});
export type CardView = z.infer<typeof cardViewSchema>;

export const customerViewSchema = z.object({
  customer_id: z.string(),
  name: z.string(),
  loyalty_id: z.string().nullable(),
  /** Last four digits of the phone, to confirm at the counter; never the whole number. */
  phone_last4: z.string().nullable(),
  points: minor,
  points_available: minor,
  origin_store_id: z.string().nullable(),
  /** The customer's loyalty tier and its earn multiplier (docs/loyalty.md, Tiers); absent or null: none. */
  tier: z.object({ name: z.string(), multiplier_pct: z.number().int() }).nullable().optional(),
});
export type CustomerView = z.infer<typeof customerViewSchema>;

// ---- 'card.lookup': balance check ----
export const cardLookupRequestSchema = z.object({ gift_card_id: giftCardIdSchema }).strict();
export type CardLookupRequest = z.infer<typeof cardLookupRequestSchema>;
export const cardLookupAckSchema = z.discriminatedUnion('found', [
  z.object({ ok: z.literal(true), found: z.literal(false) }),
  z.object({ ok: z.literal(true), found: z.literal(true), card: cardViewSchema }),
]);
export type CardLookupAck = z.infer<typeof cardLookupAckSchema>;

// ---- 'tender.reserve' ----
export const reserveAccountSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('gift_card'), gift_card_id: giftCardIdSchema }).strict(),
  z.object({ kind: z.literal('points'), customer_id: id }).strict(),
]);
export const tenderReserveRequestSchema = z
  .object({
    sale_id: uuid,
    tender_id: id,
    account: reserveAccountSchema,
    /** Minor units of the store's currency for a gift card, points for points. */
    amount: positive,
  })
  .strict();
export type TenderReserveRequest = z.infer<typeof tenderReserveRequestSchema>;
export const RESERVE_REFUSALS = ['NOT_FOUND', 'INSUFFICIENT', 'KEY_REUSED', 'CLOSED', 'CURRENCY_MISMATCH'] as const;
export const tenderReserveAckSchema = z.discriminatedUnion('status', [
  z.object({
    ok: z.literal(true),
    status: z.literal('held'),
    sale_id: z.string(),
    tender_id: z.string(),
    amount: positive,
    expires_at: z.string(),
    balance: minor,
    available: minor,
  }),
  z.object({
    ok: z.literal(true),
    status: z.literal('refused'),
    /** NOT_FOUND: no such card or customer; INSUFFICIENT: available < amount; KEY_REUSED: the key holds another account or amount; CLOSED: the key's reservation was settled, released or expired. */
    reason: z.enum(RESERVE_REFUSALS),
    balance: minor.optional(),
    available: minor.optional(),
  }),
]);
export type TenderReserveAck = z.infer<typeof tenderReserveAckSchema>;

// ---- 'tender.release': the cashier took the tender off the sale, or voided it ----
export const tenderReleaseRequestSchema = z.object({ sale_id: uuid, tender_id: id.optional() }).strict();
export type TenderReleaseRequest = z.infer<typeof tenderReleaseRequestSchema>;
export const tenderReleaseAckSchema = z.object({ ok: z.literal(true), released: z.number().int().min(0) });

// ---- 'customer.lookup' ----
export const customerLookupRequestSchema = z
  .object({
    by: z.enum(['customer_id', 'loyalty_id', 'phone', 'name']),
    /** customer_id, loyalty_id: exact; phone: digits, exact; name: a prefix of the name, case-insensitive (≥ 2 characters). */
    q: safeText().min(1).max(80),
  })
  .strict();
export type CustomerLookupRequest = z.infer<typeof customerLookupRequestSchema>;
export const customerLookupAckSchema = z.object({ ok: z.literal(true), customers: z.array(customerViewSchema).max(MAX_CUSTOMER_RESULTS) });
export type CustomerLookupAck = z.infer<typeof customerLookupAckSchema>;

// ---- 'customer.create' (idempotent by customer_id) ----
export const customerCreateRequestSchema = z
  .object({
    /** Chosen by the register (a UUID), so a retry and an offline creation sent later are the same customer. */
    customer_id: uuid,
    name: safeText().min(1).max(120),
    phone: phoneSchema.optional(),
    email: safeText().max(200).regex(/^[^@\s]+@[^@\s]+$/, 'must be an e-mail address').optional(),
    loyalty_id: giftCardIdSchema.optional(),
    consent: z.object({ marketing: z.boolean(), receipts_by_email: z.boolean().optional() }).strict(),
  })
  .strict();
export type CustomerCreateRequest = z.infer<typeof customerCreateRequestSchema>;
export const customerCreateAckSchema = z.object({
  ok: z.literal(true),
  /** The customer as the hub keeps it: when merged, another customer_id than the register's. */
  customer: customerViewSchema,
  /** An existing customer had the same loyalty id or phone: the register's id now names that customer (its points moved there). */
  merged: z.boolean(),
});
export type CustomerCreateAck = z.infer<typeof customerCreateAckSchema>;
