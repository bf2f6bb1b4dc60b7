import type { MoneyView } from '../core/register-api';
import { currencyExponent, quantityToString, type Quantity } from '../core/money';

// Money and dates through Intl for the store's locale. Minor units are turned into a decimal
// string first so no float arithmetic touches an amount.

export function formatMoney(m: MoneyView, locale: string): string {
  const exp = currencyExponent(m.currency);
  const neg = m.amount < 0;
  const digits = String(Math.abs(m.amount)).padStart(exp + 1, '0');
  const dec = exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
  // Intl accepts a decimal string exactly (no float rounding) in modern engines.
  const f = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency, minimumFractionDigits: exp, maximumFractionDigits: exp });
  return f.format((neg ? `-${dec}` : dec) as unknown as number);
}

export function formatQty(q: Quantity, unit: string, locale: string): string {
  const s = quantityToString(q);
  const f = new Intl.NumberFormat(locale, { minimumFractionDigits: q.scale, maximumFractionDigits: q.scale });
  const txt = f.format(s as unknown as number);
  return unit === 'each' ? txt : `${txt} ${unit}`;
}

export function formatDateTime(iso: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso));
}

/** "12.34" or "12,34" typed by a cashier into minor units (no floats). */
export function parseAmount(text: string, currency: string): MoneyView | null {
  const exp = currencyExponent(currency);
  const t = text.trim().replace(',', '.');
  const m = /^(\d{1,9})(?:\.(\d{0,4}))?$/.exec(t);
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(exp, '0');
  if (frac.length > exp) return null;
  return { amount: Number(m[1]) * 10 ** exp + (exp ? Number(frac) : 0), currency };
}

/** Cents typed on a keypad ("1250" → 12.50) — the way cash registers take amounts. */
export function keypadAmount(digits: string, currency: string): MoneyView {
  const n = digits.replace(/\D/g, '').slice(0, 9);
  return { amount: n ? Number(n) : 0, currency };
}

export function relativeAge(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
