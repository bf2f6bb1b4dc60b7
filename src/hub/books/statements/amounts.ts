import { currencyExponent, isKnownCurrency } from '../../../core/money/currency';
import type { BalanceCheck, BankStatement, DatedAmount, StatementEntry } from './types';

// Amounts stay decimal strings from the file to the output: a statement is never summed in
// floating point. Sums are done in bigint units of the largest scale in play.

const CCY = /^[A-Z]{3}$/;

export function isCurrencyCode(s: string): boolean {
  return CCY.test(s);
}

/**
 * Normalises an unsigned decimal ("1234.5", "1234,50", "0.00") to the currency's decimals
 * ("1234.50"). Returns null when it is not a plain decimal or has more non-zero decimals
 * than the currency allows. A currency we have no exponent for (XXX, a new code) keeps the
 * decimals the file wrote.
 */
/** Withdrawn currencies old statements (and banks' sample files) are still written in (ISO 4217 list three). */
const PRE_EURO: Readonly<Record<string, number>> = { DEM: 2, NLG: 2, FRF: 2, ATS: 2, FIM: 2, IEP: 2, BEF: 0, LUF: 0, ITL: 0, ESP: 0, PTE: 0, GRD: 0 };

export function normaliseDecimal(text: string, currency: string, decimalMark: '.' | ',' = '.'): string | null {
  const t = text.trim();
  const re = decimalMark === '.' ? /^(\d{1,18})(?:\.(\d{0,9}))?$/ : /^(\d{1,18})(?:,(\d{0,9}))?$/;
  const m = re.exec(t);
  if (!m) return null;
  const intPart = m[1]!.replace(/^0+(?=\d)/, '');
  let frac = m[2] ?? '';
  const exp = isKnownCurrency(currency) ? currencyExponent(currency) : PRE_EURO[currency];
  if (exp !== undefined) {
    if (frac.length > exp) {
      if (!/^0*$/.test(frac.slice(exp))) return null;
      frac = frac.slice(0, exp);
    }
    frac = frac.padEnd(exp, '0');
  }
  return frac.length > 0 ? `${intPart}.${frac}` : intPart;
}

export function signed(unsigned: string, negative: boolean): string {
  return negative && !/^0+(\.0+)?$/.test(unsigned) ? `-${unsigned}` : unsigned;
}

function scaleOf(s: string): number {
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

function toUnits(s: string, scale: number): bigint {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [i, f = ''] = body.split('.');
  const v = BigInt(`${i}${f.padEnd(scale, '0')}`);
  return neg ? -v : v;
}

/** Σ of signed decimal strings, compared exactly: a + Σ entries == b ? */
export function sumsTo(opening: string, amounts: readonly string[], closing: string): boolean {
  const scale = Math.max(scaleOf(opening), scaleOf(closing), ...amounts.map(scaleOf));
  let total = toUnits(opening, scale);
  for (const a of amounts) total += toUnits(a, scale);
  return total === toUnits(closing, scale);
}

/** Adds a signed decimal to another, exactly; keeps the larger scale. */
export function addDecimal(a: string, b: string): string {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const v = toUnits(a, scale) + toUnits(b, scale);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
  const body = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${body}` : body;
}

/**
 * ok: opening + Σ entries in the statement currency = closing. "no balances" when either
 * balance is missing, or entries in another currency make the sum meaningless.
 */
export function balanceCheck(opening: DatedAmount | null, closing: DatedAmount | null, entries: readonly StatementEntry[], currency: string): BalanceCheck {
  if (!opening || !closing) return 'no balances';
  if (entries.some((e) => e.currency !== currency)) return 'no balances';
  return sumsTo(opening.amount, entries.map((e) => e.amount), closing.amount) ? 'ok' : 'mismatch';
}

export function finishStatement(s: Omit<BankStatement, 'balance_check'>): BankStatement {
  return { account: s.account, currency: s.currency, opening: s.opening, closing: s.closing, balance_check: balanceCheck(s.opening, s.closing, s.entries, s.currency), entries: s.entries };
}

const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** YYYY-MM-DD when y/m/d is a real calendar date, else null. */
export function isoDate(y: number, m: number, d: number): string | null {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || m < 1 || m > 12 || d < 1 || d > DAYS[m - 1]!) return null;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Collapses whitespace and bounds length; statement text is shown to people and stored. */
export function cleanText(s: string, max = 1000): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}
