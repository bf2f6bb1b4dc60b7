import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parsePriceBook, splitCsv } from './csv';
import { parsePrice, toInput } from './money';

describe('price entry', () => {
  it('reads what a person types in the store currency, into minor units', () => {
    expect(parsePrice('2.49', 'USD')).toEqual({ ok: true, amount: 249 });
    expect(parsePrice('2,49', 'EUR')).toEqual({ ok: true, amount: 249 });
    expect(parsePrice('1,234.50', 'USD')).toEqual({ ok: true, amount: 123450 });
    expect(parsePrice('1.234,50', 'EUR')).toEqual({ ok: true, amount: 123450 });
    expect(parsePrice('1.234.567', 'USD')).toEqual({ ok: true, amount: 123456700 });
    expect(parsePrice('1.234', 'USD')).toMatchObject({ ok: false, reason: expect.stringMatching(/ambiguous/) });
    expect(parsePrice('12', 'USD')).toEqual({ ok: true, amount: 1200 });
    expect(parsePrice('500', 'JPY')).toEqual({ ok: true, amount: 500 });
    expect(parsePrice('1.250', 'BHD')).toEqual({ ok: true, amount: 1250 });
    for (const bad of ['', 'abc', '-1.00', '2.499', '1.2345', '1e3']) expect(parsePrice(bad, 'USD').ok).toBe(false);
  });

  it('round-trips every amount through the text the editor prefills (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.constantFrom('USD', 'EUR', 'JPY', 'BHD'), (amount, cur) => {
        expect(parsePrice(toInput(amount, cur), cur)).toEqual({ ok: true, amount });
      }),
    );
  });
});

describe('price book CSV', () => {
  it('splits quoted fields, doubled quotes and CRLF', () => {
    expect(splitCsv('a,"b,c","d ""e"""\r\n1,2,3\n', ',').map((r) => r.fields)).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['1', '2', '3'],
    ]);
  });

  it('checks every row: bad ones listed with line and reason and skipped, good ones kept', () => {
    const csv = ['\uFEFFSKU;Price;Name', 'A-1;2,49;Milk', 'A-2;;Empty', 'A-3;1.999;Too precise', 'NOPE;1;Unknown', 'A-1;3;Again', 'A-4;1;Too;many', 'A-5;10;Ok'].join('\n');
    const r = parsePriceBook(csv, 'EUR', new Set(['A-1', 'A-2', 'A-3', 'A-4', 'A-5']));
    expect(r.fatal).toBeUndefined();
    expect(r.rows).toEqual([
      { line: 2, sku: 'A-1', amount: 249, name: 'Milk' },
      { line: 8, sku: 'A-5', amount: 1000, name: 'Ok' },
    ]);
    expect(r.bad.map((b) => [b.line, b.reason])).toEqual([
      [3, 'price "": empty price'],
      [4, expect.stringMatching(/1\.999.*ambiguous/)],
      [5, 'unknown SKU NOPE'],
      [6, 'SKU A-1 already on line 2'],
      [7, '4 fields; the header has 3'],
    ]);
  });

  it('refuses a file without sku and price columns as a whole', () => {
    expect(parsePriceBook('code,amount\nA,1', 'USD').fatal).toMatch(/"sku" and "price"/);
    expect(parsePriceBook('', 'USD').fatal).toMatch(/empty/);
  });
});
