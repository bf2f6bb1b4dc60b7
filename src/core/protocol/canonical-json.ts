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
  return write(value, '$', 0);
}

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
