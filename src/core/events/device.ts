import { z } from 'zod';
import { currencySchema, idSchema, isoTimeSchema, posMinorSchema, shortTextSchema, storeIdSchema, terminalIdSchema } from './common';
import { maskedPanSchema } from './sale';

// Audit events about the register's devices: facts that move no money or stock by
// themselves but that a person must be able to find afterwards (the store manager, HQ).
//
// A card payment whose outcome the terminal did not report is journalled BEFORE anything
// else happens (`payment.unresolved`): the customer may have been charged, so the record
// must survive a crash or restart, and it blocks new card payments until a status inquiry
// resolves it (`payment.resolved`, approved or declined). An approved resolution is then
// taken as a tender of its sale like any approved payment; the money is posted by that
// sale, never by these events.

export const paymentKindSchema = z.enum(['sale', 'refund']);

export const paymentUnresolvedSchema = z.strictObject({
  /** The register's payment reference sent to the terminal ("<sale or refund id>/<tender id>"). */
  reference: idSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  cashier_id: idSchema,
  kind: paymentKindSchema,
  /** The sale (kind sale) or refund (kind refund) the payment belongs to, and its tender id. */
  transaction_id: idSchema,
  tender_id: idSchema,
  currency: currencySchema,
  amount: posMinorSchema,
  /** Ledger key of the card processor (as on a card tender). */
  processor: idSchema,
  /** The terminal's last trace number before this payment, to tell its result from older ones. */
  trace_before: z.number().int().min(0).max(999_999).optional(),
  /** Why the outcome is unknown (no answer, link lost), as the driver said it. */
  reason: shortTextSchema,
  started_at: isoTimeSchema,
});
export type PaymentUnresolvedPayload = z.infer<typeof paymentUnresolvedSchema>;

export const paymentResolvedSchema = z.strictObject({
  /** The reference of the `payment.unresolved` this resolves. */
  reference: idSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  cashier_id: idSchema,
  kind: paymentKindSchema,
  transaction_id: idSchema,
  tender_id: idSchema,
  currency: currencySchema,
  amount: posMinorSchema,
  processor: idSchema,
  /** approved: the customer was charged (refunded), the tender stands; declined: not charged, or the terminal has no record. */
  outcome: z.enum(['approved', 'declined']),
  auth_code: z.string().regex(/^[A-Za-z0-9 -]{1,16}$/, 'auth_code must be 1-16 letters/digits').optional(),
  masked_pan: maskedPanSchema.optional(),
  terminal_ref: z.string().max(64).optional(),
  message: shortTextSchema.optional(),
  resolved_at: isoTimeSchema,
});
export type PaymentResolvedPayload = z.infer<typeof paymentResolvedSchema>;

/** The cash drawer stayed open longer than its alert time (the driver's "open too long"). */
export const drawerLeftOpenSchema = z.strictObject({
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  /** Who was signed in, if anyone. */
  cashier_id: idSchema.optional(),
  /** How long it had been open when the alert fired. */
  open_for_ms: z.number().int().min(0).max(7 * 24 * 3_600_000),
  noticed_at: isoTimeSchema,
});
export type DrawerLeftOpenPayload = z.infer<typeof drawerLeftOpenSchema>;
