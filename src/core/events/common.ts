import { z } from 'zod';
import { KNOWN_CURRENCY_CODES } from '../money/currency';
import { MAX_QUANTITY_SCALE } from '../money/quantity';
import { storeIdSchema, terminalIdSchema } from '../protocol/journal-event';

// Building blocks shared by every journal event payload. Money inside a payload is a plain
// integer of minor units; the payload's `currency` field says which currency.

/** Integer minor units, any sign (adjustments, variances). */
export const minorSchema = z
  .number()
  .int('must be an integer number of minor units')
  .min(Number.MIN_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER);
/** Integer minor units ≥ 0. */
export const nonNegMinorSchema = minorSchema.min(0, 'must be ≥ 0 minor units');
/** Integer minor units > 0. */
export const posMinorSchema = minorSchema.min(1, 'must be > 0 minor units');

// An enum rather than a refinement, so the published JSON Schema carries the same list.
export const currencySchema = z.enum(KNOWN_CURRENCY_CODES as [string, ...string[]], {
  error: (i) => (typeof i.input === 'string' && /^[A-Z]{3}$/.test(i.input) ? 'unknown ISO 4217 currency code' : 'must be an ISO 4217 code like USD'),
});

export const uuidSchema = z.string().uuid('must be a UUID');
/** Ids we do not require to be UUIDs (cashiers, line ids, tender ids, promotion ids, SKUs). */
export const idSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : / - starting with a letter or digit');
export const skuSchema = idSchema;
export const gtinSchema = z.string().regex(/^\d{8}$|^\d{12,14}$/, 'must be a GTIN-8/12/13/14 (digits only)');
export { storeIdSchema, terminalIdSchema };

export const isoTimeSchema = z.string().datetime({ offset: false, message: 'must be an ISO-8601 UTC time like 2026-01-01T12:00:00.000Z' });
export const shortTextSchema = z.string().max(200);
export const reasonSchema = z.string().min(1, 'a reason is required').max(200);

export const quantitySchema = z.strictObject({
  units: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  scale: z.number().int().min(0).max(MAX_QUANTITY_SCALE),
});
export const positiveQuantitySchema = quantitySchema.extend({
  units: z.number().int().min(1, 'quantity must be > 0').max(Number.MAX_SAFE_INTEGER),
});

export const unitSchema = z.enum(['each', 'kg']);
export type SaleUnit = z.infer<typeof unitSchema>;

/** Integer parts per million: 8.875 % = 88_750. Capped at 100 %. */
export const ratePpmSchema = z.number().int().min(0).max(1_000_000);

/** Bounds on arrays inside one event, so one payload cannot exhaust a consumer. */
export const MAX_LINES_PER_SALE = 500;
export const MAX_TENDERS_PER_SALE = 20;
export const MAX_DISCOUNTS_PER_LINE = 20;
export const MAX_TAXES_PER_LINE = 10;
