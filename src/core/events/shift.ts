import { z } from 'zod';
import {
  currencySchema,
  idSchema,
  isoTimeSchema,
  minorSchema,
  nonNegMinorSchema,
  posMinorSchema,
  reasonSchema,
  shortTextSchema,
  storeIdSchema,
  terminalIdSchema,
  uuidSchema,
} from './common';

// Payloads of the shift and drawer journal events. Amounts are integer minor units of the
// payload's `currency`.

/** Count of one denomination in a drawer count, e.g. { value: 500, count: 3 } = three 5.00 notes. */
export const denominationCountSchema = z.strictObject({
  value: posMinorSchema,
  count: z.number().int().min(0).max(1_000_000),
});
export type DenominationCount = z.infer<typeof denominationCountSchema>;

export const shiftOpenedSchema = z.strictObject({
  shift_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  cashier_id: idSchema,
  currency: currencySchema,
  /** Cash put in the drawer at opening. */
  opening_float: nonNegMinorSchema,
  float_counts: z.array(denominationCountSchema).max(40).optional(),
  opened_at: isoTimeSchema,
});
export type ShiftOpenedPayload = z.infer<typeof shiftOpenedSchema>;

export const cashMoveKindSchema = z.enum(['drop', 'paid_in', 'paid_out']);
export type CashMoveKind = z.infer<typeof cashMoveKindSchema>;

/**
 * Cash leaving or entering the drawer outside a sale. drop: to the safe (ledger: drawer →
 * safe/bank-in-transit); paid_in: e.g. change fund top-up; paid_out: e.g. petty cash for
 * a delivery (ledger: the account named by account_hint, else a default expense account).
 */
export const shiftCashMovedSchema = z.strictObject({
  movement_id: uuidSchema,
  shift_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  cashier_id: idSchema,
  approved_by: idSchema.optional(),
  currency: currencySchema,
  kind: cashMoveKindSchema,
  amount: posMinorSchema,
  reason: reasonSchema,
  /** Chart-of-accounts hint for the other side of the posting, e.g. "expense:supplies", "safe". */
  account_hint: z.string().regex(/^[a-z][a-z0-9_]*(:[a-z0-9_]+)*$/, 'account_hint must be like "expense:supplies"').max(64).optional(),
  moved_at: isoTimeSchema,
});
export type ShiftCashMovedPayload = z.infer<typeof shiftCashMovedSchema>;

export const drawerNoSaleSchema = z.strictObject({
  no_sale_id: uuidSchema,
  shift_id: uuidSchema,
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema,
  cashier_id: idSchema,
  approved_by: idSchema.optional(),
  reason: shortTextSchema.optional(),
  opened_at: isoTimeSchema,
});
export type DrawerNoSalePayload = z.infer<typeof drawerNoSaleSchema>;

/** Per tender kind (and processor for cards) in the Z report. */
export const tenderSummarySchema = z.strictObject({
  kind: z.enum(['cash', 'card', 'gift_card', 'points']),
  processor: idSchema.optional(),
  /** Number of sale tenders of this kind. */
  sales_count: z.number().int().min(0),
  /** Σ sale tender amounts (net of change). */
  sales_amount: nonNegMinorSchema,
  refunds_count: z.number().int().min(0),
  /** Σ refund tender amounts (money given back). */
  refunds_amount: nonNegMinorSchema,
  /** sales_amount − refunds_amount. A post-void counts as a refund of each tender of the voided sale. */
  net_amount: minorSchema,
});
export type TenderSummary = z.infer<typeof tenderSummarySchema>;

export const shiftClosedSchema = z
  .object({
    shift_id: uuidSchema,
    store_id: storeIdSchema,
    terminal_id: terminalIdSchema,
    cashier_id: idSchema,
    approved_by: idSchema.optional(),
    currency: currencySchema,
    opened_at: isoTimeSchema,
    closed_at: isoTimeSchema,
    opening_float: nonNegMinorSchema,
    /** opening_float + cash sales − cash refunds + paid_in − paid_out − drops. */
    expected_cash: minorSchema,
    counted_cash: nonNegMinorSchema,
    /** counted_cash − expected_cash (ledger: cash over/short). */
    variance: minorSchema,
    counted_denominations: z.array(denominationCountSchema).max(40).optional(),
    tenders: z.array(tenderSummarySchema).max(40),
    sales_count: z.number().int().min(0),
    refunds_count: z.number().int().min(0),
    post_voids_count: z.number().int().min(0),
    voids_count: z.number().int().min(0),
    no_sales_count: z.number().int().min(0),
    drops_total: nonNegMinorSchema,
    paid_in_total: nonNegMinorSchema,
    paid_out_total: nonNegMinorSchema,
    /** Journal events of this terminal not yet acknowledged by the hub at close. */
    unsynced_count: z.number().int().min(0),
    /** occurred_at of the oldest unsynced event, null when everything is synced. */
    oldest_unsynced_at: isoTimeSchema.nullable(),
    note: shortTextSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.variance !== p.counted_cash - p.expected_cash) {
      ctx.addIssue({ code: 'custom', path: ['variance'], message: `variance ${p.variance} ≠ counted ${p.counted_cash} − expected ${p.expected_cash}` });
    }
    if ((p.unsynced_count === 0) !== (p.oldest_unsynced_at === null)) {
      ctx.addIssue({ code: 'custom', path: ['oldest_unsynced_at'], message: 'oldest_unsynced_at must be set exactly when unsynced_count > 0' });
    }
  })
  .describe('Also checked: variance = counted_cash − expected_cash; oldest_unsynced_at is null exactly when unsynced_count is 0 (docs/sync-protocol.md, "Arithmetic rules").');
export type ShiftClosedPayload = z.infer<typeof shiftClosedSchema>;
