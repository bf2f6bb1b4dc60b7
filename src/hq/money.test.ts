import { describe, expect, it } from 'vitest';
import { parsePrice } from './money';

// parsePrice answers a code (the console words it per language) beside its English reason (CSV checks).
describe('parsePrice problems', () => {
  it('codes each kind of bad price, with the values a translation needs', () => {
    const code = (text: string, currency = 'USD') => {
      const p = parsePrice(text, currency);
      return p.ok ? 'ok' : [p.code, p.values ?? null];
    };
    expect(code('  ')).toEqual(['empty', null]);
    expect(code('-1.00')).toEqual(['negative', null]);
    expect(code('1.234')).toEqual(['ambiguous', { text: '1.234', a: '1234', b: '1.23' }]);
    expect(code('1.2345')).toEqual(['decimals', { text: '1.2345', n: 4, currency: 'USD', exp: 2 }]);
    expect(code('12,5', 'JPY')).toEqual(['decimals', { text: '12,5', n: 1, currency: 'JPY', exp: 0 }]);
    expect(code('abc')).toEqual(['invalid', { text: 'abc' }]);
    expect(parsePrice('1.234,50', 'EUR')).toEqual({ ok: true, amount: 123450 });
  });
});
