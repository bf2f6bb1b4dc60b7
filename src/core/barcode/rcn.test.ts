import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasValidCheckDigit } from './check-digit';
import { decodeRcn, DEFAULT_RCN_LAYOUTS, encodeRcn, parseRcnLayouts, RCN_PRESETS, type RcnLayout } from './rcn';

describe('restricted circulation numbers', () => {
  it('decodes the EU price layout "2x IIIII PPPPP C" and keys the item with the price zeroed', () => {
    const code = encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 1299);
    expect(code).toMatch(/^210471101299\d$/);
    const d = decodeRcn(code, DEFAULT_RCN_LAYOUTS)!;
    expect(d).toMatchObject({ prefix: '21', kind: 'price', itemReference: '04711', value: 1299, decimals: 2 });
    expect(d.lookupKey).toMatch(/^0210471100000\d$/);
    expect(hasValidCheckDigit(d.lookupKey)).toBe(true);
  });

  it('decodes the US UPC-A layout with the 4-digit price check digit', () => {
    // 2 12345 V 1995 C with V = price check digit of 1995
    const code = encodeRcn('02', RCN_PRESETS.usPriceCheck['02']!, '12345', 1995);
    expect(code.slice(0, 8)).toBe('02123457');
    expect(decodeRcn(code, RCN_PRESETS.usPriceCheck)).toMatchObject({ kind: 'price', value: 1995, itemReference: '12345' });
    // Same item, wrong price check digit (overall check digit still valid): refused.
    const body = code.slice(0, 7) + '0' + code.slice(8, 12);
    const forged = body + String((10 - ([...body].reduce((s, c, i) => s + Number(c) * (i % 2 ? 3 : 1), 0) % 10)) % 10);
    expect(hasValidCheckDigit(forged)).toBe(true);
    expect(() => decodeRcn(forged, RCN_PRESETS.usPriceCheck)).toThrow(expect.objectContaining({ code: 'BAD_PRICE_CHECK_DIGIT' }));
  });

  it('decodes a 5-digit value with its price check digit ("2x IIII V PPPPP C")', () => {
    const layout: RcnLayout = { kind: 'weight', itemDigits: 4, valueDigits: 5, decimals: 3, hasValueCheckDigit: true };
    const code = encodeRcn('28', layout, '1234', 14685);
    expect(code.slice(0, 12)).toBe('281234614685'); // price check digit of 14685 is 6
    expect(decodeRcn(code, { '28': layout })).toMatchObject({ kind: 'weight', value: 14685 });
  });

  it('returns undefined for a prefix without a layout and for non-restricted codes', () => {
    expect(decodeRcn('2012345012349', {})).toBeUndefined();
    expect(decodeRcn('9501101020917', DEFAULT_RCN_LAYOUTS)).toBeUndefined();
  });

  it('validates layout configuration and names the bad field', () => {
    expect(parseRcnLayouts({ '27': { kind: 'weight', itemDigits: 5, valueDigits: 5, decimals: 3, hasValueCheckDigit: false } })).toHaveProperty('27');
    expect(() => parseRcnLayouts({ '30': RCN_PRESETS.eu['21'] })).toThrow(expect.objectContaining({ code: 'BAD_CONFIG' }));
    expect(() => parseRcnLayouts({ '21': { kind: 'price', itemDigits: 5, valueDigits: 4, decimals: 2, hasValueCheckDigit: false } })).toThrow(/21: itemDigits \+ valueDigits/);
    expect(() => parseRcnLayouts({ '21': { kind: 'price', itemDigits: 3, valueDigits: 6, decimals: 2, hasValueCheckDigit: true } })).toThrow(/4- or 5-digit/);
    expect(() => parseRcnLayouts({ '21': { kind: 'volume', itemDigits: 5, valueDigits: 5, decimals: 2, hasValueCheckDigit: false } })).toThrow(/21\.kind/);
    for (const preset of Object.values(RCN_PRESETS)) expect(parseRcnLayouts(preset)).toEqual(preset);
  });

  it('property: encode → decode round-trips item and value, and the lookup key ignores the value', () => {
    const layoutArb = fc.oneof(
      fc.integer({ min: 1, max: 8 }).map((v): RcnLayout => ({ kind: 'price', itemDigits: 10 - v, valueDigits: v, decimals: 2, hasValueCheckDigit: false })),
      fc.constantFrom(4, 5).map((v): RcnLayout => ({ kind: 'weight', itemDigits: 9 - v, valueDigits: v, decimals: 3, hasValueCheckDigit: true })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('02', '20', '21', '22', '23', '24', '25', '26', '27', '28', '29'),
        layoutArb,
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (prefix, layout, item, v1, v2) => {
          const itemRef = String(item % 10 ** layout.itemDigits).padStart(layout.itemDigits, '0');
          const a = encodeRcn(prefix, layout, itemRef, v1 % 10 ** layout.valueDigits);
          const b = encodeRcn(prefix, layout, itemRef, v2 % 10 ** layout.valueDigits);
          const da = decodeRcn(a, { [prefix]: layout })!;
          const db = decodeRcn(b, { [prefix]: layout })!;
          expect(da.itemReference).toBe(itemRef);
          expect(da.value).toBe(v1 % 10 ** layout.valueDigits);
          expect(da.lookupKey).toBe(db.lookupKey);
        },
      ),
    );
  });
});
