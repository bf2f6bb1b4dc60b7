import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findPans, findPansInBytes, isLikelyPan, luhnValid, maskPan, redactPans, redactValue, scanValueForPans } from './pan-scan';

describe('pan-scan', () => {
  it('checks Luhn on well-known test card numbers', () => {
    for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4012888888881881']) {
      expect(luhnValid(pan)).toBe(true);
      expect(isLikelyPan(pan)).toBe(true);
    }
    expect(luhnValid('4111111111111112')).toBe(false);
  });

  it('masks to first six and last four at most', () => {
    expect(maskPan('4111111111111111')).toBe('411111******1111');
    expect(maskPan('378282246310005')).toBe('378282*****0005');
    expect(maskPan('4111 1111 1111 1111')).toBe('411111******1111');
    expect(maskPan('411111EEEEEE1111'.replace(/E/g, '*'))).toBe('411111******1111');
    expect(maskPan('12345678')).toBe('****5678');
    expect(maskPan('1234')).toBe('****');
  });

  it('never shows more than 10 digits of any 13–19 digit number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{13,19}$/), (pan) => {
        const m = maskPan(pan);
        expect(m.length).toBe(pan.length);
        expect(m.replace(/\*/g, '').length).toBeLessThanOrEqual(10);
        expect(m.slice(0, 6)).toBe(pan.slice(0, 6));
        expect(m.slice(-4)).toBe(pan.slice(-4));
      }),
    );
  });

  it('finds PANs inside text, grouped or not, and redacts them', () => {
    const text = 'card 4111 1111 1111 1111 paid; ref 5555-5555-5555-4444, amount 1234';
    const hits = findPans(text);
    expect(hits.map((h) => h.masked)).toEqual(['411111******1111', '555555******4444']);
    expect(redactPans(text)).toBe('card 411111******1111 paid; ref 555555******4444, amount 1234');
    expect(findPans(redactPans(text))).toEqual([]);
  });

  it('finds a PAN inside a longer digit run and in BCD bytes', () => {
    expect(findPans('0004111111111111111999').length).toBe(1);
    const bcd = Uint8Array.of(0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11);
    expect(findPansInBytes(bcd).map((h) => h.masked)).toEqual(['411111******1111']);
  });

  it('ignores short numbers, non-Luhn runs and non-card prefixes', () => {
    expect(findPans('order 123456789012 total 4111111111111112')).toEqual([]);
    expect(findPans('9111111111111111111')).toEqual([]); // Luhn-valid? prefix 9 is not a card scheme anyway
    expect(findPans('2024-11-23 02:03:04.567')).toEqual([]);
  });

  it('scans nested values, byte arrays and errors', () => {
    const v = { a: [{ b: 'x 4111111111111111' }], c: new TextEncoder().encode('5555555555554444'), e: new Error('pan 378282246310005') };
    const paths = scanValueForPans(v).map((f) => f.path);
    expect(paths).toContain('$.a[0].b');
    expect(paths).toContain('$.c');
    expect(paths).toContain('$.e.message');
    expect(scanValueForPans({ ok: 'nothing here', n: 1234 })).toEqual([]);
  });

  it('redactValue masks PANs deep inside journal-like payloads and leaves the rest alone', () => {
    const v = { sale: { note: 'paid with 4111111111111111', lines: [{ sku: '4006381333930', qty: 2 }], ref: 5555555555554444 }, ok: true };
    const r = redactValue(v);
    expect(r.sale.note).toBe('paid with 411111******1111');
    expect(r.sale.ref as unknown).toBe('555555******4444');
    expect(r.sale.lines[0]).toEqual({ sku: '4006381333930', qty: 2 });
    expect(r.ok).toBe(true);
    expect(scanValueForPans(r)).toEqual([]);
    expect(v.sale.note).toBe('paid with 4111111111111111'); // the input is not changed
  });
});
