import { BarcodeError } from './errors';
import { gs1CheckDigit, isAllDigits } from './check-digit';

export type GtinFormat = 'EAN-8' | 'UPC-A' | 'EAN-13' | 'GTIN-14' | 'UPC-E';

function requireDigits(code: string, what: string): void {
  if (!isAllDigits(code)) {
    throw new BarcodeError('BAD_CHARACTER', `${what} must be digits only, got "${code}"`);
  }
}

function requireCheckDigit(code: string, what: string): void {
  const expected = gs1CheckDigit(code.slice(0, -1));
  const got = code.charCodeAt(code.length - 1) - 48;
  if (expected !== got) {
    throw new BarcodeError('BAD_CHECK_DIGIT', `${what} ${code}: bad check digit ${got}, expected ${expected}`);
  }
}

/**
 * Expand a UPC-E to its 12-digit UPC-A (GS1 General Specifications 5.2.2.4.2).
 * Accepts 8 digits (number system, 6 digits, check digit), 7 digits (number system + 6, check
 * digit computed) or 6 digits (number system 0 assumed). The number system must be 0 or 1.
 * The last of the six digits selects how the manufacturer and item numbers were compressed.
 */
export function expandUpcE(upcE: string): string {
  requireDigits(upcE, 'UPC-E');
  let ns: string;
  let six: string;
  let check: string | undefined;
  if (upcE.length === 8) {
    ns = upcE[0]!;
    six = upcE.slice(1, 7);
    check = upcE[7];
  } else if (upcE.length === 7) {
    ns = upcE[0]!;
    six = upcE.slice(1, 7);
  } else if (upcE.length === 6) {
    ns = '0';
    six = upcE;
  } else {
    throw new BarcodeError('BAD_LENGTH', `UPC-E: expected 6, 7 or 8 digits, got ${upcE.length}`);
  }
  if (ns !== '0' && ns !== '1') {
    throw new BarcodeError('BAD_FORMAT', `UPC-E: number system must be 0 or 1, got ${ns}`);
  }
  const [x1, x2, x3, x4, x5, x6] = six as unknown as [string, string, string, string, string, string];
  let body: string;
  switch (x6) {
    case '0':
    case '1':
    case '2':
      body = `${ns}${x1}${x2}${x6}0000${x3}${x4}${x5}`;
      break;
    case '3':
      body = `${ns}${x1}${x2}${x3}00000${x4}${x5}`;
      break;
    case '4':
      body = `${ns}${x1}${x2}${x3}${x4}00000${x5}`;
      break;
    default:
      body = `${ns}${x1}${x2}${x3}${x4}${x5}0000${x6}`;
  }
  const upcA = body + String(gs1CheckDigit(body));
  if (check !== undefined && check !== upcA[11]) {
    throw new BarcodeError('BAD_CHECK_DIGIT', `UPC-E ${upcE}: bad check digit ${check}, expected ${upcA[11]} (of UPC-A ${upcA})`);
  }
  return upcA;
}

/**
 * The 8-digit UPC-E for a UPC-A, or undefined when the UPC-A has no zero-suppressed form.
 * Candidates are tried in the order of the expansion rules and confirmed by expanding back,
 * so the result always satisfies expandUpcE(result) === upcA.
 */
export function compressUpcA(upcA: string): string | undefined {
  requireDigits(upcA, 'UPC-A');
  if (upcA.length !== 12) throw new BarcodeError('BAD_LENGTH', `UPC-A: expected 12 digits, got ${upcA.length}`);
  requireCheckDigit(upcA, 'UPC-A');
  const ns = upcA[0]!;
  if (ns !== '0' && ns !== '1') return undefined;
  const m = upcA.slice(1, 6);
  const p = upcA.slice(6, 11);
  const c = upcA[11]!;
  const candidates: string[] = [];
  if ('012'.includes(m[2]!) && m.slice(3) === '00' && p.slice(0, 2) === '00') candidates.push(m.slice(0, 2) + p.slice(2) + m[2]);
  if (m.slice(3) === '00' && p.slice(0, 3) === '000') candidates.push(m.slice(0, 3) + p.slice(3) + '3');
  if (m[4] === '0' && p.slice(0, 4) === '0000') candidates.push(m.slice(0, 4) + p[4] + '4');
  if (p.slice(0, 4) === '0000' && p[4]! >= '5') candidates.push(m + p[4]);
  for (const six of candidates) {
    const e = ns + six + c;
    if (expandUpcE(e) === upcA) return e;
  }
  return undefined;
}

/**
 * Normalise an EAN-8, UPC-A, EAN-13 or GTIN-14 (by length) to its 14-digit GTIN, checking the
 * check digit. A UPC-E must be named explicitly (8 digits are EAN-8 otherwise).
 */
export function toGtin14(code: string, format?: GtinFormat): string {
  requireDigits(code, 'GTIN');
  if (format === 'UPC-E') return '00' + expandUpcE(code);
  const expectedLength = format === undefined ? undefined : { 'EAN-8': 8, 'UPC-A': 12, 'EAN-13': 13, 'GTIN-14': 14 }[format];
  const what = format ?? gtinFormatOfLength(code.length);
  if (expectedLength !== undefined && code.length !== expectedLength) {
    throw new BarcodeError('BAD_LENGTH', `${format}: expected ${expectedLength} digits, got ${code.length}`);
  }
  if (code.length !== 8 && code.length !== 12 && code.length !== 13 && code.length !== 14) {
    throw new BarcodeError('BAD_LENGTH', `GTIN: expected 8, 12, 13 or 14 digits, got ${code.length}`);
  }
  requireCheckDigit(code, what);
  return code.padStart(14, '0');
}

function gtinFormatOfLength(n: number): string {
  return n === 8 ? 'EAN-8' : n === 12 ? 'UPC-A' : n === 13 ? 'EAN-13' : n === 14 ? 'GTIN-14' : 'GTIN';
}

/** True when `code` is an EAN-8/UPC-A/EAN-13/GTIN-14 with a correct check digit. Never throws. */
export function isValidGtin(code: string): boolean {
  try {
    toGtin14(code);
    return true;
  } catch {
    return false;
  }
}
