import { findPans } from '../pci/pan-scan';
import { textProblem } from './text';

// What any journal event may carry, whatever its type: the rules register and hub share so
// that an event the register writes is always one the hub can hash, store and show, and so
// that an event the hub must refuse is refused for a reason it can name (and store).
//
// - every string (and key) obeys the string rule (src/core/protocol/text.ts);
// - every number is a safe integer (canonical JSON hashes nothing else: money is minor units);
// - nesting is at most MAX_EVENT_DEPTH below the payload;
// - no free text carries a card number (a Luhn-valid 13-19 digit run with an issuer prefix);
// - the event_id is a UUID in its canonical lower-case form, so one id has one spelling.

/** Deepest nesting of objects/arrays inside a payload (the hash allows 64 for the whole event). */
export const MAX_EVENT_DEPTH = 32;

/**
 * Keys whose values are not typed at the till: article numbers and references (a GTIN-13
 * is Luhn-valid one time in ten, and so is a payment terminal's own reference number) and
 * the catalog's product description, which may quote an article number. Refusing those
 * would refuse real sales; a card number is typed into reasons and notes.
 */
const NOT_FREE_TEXT_KEYS = new Set(['sku', 'gtin', 'barcode', 'scanned', 'terminal_ref', 'auth_code', 'description']);

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A UUID's dash-joined digit groups often hold a Luhn-valid run: a UUID (alone or quoted in text) is not a card number. */
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export type EventContentCode = 'BAD_TEXT' | 'UNHASHABLE' | 'CARD_NUMBER' | 'NON_CANONICAL_ID';

export interface EventContentProblem {
  code: EventContentCode;
  /** `$.payload.lines[0].description`-style location. */
  path: string;
  reason: string;
}

/** The first thing about `e` that breaks the content rules, or null. Iterative and bounded: never throws. */
export function eventContentProblem(e: { event_id: unknown; payload: unknown }): EventContentProblem | null {
  if (typeof e.event_id === 'string' && !CANONICAL_UUID.test(e.event_id)) {
    return { code: 'NON_CANONICAL_ID', path: '$.event_id', reason: `event_id must be a lower-case UUID (8-4-4-4-12 hex digits), got ${JSON.stringify(e.event_id.slice(0, 40))}` };
  }
  return payloadContentProblem(e.payload, '$.payload');
}

export function payloadContentProblem(payload: unknown, root = '$'): EventContentProblem | null {
  const stack: Array<{ v: unknown; path: string; depth: number; key: string }> = [{ v: payload, path: root, depth: 0, key: '' }];
  let pan: EventContentProblem | null = null;
  while (stack.length > 0) {
    const { v, path, depth, key } = stack.pop()!;
    if (typeof v === 'string') {
      const p = textProblem(v);
      if (p) return { code: 'BAD_TEXT', path, reason: `${path}: ${p}` };
      if (!pan && v.length >= 13 && !NOT_FREE_TEXT_KEYS.has(key) && findPans(v.replace(UUIDS, '~')).length > 0) {
        pan = { code: 'CARD_NUMBER', path, reason: `${path}: free text carries a card number; only a masked number (first 6, last 4) may be recorded` };
      }
    } else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) {
        return { code: 'UNHASHABLE', path, reason: `${path}: only safe integers (within ±(2^53-1)) may be hashed; money is integer minor units` };
      }
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_EVENT_DEPTH) return { code: 'UNHASHABLE', path, reason: `${path}: nested deeper than ${MAX_EVENT_DEPTH}` };
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${path}[${i}]`, depth: depth + 1, key });
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return { code: 'UNHASHABLE', path, reason: `${path}: not a plain object` };
        for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
          const kp = textProblem(k);
          if (kp) return { code: 'BAD_TEXT', path: `${path}[${JSON.stringify(k.slice(0, 40))}]`, reason: `${path}: a key ${kp}` };
          stack.push({ v: child, path: `${path}.${k}`, depth: depth + 1, key: k });
        }
      }
    } else if (typeof v !== 'boolean' && v !== null && v !== undefined) {
      return { code: 'UNHASHABLE', path, reason: `${path}: a ${typeof v} cannot be hashed` };
    }
  }
  // Text and hashability first: a card number is reported only in an event that is otherwise storable.
  return pan;
}
