import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from './check-digit';
import { compressUpcA, expandUpcE, isValidGtin, toGtin14 } from './gtin';

describe('UPC-E expansion', () => {
  it.each([
    // last digit 0–2: manufacturer X1 X2 X6 00, item 00 X3 X4 X5
    ['01234505', '012000003455'],
    ['04252614', '042100005264'],
    // last digit 3: manufacturer X1 X2 X3 00, item 000 X4 X5
    ['01234531', '012300000451'],
    // last digit 4: manufacturer X1–X4 0, item 0000 X5
    ['01234543', '012340000053'],
    // last digit 5–9: manufacturer X1–X5, item 0000 X6
    ['01234565', '012345000065'],
  ])('%s ↔ %s', (upcE, upcA) => {
    expect(expandUpcE(upcE)).toBe(upcA);
    expect(compressUpcA(upcA)).toBe(upcE);
    expect(toGtin14(upcE, 'UPC-E')).toBe('00' + upcA);
  });

  it('accepts 6 and 7 digits (number system 0 assumed for 6) and number system 1', () => {
    expect(expandUpcE('123456')).toBe('012345000065');
    expect(expandUpcE('0123456')).toBe('012345000065');
    expect(expandUpcE('1123456')).toBe(withCheckDigit('11234500006'));
  });

  it('rejects a bad check digit, a bad number system and bad lengths', () => {
    expect(() => expandUpcE('01234566')).toThrow(expect.objectContaining({ code: 'BAD_CHECK_DIGIT' }));
    expect(() => expandUpcE('21234565')).toThrow(expect.objectContaining({ code: 'BAD_FORMAT' }));
    expect(() => expandUpcE('12345')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });

  it('has no zero-suppressed form for most UPC-A', () => {
    expect(compressUpcA('036000291452')).toBeUndefined();
  });

  it('property: every UPC-E expands to a UPC-A that compresses back to an equivalent UPC-E', () => {
    fc.assert(
      fc.property(fc.constantFrom('0', '1'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 6, maxLength: 6 }), (ns, six) => {
        const upcA = expandUpcE(ns + six);
        const e = compressUpcA(upcA);
        expect(e).toBeDefined();
        expect(expandUpcE(e!)).toBe(upcA);
      }),
    );
  });
});

describe('GTIN-14 normalisation', () => {
  it.each([
    ['96385074', '00000096385074'],
    ['036000291452', '00036000291452'],
    ['9501101020917', '09501101020917'],
    ['09501101020917', '09501101020917'],
  ])('%s → %s', (code, gtin) => {
    expect(toGtin14(code)).toBe(gtin);
    expect(isValidGtin(code)).toBe(true);
  });

  it('rejects bad check digits and lengths with the exact code', () => {
    expect(() => toGtin14('9501101020918')).toThrow(expect.objectContaining({ code: 'BAD_CHECK_DIGIT' }));
    expect(() => toGtin14('95011010209')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
    expect(() => toGtin14('950110102091X')).toThrow(expect.objectContaining({ code: 'BAD_CHARACTER' }));
    expect(() => toGtin14('9501101020917', 'UPC-A')).toThrow(expect.objectContaining({ code: 'BAD_LENGTH' }));
  });

  it('property: a random GTIN of any length normalises with its check digit intact', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12, 13), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 13 }), (len, raw) => {
        const code = withCheckDigit(raw.slice(0, len));
        const g = toGtin14(code);
        expect(g).toHaveLength(14);
        expect(g.endsWith(code)).toBe(true);
        expect(isValidGtin(g)).toBe(true);
      }),
    );
  });
});
