import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, hasValidCheckDigit, priceCheckDigit, withCheckDigit } from './check-digit';
import { BarcodeError } from './errors';

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

describe('GS1 mod-10 check digit', () => {
  it.each([
    ['0950110102091', 7], // GTIN-14 09501101020917 (GS1 General Specifications examples)
    ['950110102091', 7], // GTIN-13 9501101020917
    ['03600029145', 2], // UPC-A 036000291452
    ['03600024145', 7], // UPC-A 036000241457
    ['9638507', 4], // EAN-8 96385074
    ['9501234', 6], // GTIN-8 95012346
    ['950110153100', 0], // GTIN-13 9501101531000
    ['10614141234567890', 8], // SSCC 106141412345678908
  ])('check digit of %s is %i', (body, cd) => {
    expect(gs1CheckDigit(body)).toBe(cd);
    expect(hasValidCheckDigit(body + cd)).toBe(true);
    expect(hasValidCheckDigit(body + ((cd + 1) % 10))).toBe(false);
  });

  it('refuses non-digits with a typed error', () => {
    expect(() => gs1CheckDigit('12a4')).toThrow(BarcodeError);
    expect(hasValidCheckDigit('12a45')).toBe(false);
    expect(hasValidCheckDigit('')).toBe(false);
  });

  it('property: a computed check digit always validates', () => {
    fc.assert(fc.property(digits(1, 17), (body) => hasValidCheckDigit(withCheckDigit(body))));
  });

  it('property: every single-digit substitution is detected', () => {
    fc.assert(
      fc.property(digits(7, 17), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const code = withCheckDigit(body);
        const i = at % code.length;
        const changed = code.slice(0, i) + String((Number(code[i]) + delta) % 10) + code.slice(i + 1);
        expect(hasValidCheckDigit(changed)).toBe(false);
      }),
    );
  });
});

describe('price/weight check digit (GS1 7.9.3)', () => {
  it('matches the worked examples of the specification', () => {
    expect(priceCheckDigit('2875')).toBe(9);
    expect(priceCheckDigit('14685')).toBe(6);
  });

  it('agrees on every 4- and 5-digit value with the rule as written (multiply, then add/subtract the tens digit)', () => {
    // Weighted product per GS1 7.9.3, derived from the words rather than from the tables in the code.
    const product = (d: number, w: number, sign: -1 | 0 | 1): number => {
      const p = d * w;
      return ((((p % 10) + sign * Math.floor(p / 10)) % 10) + 10) % 10;
    };
    for (let v = 0; v < 10_000; v++) {
      const s = String(v).padStart(4, '0');
      const d = [...s].map(Number) as [number, number, number, number];
      const sum = product(d[0], 2, -1) + product(d[1], 2, -1) + product(d[2], 3, 0) + product(d[3], 5, -1);
      expect(priceCheckDigit(s)).toBe((sum * 3) % 10);
    }
    for (let v = 0; v < 100_000; v += 7) {
      const s = String(v).padStart(5, '0');
      const d = [...s].map(Number) as [number, number, number, number, number];
      const sum = product(d[0], 5, 1) + product(d[1], 2, -1) + product(d[2], 5, -1) + product(d[3], 5, 1) + product(d[4], 2, -1);
      const target = (10 - (sum % 10)) % 10;
      expect(product(priceCheckDigit(s), 5, -1)).toBe(target);
    }
  });

  it('rejects other field lengths', () => {
    expect(() => priceCheckDigit('123')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });

  it('property: detects every single-digit substitution in a 4- or 5-digit field', () => {
    fc.assert(
      fc.property(digits(4, 5), fc.nat(), fc.integer({ min: 1, max: 9 }), (v, at, delta) => {
        const i = at % v.length;
        const changed = v.slice(0, i) + String((Number(v[i]) + delta) % 10) + v.slice(i + 1);
        expect(priceCheckDigit(changed)).not.toBe(priceCheckDigit(v));
      }),
    );
  });
});
