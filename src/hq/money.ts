import i18next from 'i18next';
import { currentLocale } from './i18n';
import { currencyExponent, formatMoney, MoneyError, money, parseMoney, type Money } from '../core/money';

// Money on screen goes through core's helpers: integer minor units in, Intl out, no floats.
// Amounts from the hub are signed (a refund or post-void is negative).

export function fmt(amount: number, currency: string, locale = currentLocale()): string {
  return formatMoney(money(amount, currency), locale);
}

/** Why a text is not a price: a code and its values (the console words it in its language, priceProblem). */
export type PriceProblem = { ok: false; reason: string } & (
  | { code: 'empty' | 'negative'; values?: undefined }
  | { code: 'ambiguous'; values: { text: string; a: string; b: string } }
  | { code: 'decimals'; values: { text: string; n: number; currency: string; exp: number } }
  | { code: 'invalid'; values: { text: string } }
);

/** "12.34", "12,34" or "1,234.50" typed into a price field, in the store's currency; a code and an English reason (CSV, hub) when it is not a price. */
export function parsePrice(text: string, currency: string): { ok: true; amount: number } | PriceProblem {
  const raw = text.trim().replace(/[\s\u00a0']/g, '');
  if (!raw) return { ok: false, code: 'empty', reason: 'empty price' };
  const exp = currencyExponent(currency);
  // Both "." and "," present: the last one is the decimal separator, the others group
  // thousands ("1,234.50", "1.234,50"). One of them several times: grouping ("1.234.567").
  // One of them once: the decimal separator; but with exactly three digits after it in a
  // currency of two decimals, "1.234" could be either, and a price is not guessed.
  const dots = raw.split('.').length - 1;
  const commas = raw.split(',').length - 1;
  const last = Math.max(raw.lastIndexOf('.'), raw.lastIndexOf(','));
  let t: string;
  if (dots && commas) t = `${raw.slice(0, last).replace(/[.,]/g, '')}.${raw.slice(last + 1)}`;
  else if (dots + commas > 1) t = raw.replace(/[.,]/g, '');
  else if (dots + commas === 1) {
    if (raw.length - last - 1 === 3 && exp !== 3) {
      const values = { text: text.trim(), a: raw.replace(/[.,]/, ''), b: `${raw.slice(0, last)}.${raw.slice(last + 1, last + 1 + Math.max(exp, 1))}` };
      return { ok: false, code: 'ambiguous', values, reason: `"${values.text}" is ambiguous: write ${values.a} or ${values.b}` };
    }
    t = `${raw.slice(0, last)}.${raw.slice(last + 1)}`;
  } else t = raw;
  const frac = /^-?\d+(?:\.(\d+))?$/.exec(t)?.[1];
  if (frac !== undefined && frac.length > exp) {
    return { ok: false, code: 'decimals', values: { text: text.trim(), n: frac.length, currency, exp }, reason: `"${text.trim()}" has ${frac.length} decimals; ${currency} has ${exp}` };
  }
  try {
    const m: Money = parseMoney(t, currency);
    if (m.amount < 0) return { ok: false, code: 'negative', reason: 'a price cannot be negative' };
    return { ok: true, amount: m.amount };
  } catch (err) {
    return { ok: false, code: 'invalid', values: { text: text.trim() }, reason: err instanceof MoneyError ? err.message : String(err) };
  }
}

/** A price problem in the console's language. */
export function priceProblem(p: PriceProblem): string {
  return i18next.t(`price.${p.code}`, { ...p.values });
}

/** Minor units as the decimal a person types back ("12.34"), for prefilling a field. */
export function toInput(amount: number, currency: string): string {
  const exp = currencyExponent(currency);
  const digits = String(Math.abs(amount)).padStart(exp + 1, '0');
  return exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}
