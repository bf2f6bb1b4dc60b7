import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addQuantities,
  compareQuantities,
  fromScaledUnits,
  parseQuantity,
  quantity,
  QuantityError,
  quantityToString,
  scaledUnitsToString,
  subtractQuantities,
  sumQuantities,
  toScaledUnits,
  trimDecimalZeros,
  type Quantity,
} from './quantity';

// The one scaled-quantity conversion (refunds, the register's stock, the hub's ingest use it).
// Checked against an independent reference: decimal text compared as exact rationals.

const arbQuantity = fc
  .record({ units: fc.integer({ min: -1e12, max: 1e12 }), scale: fc.integer({ min: 0, max: 6 }) })
  .map(({ units, scale }) => quantity(units, scale));

// Sums are kept at their largest scale, so terms small enough that 20 of them fit a safe integer at scale 6.
const arbTerm = fc
  .record({ units: fc.integer({ min: -1e8, max: 1e8 }), scale: fc.integer({ min: 0, max: 6 }) })
  .map(({ units, scale }) => quantity(units, scale));

/** Reference: the quantity as a fraction units / 10^scale brought to a common denominator 10^6 by text. */
function refMicro(q: Quantity): bigint {
  const text = quantityToString(q);
  const [whole, frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(`${whole}${frac.padEnd(6, '0')}`);
  return text.startsWith('-') ? -v : v;
}

describe('scaled quantities', () => {
  it('toScaledUnits is exact and fromScaledUnits gives back the same value', () => {
    fc.assert(
      fc.property(arbQuantity, (q) => {
        expect(toScaledUnits(q)).toBe(refMicro(q));
        const back = fromScaledUnits(toScaledUnits(q));
        expect(toScaledUnits(back)).toBe(toScaledUnits(q));
        // smallest exact scale: no trailing zero digit left unless the scale is 0
        if (back.scale > 0) expect(back.units % 10).not.toBe(0);
        expect(scaledUnitsToString(toScaledUnits(q))).toBe(quantityToString(back));
      }),
    );
    expect(fromScaledUnits(375000n)).toEqual({ units: 375, scale: 3 });
    expect(fromScaledUnits(2000000n)).toEqual({ units: 2, scale: 0 });
    expect(fromScaledUnits(2000000n, 3)).toEqual({ units: 2000, scale: 3 });
    expect(scaledUnitsToString(-375000n)).toBe('-0.375');
    expect(scaledUnitsToString(0n)).toBe('0');
  });

  it('sums, differences and comparisons over mixed scales are exact', () => {
    fc.assert(
      fc.property(fc.array(arbTerm, { maxLength: 20 }), (qs) => {
        const total = sumQuantities(qs);
        expect(toScaledUnits(total)).toBe(qs.reduce((s, q) => s + refMicro(q), 0n));
        expect(total.scale).toBe(Math.max(0, ...qs.map((q) => q.scale)));
      }),
    );
    fc.assert(
      fc.property(arbTerm, arbTerm, (a, b) => {
        expect(toScaledUnits(addQuantities(a, b))).toBe(refMicro(a) + refMicro(b));
        expect(toScaledUnits(subtractQuantities(a, b))).toBe(refMicro(a) - refMicro(b));
        const d = refMicro(a) - refMicro(b);
        expect(compareQuantities(a, b)).toBe(d === 0n ? 0 : d < 0n ? -1 : 1);
      }),
    );
    expect(addQuantities(parseQuantity('1.250'), parseQuantity('0.25'))).toEqual({ units: 1500, scale: 3 });
  });

  it('refuses invalid quantities and results past a safe integer', () => {
    expect(() => toScaledUnits({ units: 1.5, scale: 0 })).toThrow(QuantityError);
    expect(() => toScaledUnits({ units: 1, scale: 7 })).toThrow(QuantityError);
    expect(() => fromScaledUnits(BigInt(Number.MAX_SAFE_INTEGER) * 10n + 1n)).toThrow(QuantityError);
    // scaledUnitsToString never refuses: a running total past 2^53 still prints exactly
    expect(scaledUnitsToString(BigInt(Number.MAX_SAFE_INTEGER) * 10n + 1n)).toBe('90071992547.409911');
  });

  it('trims a decimal to the digits that carry value, and keeps its value', () => {
    expect(['3.500000', '2.000', '-0.250', '10', '100', '0.0', '-7.000001'].map(trimDecimalZeros)).toEqual(['3.5', '2', '-0.25', '10', '100', '0', '-7.000001']);
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 6 }), (u, s) => {
        const text = quantityToString(quantity(u, s));
        const trimmed = trimDecimalZeros(text);
        expect(compareQuantities(parseQuantity(trimmed), parseQuantity(text))).toBe(0);
        expect(trimmed.includes('.') && trimmed.endsWith('0')).toBe(false);
      }),
    );
  });
});
