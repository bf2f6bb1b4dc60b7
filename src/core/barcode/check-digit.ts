import { BarcodeError } from './errors';

// GS1 General Specifications 7.9.1: mod-10 with weights 3,1,3,… counted from the rightmost data digit.
// The same routine serves GTIN-8/12/13/14, SSCC, GLN, GSIN, GSRN and the leading part of GDTI/GRAI.

function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  if (d < 0 || d > 9) {
    throw new BarcodeError('BAD_CHARACTER', `expected a digit at position ${i + 1} of "${s}", got "${s[i]}"`);
  }
  return d;
}

/** Check digit for `body` (all digits, without its check digit). */
export function gs1CheckDigit(body: string): number {
  if (body.length === 0) throw new BarcodeError('BAD_LENGTH', 'cannot compute a check digit of an empty number');
  let sum = 0;
  let weight3 = true;
  for (let i = body.length - 1; i >= 0; i--) {
    const d = digitAt(body, i);
    sum += weight3 ? d * 3 : d;
    weight3 = !weight3;
  }
  return (10 - (sum % 10)) % 10;
}

/** `body` followed by its check digit. */
export function withCheckDigit(body: string): string {
  return body + String(gs1CheckDigit(body));
}

/** True when `code` (digits, check digit last) has a correct GS1 check digit. Never throws. */
export function hasValidCheckDigit(code: string): boolean {
  if (code.length < 2 || !isAllDigits(code)) return false;
  return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

export function isAllDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// GS1 General Specifications 7.9.3 (price/weight check digit). Each table gives the "weighted
// product" of a digit for one weighting factor: "2-" = units of 2d minus its tens, "3" = units
// of 3d, "5+" = units of 5d plus its tens, "5-" = units of 5d minus its tens (all mod 10).
const W2_MINUS = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7] as const;
const W3 = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7] as const;
const W5_PLUS = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9] as const;
const W5_MINUS = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1] as const;

/**
 * Check digit of a 4- or 5-digit price/weight field in a restricted circulation number.
 * 4 digits: factors 2-,2-,3,5-; the units digit of 3 × sum.
 * 5 digits: factors 5+,2-,5-,5+,2-; the digit whose 5- product equals (10 − sum mod 10) mod 10.
 */
export function priceCheckDigit(value: string): number {
  if (value.length === 4) {
    const sum =
      W2_MINUS[digitAt(value, 0)]! + W2_MINUS[digitAt(value, 1)]! + W3[digitAt(value, 2)]! + W5_MINUS[digitAt(value, 3)]!;
    return (sum * 3) % 10;
  }
  if (value.length === 5) {
    const sum =
      W5_PLUS[digitAt(value, 0)]! +
      W2_MINUS[digitAt(value, 1)]! +
      W5_MINUS[digitAt(value, 2)]! +
      W5_PLUS[digitAt(value, 3)]! +
      W2_MINUS[digitAt(value, 4)]!;
    const target = (10 - (sum % 10)) % 10;
    const d = W5_MINUS.indexOf(target as (typeof W5_MINUS)[number]);
    if (d < 0) throw new Error('unreachable: 5- products cover every digit');
    return d;
  }
  throw new BarcodeError('BAD_LENGTH', `a price check digit needs a 4- or 5-digit field, got ${value.length} digits`);
}
