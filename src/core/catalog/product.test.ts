import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProduct, productCandidate, productSchema } from './product';

// checkProduct is a hand-written copy of productSchema's rules (a register checks every product
// of a chain's catalog with it on a snapshot). It must accept and refuse exactly what the schema
// does and give the same Product.

const id = fc.oneof(fc.constantFrom('SKU-1', 'a', 'A.b_c:d/e-f', '0', 'x'.repeat(64)), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/));
const badId = fc.constantFrom('', '-a', '.a', 'a b', 'x'.repeat(65), 'é', 'a\n', 7, null, undefined, ['a']);
const gtin = fc.oneof(fc.stringMatching(/^\d{8}$/), fc.stringMatching(/^\d{12,14}$/));
const badGtin = fc.constantFrom('1234567', '123456789', '12345678901', '123456789012345', '1234567a', ' 12345678', 12345678, null);
const text = (min: number, max: number) => fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: 'grapheme', minLength: min, maxLength: max }));
const num = fc.oneof(fc.integer({ min: 0, max: 1e6 }), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 60));
const maybe = <T>(a: fc.Arbitrary<T>, bad: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: bad });

const quickKey = fc.record(
  {
    group: maybe(text(1, 24), fc.constantFrom('', 'x'.repeat(25), 3, null)),
    position: maybe(fc.integer({ min: 0, max: 999 }), fc.constantFrom(-1, 1000, 1.5, '3', NaN)),
    label: maybe(text(1, 24), fc.constantFrom('', 'y'.repeat(25), 4, undefined)),
    extra: fc.constantFrom(1, 'x'),
  },
  { requiredKeys: [] },
);

const candidate = fc.record(
  {
    sku: maybe(id, badId),
    gtins: maybe(fc.array(maybe(gtin, badGtin), { maxLength: 34 }), fc.constantFrom('12345678', null, {}, undefined)),
    name: maybe(text(1, 120), fc.constantFrom('', 'n'.repeat(121), 5, null, undefined)),
    category: maybe(id, badId),
    tax_category: maybe(id, badId),
    unit: maybe(fc.constantFrom('each', 'kg'), fc.constantFrom('EACH', 'g', '', null, undefined)),
    price: num,
    currency: maybe(fc.constantFrom('USD', 'EUR', 'JPY', 'KWD', 'GBP'), fc.constantFrom('usd', 'XXX', 'ZZZ', 'US', '', 840, undefined)),
    active: maybe(fc.boolean(), fc.constantFrom(0, 1, 'true', null, undefined)),
    open_price: maybe(fc.boolean(), fc.constantFrom(undefined, 0, 'yes', null)),
    quick_key: maybe(quickKey, fc.constantFrom(undefined, null, [], 'A', 3)),
    other: fc.constantFrom('kept out', 1, null),
  },
  { requiredKeys: [] },
);

function same(x: unknown): void {
  const z = productSchema.safeParse(x);
  const c = checkProduct(x);
  expect(c !== null).toBe(z.success);
  if (z.success) {
    expect(c).toStrictEqual(z.data);
    expect(JSON.stringify(c)).toBe(JSON.stringify(z.data));
  }
}

describe('checkProduct', () => {
  it('accepts and refuses what productSchema does, with the same Product', () => {
    fc.assert(fc.property(candidate, (x) => same(x)), { numRuns: 20_000 });
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('agrees on what productCandidate makes of catalog and price records', () => {
    const rec = fc.record({ sku: maybe(id, badId), gtins: fc.array(gtin, { maxLength: 3 }), name: fc.option(text(0, 130)), description: fc.option(text(1, 10)), category: fc.option(id), price: fc.option(num), currency: fc.option(fc.constantFrom('USD', 'usd')), active: fc.option(fc.boolean()), quick_key: fc.option(quickKey) }, { requiredKeys: ['sku'] });
    const price = fc.option(fc.record({ sku: id, amount: num, currency: fc.constantFrom('USD', 'EUR', 'XXX') }, { requiredKeys: [] }));
    fc.assert(fc.property(rec, price, fc.constantFrom(undefined, 'USD'), (r, p, cur) => same(productCandidate(r, p, cur))), { numRuns: 5_000 });
  });

  it('agrees at the bounds of every length and range', () => {
    const base = { sku: 'S1', gtins: ['12345678'], name: 'Milk', category: 'dairy', tax_category: 'food', unit: 'each', price: 100, currency: 'USD', active: true };
    for (let n = 30; n <= 34; n++) same({ ...base, gtins: Array.from({ length: n }, (_, i) => String(10_000_000 + i)) });
    for (let n = 0; n <= 122; n += n < 118 ? 59 : 1) same({ ...base, name: 'n'.repeat(n) });
    // zod counts code points: a surrogate pair is one character, a lone surrogate one too.
    for (const name of ['n'.repeat(119) + '😀', 'n'.repeat(120) + '😀', '😀'.repeat(120), '\ud800'.repeat(120), '\ud800'.repeat(121), '😀'.repeat(121)]) same({ ...base, name });
    for (const group of ['😀'.repeat(24), '😀'.repeat(25), '\udc00']) same({ ...base, quick_key: { group, position: 1 } });
    for (const k of [63, 64, 65]) for (const f of ['sku', 'category', 'tax_category']) same({ ...base, [f]: 'k'.repeat(k) });
    for (const price of [-1, 0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2]) same({ ...base, price });
    for (const position of [-1, 0, 999, 1000]) for (const g of [0, 1, 24, 25]) for (const l of [0, 1, 24, 25]) same({ ...base, quick_key: { group: 'g'.repeat(g), position, label: 'l'.repeat(l) } });
  });

  it('refuses what is not an object', () => {
    for (const x of [null, undefined, 1, 'p', [], [{ sku: 'A' }]]) same(x);
  });
});
