import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonReference, QUOTED_KEY_MAX_LENGTH, quotedKeyCacheSize } from './canonical-json';

// canonicalJson writes with a fast writer and falls back to the reference writer for anything
// unusual: the two must give the same text, or the same error, for any value at all.
const outcome = (f: (v: unknown) => string, v: unknown): { text: string } | { error: string; name: string } => {
  try {
    return { text: f(v) };
  } catch (err) {
    return { error: (err as Error).message, name: (err as Error).name };
  }
};

const deep = (n: number, leaf: unknown): unknown => (n === 0 ? leaf : n % 2 ? [deep(n - 1, leaf)] : { k: deep(n - 1, leaf) });

describe('canonicalJson (fast writer) against the reference writer', () => {
  it('same text or same error on arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withBoxedValues: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withObjectString: true,
          withSparseArray: true,
          withTypedArray: true,
          maxDepth: 5,
        }),
        (v) => {
          expect(outcome(canonicalJson, v)).toEqual(outcome(canonicalJsonReference, v));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('same text on JSON-like values (integers, odd strings and keys, undefined members)', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('', 'a', 'A', 'é', '\u{1F600}', '\uD800', '__proto__', 'constructor', '0', '10', '9'));
    const leaf = fc.oneof(fc.integer(), fc.constantFrom(-0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 0.5, Number.NaN, undefined), fc.string({ unit: 'binary' }), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 5 })),
    }));
    fc.assert(
      fc.property(value, (v) => {
        const a = outcome(canonicalJson, v);
        expect(a).toEqual(outcome(canonicalJsonReference, v));
      }),
      { numRuns: 1000 },
    );
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('the depth bound and its path, at the edge', () => {
    for (const n of [63, 64, 65, 66]) {
      for (const leaf of [1, 'x', null, {}, []]) expect(outcome(canonicalJson, deep(n, leaf))).toEqual(outcome(canonicalJsonReference, deep(n, leaf)));
    }
    expect(() => canonicalJson(deep(70, 1))).toThrow(/nested deeper than 64/);
  });

  it('holes, -0, undefined members and a null-prototype object', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holes = [1, , 3];
    expect(canonicalJson(holes)).toBe(canonicalJsonReference(holes));
    expect(canonicalJson({ a: -0, b: undefined, c: [-0] })).toBe('{"a":0,"c":[0]}');
    const bare = Object.assign(Object.create(null) as object, { z: 1, a: 'x' });
    expect(canonicalJson(bare)).toBe('{"a":"x","z":1}');
  });

  it('keeps no long member name in its cache: a client sending a new huge key per event cannot grow the hub', () => {
    const before = quotedKeyCacheSize();
    for (let i = 0; i < 50; i++) {
      const key = `${i}`.padEnd(QUOTED_KEY_MAX_LENGTH + 1 + i * 1000, 'k');
      expect(canonicalJson({ [key]: 1 })).toBe(`{"${key}":1}`);
    }
    expect(quotedKeyCacheSize()).toBe(before);
    canonicalJson({ short_key_seen_once: 1 });
    expect(quotedKeyCacheSize()).toBe(before + 1);
  });
});
