import { BarcodeError } from './errors';

export interface Gs1Date {
  readonly year: number;
  readonly month: number;
  /** The actual day: for DD=00 this is the last day of the month. */
  readonly day: number;
  /** True when the code gave DD=00 ("end of month"). */
  readonly endOfMonth: boolean;
  /** YYYY-MM-DD */
  readonly iso: string;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * GS1 General Specifications 7.12: a two-digit year lies within 49 years before to 50 years
 * after the current year. If YY minus the current year's last two digits is 51…99 it is in
 * the previous century, if it is −99…−50 in the next century, otherwise in the current one.
 */
export function resolveCentury(yy: number, currentYear: number): number {
  const cur = currentYear % 100;
  const base = currentYear - cur;
  const diff = yy - cur;
  if (diff >= 51) return base - 100 + yy;
  if (diff <= -50) return base + 100 + yy;
  return base + yy;
}

const pad2 = (n: number): string => (n < 10 ? '0' : '') + String(n);

/** Parse YYMMDD (DD=00 = last day of the month). `ai` only names the field in errors. */
export function parseGs1Date(yymmdd: string, currentYear: number, ai = ''): Gs1Date {
  const label = ai ? `AI (${ai}): ` : '';
  if (!/^\d{6}$/.test(yymmdd)) throw new BarcodeError('BAD_DATE', `${label}expected a date YYMMDD, got "${yymmdd}"`, ai || undefined);
  const yy = Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const dd = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12) {
    throw new BarcodeError('BAD_DATE', `${label}invalid date ${yymmdd}: month ${pad2(month)} is not 01–12`, ai || undefined);
  }
  const year = resolveCentury(yy, currentYear);
  const last = daysInMonth(year, month);
  if (dd > last) {
    throw new BarcodeError('BAD_DATE', `${label}invalid date ${yymmdd}: ${year}-${pad2(month)} has ${last} days, got day ${pad2(dd)}`, ai || undefined);
  }
  const day = dd === 0 ? last : dd;
  return { year, month, day, endOfMonth: dd === 0, iso: `${year}-${pad2(month)}-${pad2(day)}` };
}

/** Format a calendar date as YYMMDD (the inverse of parseGs1Date for dates inside the window). */
export function formatGs1Date(year: number, month: number, day: number): string {
  return pad2(year % 100) + pad2(month) + pad2(day);
}
