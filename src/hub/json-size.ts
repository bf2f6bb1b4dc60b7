// The size of a request as the hub's limit measures it, `Buffer.byteLength(JSON.stringify(x) ?? '')`
// (the UTF-8 bytes of its JSON), counted by walking the value instead of writing the text: a
// 500-sale push is ~1 MB of JSON, and writing it only to measure it was a few % of the hub's
// CPU in a catch-up plus the garbage. The count is exact for what socket.io's parser gives a
// handler (plain objects, arrays, strings, numbers, booleans, null); anything else (a binary
// attachment, a value with toJSON, undefined, a nesting deeper than MAX_DEPTH) is measured the
// old way, so every request gets the same number (and the same errors) as before.

const MAX_DEPTH = 100;

/** Bytes of `JSON.stringify(s)` in UTF-8 (quotes and escapes included; lone surrogates are written as \uXXXX). */
export function jsonStringBytes(s: string): number {
  let n = 2;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20) n += c === 0x22 || c === 0x5c ? 2 : 1;
      // \b \t \n \f \r are written as two characters, the other controls as \u00XX
      else n += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    } else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 6;
    } else if (c >= 0xdc00 && c <= 0xdfff) n += 6;
    else n += 3;
  }
  return n;
}

/** -1: not a plain JSON value (measure it the old way). */
function walk(v: unknown, depth: number): number {
  if (typeof v === 'string') return jsonStringBytes(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v).length : 4;
  if (typeof v === 'boolean') return v ? 4 : 5;
  if (v === null) return 4;
  if (typeof v !== 'object' || depth >= MAX_DEPTH) return -1;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return -1;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Array.prototype) {
    const a = v as unknown[];
    let n = a.length > 1 ? a.length + 1 : 2;
    for (let i = 0; i < a.length; i++) {
      const x = walk(a[i], depth + 1);
      if (x < 0) return -1;
      n += x;
    }
    return n;
  }
  if (proto !== Object.prototype) return -1;
  const o = v as Record<string, unknown>;
  let n = 1;
  let members = 0;
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return -1;
    const x = walk(o[k], depth + 1);
    if (x < 0) return -1;
    n += jsonStringBytes(k) + 1 + x;
    members++;
  }
  return n + (members > 1 ? members : 1);
}

/** Exactly `Buffer.byteLength(JSON.stringify(value) ?? '')`, throwing where that throws. */
export function jsonUtf8Bytes(value: unknown): number {
  const n = walk(value, 0);
  return n >= 0 ? n : Buffer.byteLength(JSON.stringify(value) ?? '');
}
