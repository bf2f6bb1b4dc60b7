import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonStringBytes, jsonUtf8Bytes } from './json-size';
import { RegisterSim } from './testing/register-sim';

// The request size the hub's limit is checked against must be exactly what it was before:
// `Buffer.byteLength(JSON.stringify(x) ?? '')`, the same number and the same throws.
const old = (x: unknown): number => Buffer.byteLength(JSON.stringify(x) ?? '');
const same = (x: unknown): void => expect(jsonUtf8Bytes(x)).toBe(old(x));

describe('jsonUtf8Bytes', () => {
  it('a real push request, as the socket gives it', () => {
    const sim = new RegisterSim('S1', 'S1-R1', 'tok');
    for (let i = 0; i < 20; i++) sim.sell([{ sku: `SKU-${i}`, units: 1 + i, unit_price: 150 + i }]);
    same(JSON.parse(JSON.stringify({ terminal_id: 'S1-R1', events: sim.journal })));
  });

  it('strings: escapes, controls, every UTF-8 width, surrogate pairs and lone surrogates', () => {
    for (const s of ['', 'a', '"', '\\', '/', '\b\f\n\r\t', '\u0000\u0001\u001f', '\u007f', '\u0080', 'é', '\u07ff', '\u0800', '€', '\u2028\u2029', '\uffff', '😀', '\ud800', '\udc00', '\udc00\ud800', 'a\ud83d', '\ud83d\ude00\ud83d']) {
      expect(jsonStringBytes(s), JSON.stringify(s)).toBe(old(s));
      same({ [s]: s });
    }
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => jsonStringBytes(s) === old(s)), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => jsonStringBytes(s) === old(s)), { numRuns: 100 });
  });

  it('numbers and the other scalars', () => {
    for (const x of [0, -0, 1, -1, 1.5, 1e21, 1e-7, 123456789012345680000, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity, true, false, null, 2 ** 53]) same(x);
    fc.assert(fc.property(fc.double(), (x) => jsonUtf8Bytes(x) === old(x)), { numRuns: 2000 });
  });

  it('any JSON value, and the same value after a JSON round trip (what socket.io gives)', () => {
    fc.assert(fc.property(fc.jsonValue(), (x) => jsonUtf8Bytes(x) === old(x) && jsonUtf8Bytes(JSON.parse(JSON.stringify(x))) === old(x)), { numRuns: 2000 });
    fc.assert(fc.property(fc.json({ depthSize: 'large' }), (text) => { const x: unknown = JSON.parse(text); return jsonUtf8Bytes(x) === old(x); }), { numRuns: 500 });
  });

  it('values that are not plain JSON are measured the old way (undefined, functions, toJSON, Buffers, Dates, odd prototypes, sparse arrays)', () => {
    same(undefined);
    same(() => 1);
    same(Symbol('s'));
    same({ a: undefined, b: 1 });
    same([undefined, () => 1, 2]);
    same({ toJSON: () => 'x' });
    same({ toJSON: 'not a function' });
    same(Buffer.from('bytes'));
    same({ at: new Date(0) });
    same(Object.assign(Object.create(null) as object, { a: 1 }));
    // eslint-disable-next-line no-sparse-arrays -- a hole is what the test is about
    same([1, , 3]);
    same(JSON.parse('{"__proto__": {"a": 1}, "b": [1, "\\u00e9"]}'));
    fc.assert(fc.property(fc.anything({ withBoxedValues: true, withMap: true, withSet: true, withSparseArray: true, withNullPrototype: true }), (x) => {
      let want: number | Error;
      try {
        want = old(x);
      } catch (err) {
        want = err as Error;
      }
      if (want instanceof Error) expect(() => jsonUtf8Bytes(x)).toThrow(want.constructor as new () => Error);
      else expect(jsonUtf8Bytes(x)).toBe(want);
    }), { numRuns: 2000 });
  });

  it('deep nesting and what JSON.stringify refuses throw as before', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 150; i++) deep = { a: [deep] };
    same(deep);
    expect(() => jsonUtf8Bytes({ n: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => jsonUtf8Bytes(cyclic)).toThrow(TypeError);
  });
});
