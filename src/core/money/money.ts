import { currencyExponent, CurrencyError, type CurrencyCode } from './currency';
import { divRound, type RoundingMode } from './rounding';
import type { Quantity } from './quantity';

// Money is an integer count of the currency's minor unit. Every constructor and operation
// asserts that, so a float can never reach a stored amount.

export interface Money {
  readonly amount: number;
  readonly currency: CurrencyCode;
}

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

function assertMinor(amount: number | bigint, what: string): number {
  const n = typeof amount === 'bigint' ? Number(amount) : amount;
  if (!Number.isSafeInteger(n) || (typeof amount === 'bigint' && BigInt(n) !== amount)) {
    throw new MoneyError(`${what} must be a safe integer number of minor units, got ${String(amount)}`);
  }
  return n === 0 ? 0 : n; // no negative zero
}

export function money(amountMinor: number | bigint, currency: CurrencyCode): Money {
  currencyExponent(currency); // refuses unknown currencies
  return { amount: assertMinor(amountMinor, 'amount'), currency };
}

export function zero(currency: CurrencyCode): Money {
  return money(0, currency);
}

function sameCurrency(a: Money, b: Money, op: string): void {
  if (a.currency !== b.currency) throw new CurrencyError(`cannot ${op} ${a.currency} and ${b.currency}`);
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b, 'add');
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b, 'subtract');
  return money(a.amount - b.amount, a.currency);
}

export function negate(a: Money): Money {
  return money(-a.amount, a.currency);
}

export function abs(a: Money): Money {
  return money(Math.abs(a.amount), a.currency);
}

export function sum(items: readonly Money[], currency: CurrencyCode): Money {
  let total = 0;
  for (const m of items) {
    if (m.currency !== currency) throw new CurrencyError(`cannot sum ${m.currency} into ${currency}`);
    total = assertMinor(total + m.amount, 'sum');
  }
  return money(total, currency);
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b, 'compare');
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function equals(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

export const isZero = (a: Money): boolean => a.amount === 0;
export const isNegative = (a: Money): boolean => a.amount < 0;
export const isPositive = (a: Money): boolean => a.amount > 0;

export function min(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Money, b: Money): Money {
  return compare(a, b) >= 0 ? a : b;
}

/** a × numerator / denominator, rounded once at the end. */
export function multiplyRatio(a: Money, numerator: number | bigint, denominator: number | bigint, mode: RoundingMode): Money {
  const num = BigInt(numerator);
  const den = BigInt(denominator);
  return money(divRound(BigInt(a.amount) * num, den, mode), a.currency);
}

/** Unit price × decimal quantity (0.375 kg × 12.99/kg), rounded once. */
export function multiplyByQuantity(unitPrice: Money, q: Quantity, mode: RoundingMode): Money {
  return multiplyRatio(unitPrice, q.units, 10n ** BigInt(q.scale), mode);
}

/**
 * Rounds to a multiple of `increment` minor units, for cash where small coins are out of
 * circulation (CHF, AUD, NZD, CAD to 5 cents; SEK to whole krona = 100).
 */
export function roundToIncrement(a: Money, increment: number, mode: RoundingMode = 'half-up'): Money {
  if (!Number.isSafeInteger(increment) || increment <= 0) throw new MoneyError(`cash rounding increment must be a positive integer, got ${increment}`);
  const inc = BigInt(increment);
  return money(divRound(BigInt(a.amount), inc, mode) * inc, a.currency);
}

/**
 * Splits `a` over integer weights in proportion, by largest remainder, so the parts always
 * sum to exactly `a`. Ties go to the earlier part, which makes the result deterministic.
 */
export function allocate(a: Money, weights: readonly number[]): Money[] {
  if (weights.length === 0) throw new MoneyError('allocate needs at least one weight');
  let total = 0n;
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new MoneyError(`allocation weights must be non-negative integers, got ${w}`);
    total += BigInt(w);
  }
  if (total === 0n) throw new MoneyError('allocation weights sum to zero');
  const amount = BigInt(a.amount);
  const sign = amount < 0n ? -1n : 1n;
  const absAmount = amount * sign;
  const shares = weights.map((w) => (absAmount * BigInt(w)) / total);
  const remainders = weights.map((w, i) => ({ i, r: (absAmount * BigInt(w)) % total }));
  let left = absAmount - shares.reduce((s, x) => s + x, 0n);
  remainders.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map((s) => money(s * sign, a.currency));
}

/** "12.34" for USD 1234, "1234" for JPY 1234, "-0.005" for BHD -5. */
export function toDecimalString(a: Money): string {
  const exp = currencyExponent(a.currency);
  const neg = a.amount < 0;
  const digits = String(Math.abs(a.amount)).padStart(exp + 1, '0');
  const s = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  return neg ? `-${s}` : s;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string in major units ("12.34" USD → 1234). Refuses more decimals than the currency has. */
export function parseMoney(text: string, currency: CurrencyCode): Money {
  const exp = currencyExponent(currency);
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new MoneyError(`not a decimal amount: "${text}"`);
  const frac = m[3] ?? '';
  if (frac.length > exp) throw new MoneyError(`"${text}" has ${frac.length} decimals; ${currency} has ${exp}`);
  return money(BigInt(`${m[1] ?? ''}${m[2]}${frac.padEnd(exp, '0')}`), currency);
}

/** Locale formatting for receipts and screens; never used for stored values. */
export function formatMoney(a: Money, locale = 'en-US'): string {
  const exp = currencyExponent(a.currency);
  // Intl takes a decimal string without converting it to binary floating point.
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: a.currency,
    minimumFractionDigits: exp,
    maximumFractionDigits: exp,
  }).format(toDecimalString(a) as unknown as number);
}
