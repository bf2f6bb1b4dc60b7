import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { computeTaxes, createTaxTable, TaxError, taxRatesFor, type TaxRateInput } from './tax';
import { ROUNDING_MODES } from '../money/rounding';

const NY: TaxRateInput[] = [
  { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, categories: ['*'], exempt_categories: ['food'] },
  { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, categories: ['*'], exempt_categories: ['food'] },
];
const VAT: TaxRateInput[] = [
  { code: 'DE-VAT-19', jurisdiction: 'DE', rate_ppm: 190_000, inclusive: true, categories: ['general'] },
  { code: 'DE-VAT-7', jurisdiction: 'DE', rate_ppm: 70_000, inclusive: true, categories: ['food', 'books'] },
];
// Quebec before 2013: GST 5 %, QST 9.5 % on price + GST.
const QC: TaxRateInput[] = [
  { code: 'CA-GST', jurisdiction: 'CA', rate_ppm: 50_000, inclusive: false, categories: ['*'] },
  { code: 'CA-QC-QST', jurisdiction: 'CA-QC', rate_ppm: 95_000, inclusive: false, compound: true, categories: ['*'] },
];

describe('tax', () => {
  it('adds US sales tax on top, several taxes on one line, exempt food category', () => {
    const t = createTaxTable({ rates: NY });
    const r = computeTaxes(t, [
      { line_id: 'a', tax_category: 'general', amount: 900 },
      { line_id: 'b', tax_category: 'food', amount: 698 },
    ]);
    expect(r.lines[0]!.taxes.map((x) => x.amount)).toEqual([36, 44]); // 36.00, 43.875 → 44
    expect(r.lines[1]!.taxes).toEqual([]);
    expect(r.exclusive_total).toBe(80);
    expect(r.breakdown).toEqual([
      { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, base: 900, amount: 36 },
      { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, base: 900, amount: 44 },
    ]);
  });

  it('extracts VAT from inclusive prices per rate', () => {
    const t = createTaxTable({ rates: VAT });
    const r = computeTaxes(t, [
      { line_id: 'a', tax_category: 'general', amount: 1190 },
      { line_id: 'b', tax_category: 'food', amount: 107 },
    ]);
    expect(r.lines[0]!.taxes[0]).toMatchObject({ code: 'DE-VAT-19', base: 1000, amount: 190, inclusive: true });
    expect(r.lines[1]!.taxes[0]).toMatchObject({ code: 'DE-VAT-7', base: 100, amount: 7 });
    expect(r.inclusive_total).toBe(197);
    expect(r.exclusive_total).toBe(0);
  });

  it('compound tax is on price + the other taxes (Quebec style)', () => {
    const t = createTaxTable({ rates: QC });
    const r = computeTaxes(t, [{ line_id: 'a', tax_category: 'general', amount: 10000 }]);
    // GST 500; QST 9.5 % of 10500 = 997.5 → 998
    expect(r.lines[0]!.taxes).toEqual([
      { code: 'CA-GST', jurisdiction: 'CA', rate_ppm: 50_000, inclusive: false, compound: false, base: 10000, amount: 500 },
      { code: 'CA-QC-QST', jurisdiction: 'CA-QC', rate_ppm: 95_000, inclusive: false, compound: true, base: 10500, amount: 998 },
    ]);
    // inclusive compound: the same numbers from the price 11498 (price that contains both)
    const ti = createTaxTable({ rates: QC.map((x) => ({ ...x, inclusive: true })) });
    const ri = computeTaxes(ti, [{ line_id: 'a', tax_category: 'general', amount: 11498 }]);
    expect(ri.lines[0]!.taxes.map((x) => x.amount)).toEqual([500, 998]);
    expect(ri.lines[0]!.taxes[0]!.base).toBe(10000);
  });

  it('customer exemption certificate zeroes the named codes and keeps an audit row', () => {
    const t = createTaxTable({ rates: NY });
    const r = computeTaxes(t, [{ line_id: 'a', tax_category: 'general', amount: 1000 }], { certificate_id: 'EX-1', codes: ['US-NY-STATE'] });
    expect(r.lines[0]!.taxes[0]).toMatchObject({ code: 'US-NY-STATE', amount: 0, base: 1000, exempt_reason: 'exemption certificate EX-1' });
    expect(r.lines[0]!.taxes[1]).toMatchObject({ code: 'US-NY-NYC', amount: 49 });
    const all = computeTaxes(t, [{ line_id: 'a', tax_category: 'general', amount: 1000 }], { certificate_id: 'EX-2', codes: [] });
    expect(all.tax_total).toBe(0);
  });

  it('document rounding rounds once per code and spreads the result over the lines', () => {
    const lines = [1, 2, 3].map((i) => ({ line_id: `l${i}`, tax_category: 'general', amount: 10 })); // 0.4 tax each at 4 %
    const perLine = computeTaxes(createTaxTable({ rates: [NY[0]!] }), lines);
    expect(perLine.tax_total).toBe(0);
    const perDoc = computeTaxes(createTaxTable({ rates: [NY[0]!], rounding: 'document' }), lines);
    expect(perDoc.tax_total).toBe(1); // 1.2 → 1
    expect(perDoc.lines.map((l) => l.exclusive)).toEqual([1, 0, 0]);
    expect(perDoc.breakdown[0]!.amount).toBe(1);
  });

  it('rounding mode is honoured', () => {
    const line = [{ line_id: 'a', tax_category: 'general', amount: 1250 }]; // 4 % = 50 ; 4.5 % of 1250 = 56.25
    const rate = [{ code: 'X', jurisdiction: 'X', rate_ppm: 45_000, inclusive: false, categories: ['*'] }];
    expect(computeTaxes(createTaxTable({ rates: rate, rounding_mode: 'ceiling' }), line).tax_total).toBe(57);
    expect(computeTaxes(createTaxTable({ rates: rate, rounding_mode: 'half-up' }), line).tax_total).toBe(56);
  });

  it('errors: mixed inclusive/exclusive category, bad table, bad amount', () => {
    const t = createTaxTable({ rates: [VAT[0]!, { ...NY[0]!, categories: ['general'], exempt_categories: [] }] });
    expect(() => computeTaxes(t, [{ line_id: 'a', tax_category: 'general', amount: 1 }])).toThrow(TaxError);
    expect(() => computeTaxes(t, [{ line_id: 'a', tax_category: 'general', amount: 1 }])).toThrow(/both inclusive and exclusive/);
    expect(() => createTaxTable({ rates: [NY[0]!, NY[0]!] })).toThrow(/appears twice/);
    expect(() => createTaxTable({ rates: [{ ...NY[0]!, rate_ppm: 0.04 }] })).toThrow(TaxError);
    expect(() => computeTaxes(createTaxTable({ rates: NY }), [{ line_id: 'a', tax_category: 'x', amount: 1.5 }])).toThrow(/non-negative integer/);
    expect(taxRatesFor(createTaxTable({ rates: NY }), 'food')).toEqual([]);
  });

  it('property: a tax-inclusive price and the equivalent exclusive price agree within one minor unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 300_000 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom(...ROUNDING_MODES),
        (base, ppms, withCompound, mode) => {
          const rates = ppms.map((p, i) => ({
            code: `T${i}`,
            jurisdiction: 'J',
            rate_ppm: p,
            inclusive: false,
            compound: withCompound && i === ppms.length - 1 && ppms.length > 1,
            categories: ['*'],
          }));
          const ex = computeTaxes(createTaxTable({ rates, rounding_mode: mode }), [{ line_id: 'a', tax_category: 'g', amount: base }]);
          const price = base + ex.exclusive_total;
          const inc = computeTaxes(createTaxTable({ rates: rates.map((r) => ({ ...r, inclusive: true })), rounding_mode: mode }), [
            { line_id: 'a', tax_category: 'g', amount: price },
          ]);
          const exT = ex.lines[0]!.taxes;
          const inT = inc.lines[0]!.taxes;
          // per rate within one minor unit, plus a unit per compounding step
          exT.forEach((t, i) => expect(Math.abs(t.amount - inT[i]!.amount)).toBeLessThanOrEqual(1));
          expect(inc.lines[0]!.taxes[0]!.base + inc.inclusive_total).toBe(price);
          expect(Math.abs(inc.lines[0]!.taxes[0]!.base - base)).toBeLessThanOrEqual(ppms.length + 1);
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);

  it('property: breakdown sums to the line taxes, document rounding stays within a unit per line of exact', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: fc.integer({ min: 0, max: 1_000_000 }), cat: fc.constantFrom('general', 'food', 'books') }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom<'line' | 'document'>('line', 'document'),
        fc.boolean(),
        (ls, rounding, inclusive) => {
          const base = inclusive ? VAT : [...NY.map((r) => ({ ...r, exempt_categories: ['books'] })), { ...QC[1]!, code: 'CMP', categories: ['food'] }];
          const t = createTaxTable({ rates: base, rounding });
          const lines = ls.map((l, i) => ({ line_id: `l${i}`, tax_category: l.cat, amount: l.amount }));
          const r = computeTaxes(t, lines);
          const sumLines = r.lines.reduce((s, l) => s + l.exclusive + l.inclusive, 0);
          expect(r.tax_total).toBe(sumLines);
          expect(r.breakdown.reduce((s, b) => s + b.amount, 0)).toBe(r.tax_total);
          for (const l of r.lines) for (const tx of l.taxes) expect(tx.amount).toBeGreaterThanOrEqual(0);
          if (inclusive) r.lines.forEach((l, i) => expect(l.inclusive).toBeLessThanOrEqual(lines[i]!.amount));
          // every non-compound line tax is within one minor unit of the exact amount, whatever the rounding
          r.lines.forEach((l, i) => {
            for (const tx of l.taxes.filter((x) => !x.compound && !x.inclusive)) {
              expect(Math.abs(tx.amount * 1_000_000 - lines[i]!.amount * tx.rate_ppm)).toBeLessThan(1_000_000);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
