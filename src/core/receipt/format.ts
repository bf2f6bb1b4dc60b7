// Small locale-aware formatters for receipts. Amounts arrive as integer minor units and are
// turned into a decimal string before Intl sees them, so no float ever touches money.

import { currencyExponent } from '../money/currency';
import type { ReceiptQuantity } from './document';

/** "1234" minor units with exponent 2 → "12.34"; exact for any safe integer. */
export function minorToDecimalString(minor: number, exponent: number): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`amount ${minor} is not a safe integer of minor units`);
  const neg = minor < 0;
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const int = exponent === 0 ? digits : digits.slice(0, -exponent);
  const frac = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${neg ? '-' : ''}${int}${frac}`;
}

const cache = new Map<string, Intl.NumberFormat>();
function nf(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    if (cache.size > 64) cache.clear();
    f = new Intl.NumberFormat(locale, options);
    cache.set(key, f);
  }
  return f;
}

// Intl.NumberFormat.format accepts a decimal string and formats it exactly (ES2023), but the
// DOM lib typing only allows number | bigint.
type ExactFormat = (value: string) => string;

/** 123456, "EUR", "de-DE" → "1.234,56 €". `display: 'code'` gives "EUR 1,234.56"-style output. */
export function formatMoney(minor: number, currency: string, locale: string, display: 'symbol' | 'code' | 'none' = 'symbol'): string {
  const exp = currencyExponent(currency);
  const s = minorToDecimalString(minor, exp);
  const f =
    display === 'none'
      ? nf(locale, { minimumFractionDigits: exp, maximumFractionDigits: exp, useGrouping: true })
      : nf(locale, { style: 'currency', currency, currencyDisplay: display, minimumFractionDigits: exp, maximumFractionDigits: exp });
  return (f.format as unknown as ExactFormat)(s);
}

/** 2000 basis points → "20 %" in the locale ("20%" in en-US). */
export function formatRate(basisPoints: number, locale: string): string {
  const s = minorToDecimalString(basisPoints, 4);
  return (nf(locale, { style: 'percent', maximumFractionDigits: 2 }).format as unknown as ExactFormat)(s);
}

/** A count "3", or a weight "0.355 kg". */
export function formatQuantity(q: ReceiptQuantity, locale: string): string {
  if (q.kind === 'count') return (nf(locale, { maximumFractionDigits: 0 }).format as unknown as ExactFormat)(String(q.value));
  return `${(nf(locale, { minimumFractionDigits: 3, maximumFractionDigits: 3 }).format as unknown as ExactFormat)(minorToDecimalString(q.milli, 3))} ${q.unit}`;
}

/** Date and time of the receipt in the store's locale and the timestamp's own offset. */
export function formatIssuedAt(iso: string, locale: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a timestamp: ${iso}`);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', ...(timeZone ? { timeZone } : {}) }).format(d);
}
