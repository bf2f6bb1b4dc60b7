// PCI hygiene: find anything that looks like a primary account number (PAN) so it can be
// masked before it reaches a journal, a log line, IPC or a crash report. Pure TypeScript so
// the register, the hub and tests all use the same rule.
//
// A PAN candidate is a run of 13–19 digits (optionally grouped by single spaces or dashes,
// as on a printed card) that passes the Luhn check and starts with a plausible issuer prefix
// (major industry identifier 2–6). The prefix rule cuts false positives on other numbers;
// it cannot remove them all: about one in ten 13-digit EAN codes starting with 3–6 is also
// Luhn-valid, so callers that mask journals will mask some article numbers too (safe side).

export const PAN_MIN_DIGITS = 13;
export const PAN_MAX_DIGITS = 19;
/** Bound on the text we scan in one call (TigerBeetle style: every loop has a limit). */
export const PAN_SCAN_MAX_CHARS = 4 * 1024 * 1024;

export interface PanHit {
  /** Index of the first digit in the scanned text. */
  start: number;
  /** Index one past the last digit. */
  end: number;
  /** The digits only, for callers that need to mask; never log this. */
  digits: string;
  /** maskPan(digits): first 6 and last 4 at most. */
  masked: string;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes in use by card schemes (MII 2–6); 1/7/8/9/0 are airlines, telecom, national ids. */
export function plausibleIssuerPrefix(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  if (first >= 3 && first <= 6) return true;
  if (first === 2) {
    const four = Number(digits.slice(0, 4));
    return four >= 2221 && four <= 2720; // Mastercard 2-series
  }
  return false;
}

export function isLikelyPan(digits: string): boolean {
  return (
    digits.length >= PAN_MIN_DIGITS &&
    digits.length <= PAN_MAX_DIGITS &&
    plausibleIssuerPrefix(digits) &&
    luhnValid(digits)
  );
}

/**
 * Mask a card number to at most its first six and last four digits. Shorter inputs keep
 * fewer: a number of 10 digits or fewer shows only its last four (or nothing below 5).
 * Any non-digit (a terminal's own mask character) is treated as already hidden.
 */
export function maskPan(pan: string, maskChar = '*'): string {
  const chars = [...pan.replace(/[\s-]/g, '')];
  const n = chars.length;
  const showFirst = n >= 13 ? 6 : 0;
  const showLast = n >= 5 ? Math.min(4, n - showFirst) : 0;
  return chars
    .map((c, i) => {
      const visible = i < showFirst || i >= n - showLast;
      return visible && /\d/.test(c) ? c : maskChar;
    })
    .join('');
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Find every PAN-like run in `text`. Runs of digits may be grouped by single spaces or
 * dashes. Within a longer digit run every 13–19 digit window is checked, because a PAN can
 * sit inside a longer number in a hex dump or a concatenated field.
 */
export function findPans(text: string): PanHit[] {
  if (text.length > PAN_SCAN_MAX_CHARS) {
    throw new Error(`findPans: input of ${text.length} chars exceeds the ${PAN_SCAN_MAX_CHARS} bound; scan in chunks`);
  }
  const hits: PanHit[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // Collect one digit group run: digits, allowing a single ' ' or '-' between digits.
    const positions: number[] = [];
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (isDigit(c)) {
        positions.push(j);
        j++;
      } else if ((c === 32 || c === 45) && j + 1 < text.length && isDigit(text.charCodeAt(j + 1)) && positions.length > 0) {
        j++;
      } else break;
    }
    const digits = positions.map((p) => text[p]).join('');
    if (digits.length >= PAN_MIN_DIGITS) {
      let k = 0;
      while (k + PAN_MIN_DIGITS <= digits.length) {
        let found = false;
        for (let len = Math.min(PAN_MAX_DIGITS, digits.length - k); len >= PAN_MIN_DIGITS; len--) {
          const cand = digits.slice(k, k + len);
          if (isLikelyPan(cand)) {
            hits.push({ start: positions[k]!, end: positions[k + len - 1]! + 1, digits: cand, masked: maskPan(cand) });
            k += len;
            found = true;
            break;
          }
        }
        if (!found) k++;
      }
    }
    i = j;
  }
  return hits;
}

/** Hex string of bytes, so BCD-packed PANs (ZVT BMP 22, EMV tag 5A) become digit runs. */
function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Scan raw bytes both as text (ASCII digits) and as packed BCD nibbles. */
export function findPansInBytes(bytes: Uint8Array): PanHit[] {
  let latin1 = '';
  for (const b of bytes) latin1 += String.fromCharCode(b);
  return [...findPans(latin1), ...findPans(toHex(bytes))];
}

/** Replace every PAN-like run in `text` by its masked form. */
export function redactPans(text: string): string {
  const hits = findPans(text);
  if (hits.length === 0) return text;
  let out = '';
  let at = 0;
  for (const h of hits) {
    out += text.slice(at, h.start) + h.masked;
    at = h.end;
  }
  return out + text.slice(at);
}

/**
 * Scan any value (events, results, log records) deeply: strings, numbers, byte arrays,
 * arrays and plain objects, bounded in depth and node count. Returns where each hit was.
 */
export function scanValueForPans(value: unknown, maxNodes = 100_000): Array<{ path: string; hit: PanHit }> {
  const found: Array<{ path: string; hit: PanHit }> = [];
  let nodes = 0;
  const seen = new Set<unknown>();
  const visit = (v: unknown, path: string, depth: number): void => {
    if (++nodes > maxNodes) throw new Error(`scanValueForPans: more than ${maxNodes} nodes`);
    if (depth > 64) throw new Error(`scanValueForPans: deeper than 64 at ${path}`);
    if (typeof v === 'string') {
      for (const hit of findPans(v)) found.push({ path, hit });
    } else if (typeof v === 'number' || typeof v === 'bigint') {
      for (const hit of findPans(String(v))) found.push({ path, hit });
    } else if (v instanceof Uint8Array) {
      for (const hit of findPansInBytes(v)) found.push({ path, hit });
    } else if (v && typeof v === 'object') {
      if (seen.has(v)) return;
      seen.add(v);
      if (v instanceof Error) {
        visit(v.message, `${path}.message`, depth + 1);
        if (v.stack) visit(v.stack, `${path}.stack`, depth + 1);
      }
      if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
      else for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`, depth + 1);
    }
  };
  visit(value, '$', 0);
  return found;
}

/**
 * A copy of `value` with every PAN-like run in its strings masked (and PAN-like numbers
 * replaced by their masked string), for journal payloads and log records. Plain data only
 * (strings, numbers, booleans, null, arrays, plain objects); byte arrays are replaced by a
 * placeholder when they contain a PAN. Bounded in depth and node count.
 */
export function redactValue<T>(value: T, maxNodes = 100_000): T {
  let nodes = 0;
  const walk = (v: unknown, depth: number): unknown => {
    if (++nodes > maxNodes) throw new Error(`redactValue: more than ${maxNodes} nodes`);
    if (depth > 64) throw new Error('redactValue: deeper than 64');
    if (typeof v === 'string') return redactPans(v);
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      const s = String(Math.abs(v));
      return isLikelyPan(s) ? maskPan(s) : v;
    }
    if (typeof v === 'bigint') {
      const s = (v < 0n ? -v : v).toString();
      return isLikelyPan(s) ? maskPan(s) : v;
    }
    if (v instanceof Uint8Array) return findPansInBytes(v).length > 0 ? `[${v.length} bytes redacted: card number]` : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[redactPans(k)] = walk(x, depth + 1);
      return out;
    }
    return v;
  };
  return walk(value, 0) as T;
}
