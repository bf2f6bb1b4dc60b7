// Canonical JSON for hashing: object keys sorted by UTF-16 code units, no whitespace, only
// integers as numbers (money is integer minor units; a float in an event is a bug), no
// undefined, NaN or functions. Register and hub must produce byte-identical text.

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

const MAX_DEPTH = 64;

export function canonicalJson(value: unknown): string {
  // The fast writer builds no paths and no intermediate arrays (it was a tenth of the hub's
  // ingest time); on anything it will not write it stops, and the reference writer below,
  // which names the path, gives the result or the error. Both give the same text
  // (canonical-json.test.ts holds them equal on arbitrary values).
  try {
    return fast(value, 0);
  } catch {
    return write(value, '$', 0);
  }
}

/** Thrown by `fast` when it meets anything unusual; never escapes canonicalJson. */
const STOP = new Error('canonical-json: slow path');

/** Characters JSON.stringify escapes in a string (quote, backslash, controls, surrogates). */
// eslint-disable-next-line no-control-regex -- the controls JSON.stringify escapes
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
const quote = (s: string): string => (ESCAPED.test(s) ? JSON.stringify(s) : `"${s}"`);
/**
 * Member names repeat from event to event: each quoted once. Names come from clients, so the
 * cache is bounded in count and in the length of a name it keeps (a register sending a new
 * megabyte-long key per event must not grow the hub's memory): at most 4,096 × 64 characters.
 */
const QUOTED_KEYS_MAX = 4096;
export const QUOTED_KEY_MAX_LENGTH = 64;
const quotedKeys = new Map<string, string>();
function quoteKey(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = quote(k);
    if (k.length <= QUOTED_KEY_MAX_LENGTH && quotedKeys.size < QUOTED_KEYS_MAX) quotedKeys.set(k, q);
  }
  return q;
}
/** How many member names the cache holds (for the test that long names are not kept). */
export const quotedKeyCacheSize = (): number => quotedKeys.size;

function fast(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw STOP;
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw STOP;
      return String(value); // String(-0) is '0'
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        const n = value.length;
        if (n === 0) return '[]';
        let out = '[';
        for (let i = 0; i < n; i++) {
          if (!(i in value)) throw STOP; // a hole: the reference writer's business
          if (i > 0) out += ',';
          out += fast(value[i], depth + 1);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw STOP;
      // Object.keys' own enumerable string keys, sorted by UTF-16 code units (sort's default
      // order for strings), as the reference writer's entries.
      const keys = Object.keys(value);
      for (let i = 1; i < keys.length; i++) {
        if (keys[i - 1]! > keys[i]!) {
          keys.sort();
          break;
        }
      }
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = (value as Record<string, unknown>)[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += `${quoteKey(k)}:${fast(v, depth + 1)}`;
      }
      return `${out}}`;
    }
    default:
      throw STOP;
  }
}

/** The reference writer alone (for the property that holds the fast one to it). */
export function canonicalJsonReference(value: unknown): string {
  return write(value, '$', 0);
}

/** The reference writer: names the path of what it cannot write. */
function write(value: unknown, path: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new CanonicalJsonError(`${path}: nested deeper than ${MAX_DEPTH}`);
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`${path}: only safe integers may be hashed, got ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => write(v, `${path}[${i}]`, depth + 1)).join(',')}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(`${path}: not a plain object`);
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, `${path}.${k}`, depth + 1)}`).join(',')}}`;
    }
    default:
      throw new CanonicalJsonError(`${path}: cannot hash a value of type ${typeof value}`);
  }
}
