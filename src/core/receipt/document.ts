// The receipt as data. The register maps a completed sale to a ReceiptDocument; printer drivers
// (and a PDF/e-mail receipt later) turn it into output. Pure data, no formatting decisions.
//
// Money: every amount is an integer in minor units of `currency` (cents for EUR, yen for JPY).
// Card data: at most the first six and last four digits of a card number (PCI), e.g.
// "411111******1111" or "************1111"; the schema refuses anything more.

import { z } from 'zod';

const minor = z.number().int().safe();
const text = (max: number) => z.string().max(max);

/** Quantity of a sale line: a count of items, or a weight in thousandths of `unit` (grams for kg). */
export const quantitySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('count'), value: z.number().int().safe() }),
  z.object({ kind: z.literal('weight'), milli: z.number().int().safe(), unit: z.enum(['kg', 'lb']) }),
]);

export const receiptDiscountSchema = z.object({
  label: text(64),
  /** Amount taken off the line, positive (a 1.00 discount is 100). */
  amount: minor.nonnegative(),
});

export const receiptLineSchema = z.object({
  description: text(120),
  quantity: quantitySchema,
  /** Price per item, or per kg / lb for a weighed line. */
  unitPrice: minor,
  /** Line amount before discounts (quantity × unitPrice, rounded by the sale engine). */
  amount: minor,
  discounts: z.array(receiptDiscountSchema).max(16).default([]),
  /** Key into `taxes` (e.g. "A"), printed beside the amount as on most European receipts. */
  taxCode: text(8).optional(),
});

export const receiptTaxSchema = z.object({
  code: text(8),
  label: text(32),
  /** Rate in basis points: 2000 = 20 %. */
  rateBasisPoints: z.number().int().min(0).max(100_000),
  net: minor,
  tax: minor,
  gross: minor,
});

/** First six and last four at most; everything between masked. */
export const maskedPanSchema = z
  .string()
  .regex(/^[0-9]{0,6}[*xX•]{2,}[0-9]{0,4}$/, 'a masked card number shows at most the first 6 and last 4 digits')
  .refine((s) => s.replace(/[^0-9]/g, '').length <= 10, 'a masked card number shows at most 10 digits')
  .refine((s) => s.length >= 12 && s.length <= 19, 'a masked card number has 12–19 characters');

export const receiptTenderSchema = z.object({
  kind: z.enum(['cash', 'card', 'gift-card', 'voucher', 'other']),
  label: text(32),
  amount: minor,
  card: z
    .object({
      maskedPan: maskedPanSchema,
      brand: text(24).optional(),
      authCode: text(12).optional(),
      entryMode: z.enum(['chip', 'contactless', 'swipe', 'manual']).optional(),
      terminalRef: text(32).optional(),
      /** The register's payment reference (sale / tender), as sent to and echoed by the terminal. */
      reference: text(64).optional(),
    })
    .optional(),
});

export const receiptDocumentSchema = z.object({
  version: z.literal(1),
  /** BCP 47 locale for numbers and dates, e.g. "de-DE". */
  locale: text(35),
  /** ISO 4217 code of every amount in the document. */
  currency: z.string().regex(/^[A-Z]{3}$/),
  kind: z.enum(['sale', 'refund', 'void', 'copy']).default('sale'),
  header: z.object({
    storeName: text(64),
    /** Address, phone, VAT number: one printed line each. */
    lines: z.array(text(64)).max(12).default([]),
  }),
  saleId: text(64).min(1),
  /** ISO 8601 timestamp with offset, printed in `locale`. */
  issuedAt: z.string().datetime({ offset: true }),
  terminal: text(32).optional(),
  cashier: text(32).optional(),
  lines: z.array(receiptLineSchema).max(500),
  totals: z.object({
    subtotal: minor,
    discountTotal: minor.nonnegative().default(0),
    taxTotal: minor,
    total: minor,
    /** True when prices include tax (Europe); false when tax is added on top (US). */
    taxIncluded: z.boolean(),
  }),
  taxes: z.array(receiptTaxSchema).max(16).default([]),
  tenders: z.array(receiptTenderSchema).max(16),
  change: minor.nonnegative().default(0),
  footer: z.array(text(64)).max(12).default([]),
  /** How to print the sale id for returns lookup. */
  saleIdCodes: z.array(z.enum(['qr', 'code128'])).max(2).default(['qr']),
});

export type ReceiptQuantity = z.infer<typeof quantitySchema>;
export type ReceiptDiscount = z.infer<typeof receiptDiscountSchema>;
export type ReceiptLine = z.infer<typeof receiptLineSchema>;
export type ReceiptTax = z.infer<typeof receiptTaxSchema>;
export type ReceiptTender = z.infer<typeof receiptTenderSchema>;
/** A receipt as the register hands it to the printer (output of the schema, defaults applied). */
export type ReceiptDocument = z.infer<typeof receiptDocumentSchema>;
/** What callers may pass in (defaults optional). */
export type ReceiptDocumentInput = z.input<typeof receiptDocumentSchema>;

export interface ReceiptProblem {
  path: string;
  message: string;
}

/**
 * Parses and checks a receipt: the schema, then the arithmetic a customer could check with a
 * pencil (lines add up to the subtotal, tenders cover the total, change is what was over).
 */
export function parseReceipt(input: unknown): { ok: true; receipt: ReceiptDocument } | { ok: false; problems: ReceiptProblem[] } {
  const r = receiptDocumentSchema.safeParse(input);
  if (!r.success) {
    return { ok: false, problems: r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
  }
  const problems = checkReceiptArithmetic(r.data);
  return problems.length ? { ok: false, problems } : { ok: true, receipt: r.data };
}

export function checkReceiptArithmetic(d: ReceiptDocument): ReceiptProblem[] {
  const problems: ReceiptProblem[] = [];
  const lineSum = d.lines.reduce((s, l) => s + l.amount, 0);
  const discSum = d.lines.reduce((s, l) => s + l.discounts.reduce((a, x) => a + x.amount, 0), 0);
  if (lineSum !== d.totals.subtotal) problems.push({ path: 'totals.subtotal', message: `lines add up to ${lineSum}, subtotal says ${d.totals.subtotal}` });
  if (discSum !== d.totals.discountTotal) problems.push({ path: 'totals.discountTotal', message: `line discounts add up to ${discSum}, discountTotal says ${d.totals.discountTotal}` });
  const expectTotal = d.totals.subtotal - d.totals.discountTotal + (d.totals.taxIncluded ? 0 : d.totals.taxTotal);
  if (expectTotal !== d.totals.total) problems.push({ path: 'totals.total', message: `subtotal − discounts${d.totals.taxIncluded ? '' : ' + tax'} is ${expectTotal}, total says ${d.totals.total}` });
  const taxSum = d.taxes.reduce((s, t) => s + t.tax, 0);
  if (d.taxes.length > 0 && taxSum !== d.totals.taxTotal) problems.push({ path: 'totals.taxTotal', message: `tax breakdown adds up to ${taxSum}, taxTotal says ${d.totals.taxTotal}` });
  d.taxes.forEach((t, i) => {
    if (t.net + t.tax !== t.gross) problems.push({ path: `taxes.${i}`, message: `net ${t.net} + tax ${t.tax} ≠ gross ${t.gross}` });
  });
  const codes = new Set(d.taxes.map((t) => t.code));
  d.lines.forEach((l, i) => {
    if (l.taxCode !== undefined && d.taxes.length > 0 && !codes.has(l.taxCode)) problems.push({ path: `lines.${i}.taxCode`, message: `tax code ${l.taxCode} is not in taxes` });
  });
  const paid = d.tenders.reduce((s, t) => s + t.amount, 0);
  if (paid - d.change !== d.totals.total) problems.push({ path: 'change', message: `tenders ${paid} − change ${d.change} ≠ total ${d.totals.total}` });
  d.tenders.forEach((t, i) => {
    if (t.kind === 'card' && !t.card) problems.push({ path: `tenders.${i}.card`, message: 'a card tender needs the masked card details' });
  });
  return problems;
}
