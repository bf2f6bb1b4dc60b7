import { z } from 'zod';
import { gs1CheckDigit, priceCheckDigit } from './check-digit';
import { BarcodeError } from './errors';

// Restricted circulation numbers (GS1 General Specifications 2.1.11 and 7.9.3): EAN-13 codes with
// prefix 02 or 20–29 (UPC-A number system 2 is the same number space, "02" in 13-digit form)
// that a store or country assigns itself, typically for goods weighed or priced at a scale.
// What the digits after the prefix mean is a local convention, hence a layout per prefix.

export interface RcnLayout {
  readonly kind: 'price' | 'weight';
  /** Digits of the item reference right after the 2-digit prefix. */
  readonly itemDigits: number;
  /** Digits of the embedded price or weight, just before the final check digit. */
  readonly valueDigits: number;
  /** Implied decimals: of the currency for a price, of kilograms for a weight (3 = grams). */
  readonly decimals: number;
  /** A price/weight check digit (GS1 7.9.3) sits between item reference and value. */
  readonly hasValueCheckDigit: boolean;
}

/** Prefix in 13-digit form ("02", "20"…"29") → layout. */
export type RcnLayouts = Readonly<Record<string, RcnLayout>>;

export const RCN_PREFIX = /^(02|2\d)$/;

export const RcnLayoutSchema = z
  .object({
    kind: z.enum(['price', 'weight']),
    itemDigits: z.number().int().min(1).max(9),
    valueDigits: z.number().int().min(1).max(9),
    decimals: z.number().int().min(0).max(6),
    hasValueCheckDigit: z.boolean(),
  })
  .strict()
  .refine((l) => l.itemDigits + l.valueDigits + (l.hasValueCheckDigit ? 1 : 0) === 10, {
    message: 'itemDigits + valueDigits (+1 for a value check digit) must be 10 (13 digits minus 2-digit prefix and check digit)',
  })
  .refine((l) => !l.hasValueCheckDigit || l.valueDigits === 4 || l.valueDigits === 5, {
    message: 'a value check digit is defined only for 4- or 5-digit values',
  });

export const RcnLayoutsSchema = z.record(
  z.string().regex(RCN_PREFIX, 'prefix must be "02" or "20"–"29" (13-digit form; UPC-A "2" is "02")'),
  RcnLayoutSchema,
);

/** Validate a layout table from a config file. Throws BarcodeError('BAD_CONFIG') naming the bad field. */
export function parseRcnLayouts(input: unknown): RcnLayouts {
  const r = RcnLayoutsSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    throw new BarcodeError('BAD_CONFIG', `restricted circulation layout ${where}: ${issue.message}`);
  }
  return r.data;
}

const price5 = (): RcnLayout => ({ kind: 'price', itemDigits: 5, valueDigits: 5, decimals: 2, hasValueCheckDigit: false });
const weight5 = (): RcnLayout => ({ kind: 'weight', itemDigits: 5, valueDigits: 5, decimals: 3, hasValueCheckDigit: false });

/**
 * Ready-made layouts. Which prefix means price and which weight differs by country and even by
 * retailer, so these are starting points for the store configuration, not a standard.
 * - `eu`: "2x IIIII PPPPP C" price for 20–24 (cents), "2x IIIII WWWWW C" weight for 25–29 (grams).
 * - `us`: UPC-A "2 IIIII PPPPP C" (13-digit form "02…"), price in cents, no price check digit.
 * - `usPriceCheck`: UPC-A "2 IIIII V PPPP C" with the 4-digit price check digit V.
 */
export const RCN_PRESETS: Readonly<Record<'eu' | 'us' | 'usPriceCheck', RcnLayouts>> = {
  eu: { '20': price5(), '21': price5(), '22': price5(), '23': price5(), '24': price5(), '25': weight5(), '26': weight5(), '27': weight5(), '28': weight5(), '29': weight5() },
  us: { '02': price5() },
  usPriceCheck: { '02': { kind: 'price', itemDigits: 5, valueDigits: 4, decimals: 2, hasValueCheckDigit: true } },
};

/** Used when parseScan gets no `rcn` option: the `eu` and `us` presets together. */
export const DEFAULT_RCN_LAYOUTS: RcnLayouts = { ...RCN_PRESETS.us, ...RCN_PRESETS.eu };

export interface RcnDecoded {
  readonly prefix: string;
  readonly kind: 'price' | 'weight';
  readonly itemReference: string;
  /** The embedded value as an integer in units of 10^-decimals. */
  readonly value: number;
  readonly decimals: number;
  /** The code with value (and value check digit) zeroed and the check digit recomputed, as 14 digits. */
  readonly lookupKey: string;
}

/** True when a 13-digit code is in the restricted circulation range (02, 20–29). */
export function isRestrictedPrefix(code13: string): boolean {
  return code13.length === 13 && (code13[0] === '2' || (code13[0] === '0' && code13[1] === '2'));
}

/**
 * Decode a restricted circulation number in 13-digit form (its overall check digit already
 * verified). Returns undefined when no layout is configured for its prefix.
 */
export function decodeRcn(code13: string, layouts: RcnLayouts): RcnDecoded | undefined {
  if (!isRestrictedPrefix(code13)) return undefined;
  const prefix = code13.slice(0, 2);
  const layout = layouts[prefix];
  if (!layout) return undefined;
  const vcd = layout.hasValueCheckDigit ? 1 : 0;
  if (2 + layout.itemDigits + vcd + layout.valueDigits + 1 !== 13) {
    throw new BarcodeError('BAD_CONFIG', `restricted circulation layout ${prefix}: digits do not add up to 13`);
  }
  const itemEnd = 2 + layout.itemDigits;
  const valueStart = itemEnd + vcd;
  const valueText = code13.slice(valueStart, 12);
  if (vcd) {
    const got = code13.charCodeAt(itemEnd) - 48;
    const expected = priceCheckDigit(valueText);
    if (got !== expected) {
      throw new BarcodeError(
        'BAD_PRICE_CHECK_DIGIT',
        `restricted circulation number ${code13}: ${layout.kind} check digit ${got} does not match ${layout.kind} ${valueText} (expected ${expected})`,
      );
    }
  }
  const zeroedBody = code13.slice(0, itemEnd) + '0'.repeat(vcd + layout.valueDigits);
  return {
    prefix,
    kind: layout.kind,
    itemReference: code13.slice(2, itemEnd),
    value: Number(valueText),
    decimals: layout.decimals,
    lookupKey: '0' + zeroedBody + String(gs1CheckDigit(zeroedBody)),
  };
}

/**
 * Build a restricted circulation number (13-digit form) from item reference and value: for
 * label printing at a scale and for tests. `value` is an integer in units of 10^-decimals.
 */
export function encodeRcn(prefix: string, layout: RcnLayout, itemReference: string, value: number): string {
  if (!RCN_PREFIX.test(prefix)) throw new BarcodeError('BAD_CONFIG', `restricted circulation prefix must be 02 or 20–29, got "${prefix}"`);
  if (!/^\d+$/.test(itemReference) || itemReference.length !== layout.itemDigits) {
    throw new BarcodeError('BAD_LENGTH', `item reference must be ${layout.itemDigits} digits, got "${itemReference}"`);
  }
  if (!Number.isSafeInteger(value) || value < 0 || value >= 10 ** layout.valueDigits) {
    throw new BarcodeError('BAD_LENGTH', `${layout.kind} ${value} does not fit in ${layout.valueDigits} digits`);
  }
  const v = String(value).padStart(layout.valueDigits, '0');
  const body = prefix + itemReference + (layout.hasValueCheckDigit ? String(priceCheckDigit(v)) : '') + v;
  if (body.length !== 12) throw new BarcodeError('BAD_CONFIG', `restricted circulation layout ${prefix}: digits do not add up to 13`);
  return body + String(gs1CheckDigit(body));
}
