import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  add,
  allocate,
  CurrencyError,
  divRound,
  formatMoney,
  money,
  MoneyError,
  multiplyByQuantity,
  multiplyRatio,
  parseMoney,
  parseQuantity,
  quantity,
  quantityToString,
  QuantityError,
  roundToIncrement,
  ROUNDING_MODES,
  subtract,
  sum,
  toDecimalString,
  type RoundingMode,
} from './index';

/**
 * Reference rounding, written differently from divRound: floor division first, then the
 * fractional part in [0, d) decides. Used to cross-check every mode.
 */
function refRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n; // floor
  const frac = n - q * d; // 0 <= frac < d
  if (frac === 0n) return q;
  const towardZero = n < 0n ? q + 1n : q;
  const awayFromZero = n < 0n ? q : q + 1n;
  const twice = 2n * frac;
  switch (mode) {
    case 'floor':
      return q;
    case 'ceiling':
      return q + 1n;
    case 'down':
      return towardZero;
    case 'up':
      return awayFromZero;
    case 'half-up':
      return twice > d ? q + 1n : twice < d ? q : awayFromZero;
    case 'half-down':
      return twice > d ? q + 1n : twice < d ? q : towardZero;
    case 'half-even':
      return twice > d ? q + 1n : twice < d ? q : q % 2n === 0n ? q : q + 1n;
  }
}

describe('rounding', () => {
  it('matches the java.math.RoundingMode table', () => {
    // value ×10 / 10 for 5.5 2.5 1.6 1.1 1.0 -1.0 -1.1 -1.6 -2.5 -5.5
    const xs = [55n, 25n, 16n, 11n, 10n, -10n, -11n, -16n, -25n, -55n];
    const table: Record<RoundingMode, number[]> = {
      up: [6, 3, 2, 2, 1, -1, -2, -2, -3, -6],
      down: [5, 2, 1, 1, 1, -1, -1, -1, -2, -5],
      ceiling: [6, 3, 2, 2, 1, -1, -1, -1, -2, -5],
      floor: [5, 2, 1, 1, 1, -1, -2, -2, -3, -6],
      'half-up': [6, 3, 2, 1, 1, -1, -1, -2, -3, -6],
      'half-down': [5, 2, 2, 1, 1, -1, -1, -2, -2, -5],
      'half-even': [6, 2, 2, 1, 1, -1, -1, -2, -2, -6],
    };
    for (const mode of ROUNDING_MODES) expect(xs.map((x) => Number(divRound(x, 10n, mode))), mode).toEqual(table[mode]);
  });

  it('property: divRound agrees with the reference for every mode, sign and denominator', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).filter((d) => d !== 0n), fc.constantFrom(...ROUNDING_MODES), (n, d, mode) => {
        expect(divRound(n, d, mode)).toBe(refRound(n, d, mode));
      }),
      { numRuns: 2000 },
    );
  }, 60_000);

  it('refuses division by zero', () => {
    expect(() => divRound(1n, 0n, 'half-up')).toThrow(RangeError);
  });
});

describe('allocate', () => {
  it('property: parts sum exactly and each is within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 }).filter((w) => w.some((x) => x > 0)),
        (amount, weights) => {
          const parts = allocate(money(amount, 'USD'), weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(amount);
          const W = BigInt(weights.reduce((a, b) => a + b, 0));
          parts.forEach((p, i) => {
            // |part − amount·w/W| < 1  ⇔  |part·W − amount·w| < W
            const diff = BigInt(p.amount) * W - BigInt(amount) * BigInt(weights[i]!);
            expect(diff < 0n ? -diff : diff).toBeLessThan(W);
            if (weights[i] === 0) expect(p.amount).toBe(0);
          });
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('is deterministic: ties go to the earlier part', () => {
    expect(allocate(money(100, 'USD'), [1, 1, 1]).map((m) => m.amount)).toEqual([34, 33, 33]);
    expect(allocate(money(-100, 'USD'), [1, 1, 1]).map((m) => m.amount)).toEqual([-34, -33, -33]);
  });

  it('refuses bad weights', () => {
    expect(() => allocate(money(1, 'USD'), [])).toThrow(MoneyError);
    expect(() => allocate(money(1, 'USD'), [0, 0])).toThrow(/sum to zero/);
    expect(() => allocate(money(1, 'USD'), [1.5])).toThrow(MoneyError);
    expect(() => allocate(money(1, 'USD'), [-1, 2])).toThrow(MoneyError);
  });
});

describe('money', () => {
  it('refuses floats, unsafe integers, unknown currencies and mixed currencies', () => {
    expect(() => money(1.5, 'USD')).toThrow(MoneyError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD')).toThrow(MoneyError);
    expect(() => money(2n ** 60n, 'USD')).toThrow(MoneyError);
    expect(() => money(1, 'XXX')).toThrow(CurrencyError);
    expect(() => add(money(1, 'USD'), money(1, 'EUR'))).toThrow(CurrencyError);
    expect(() => sum([money(1, 'USD')], 'EUR')).toThrow(CurrencyError);
    expect(Object.is(money(-0, 'USD').amount, -0)).toBe(false);
    expect(subtract(money(5, 'USD'), money(7, 'USD')).amount).toBe(-2);
  });

  it('multiplies by decimal quantities, rounding once', () => {
    expect(multiplyByQuantity(money(1299, 'USD'), parseQuantity('0.375'), 'half-up').amount).toBe(487); // 487.125
    expect(multiplyByQuantity(money(299, 'USD'), parseQuantity('1.5'), 'half-even').amount).toBe(448); // 448.5 → even
    expect(multiplyRatio(money(1000, 'USD'), 1, 3, 'half-up').amount).toBe(333);
  });

  it('rounds to a cash increment', () => {
    expect(roundToIncrement(money(1438, 'CHF'), 5).amount).toBe(1440);
    expect(roundToIncrement(money(1437, 'CHF'), 5).amount).toBe(1435);
    expect(roundToIncrement(money(-1438, 'CHF'), 5).amount).toBe(-1440);
    expect(roundToIncrement(money(1450, 'SEK'), 100, 'half-even').amount).toBe(1400);
    expect(() => roundToIncrement(money(1, 'USD'), 0)).toThrow(MoneyError);
  });

  it('property: decimal string round-trips for every exponent', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), fc.constantFrom('USD', 'JPY', 'BHD', 'CLF'), (n, cur) => {
        const m = money(n, cur);
        expect(parseMoney(toDecimalString(m), cur)).toEqual(m);
      }),
      { numRuns: 1000 },
    );
    expect(toDecimalString(money(-5, 'BHD'))).toBe('-0.005');
    expect(toDecimalString(money(1234, 'JPY'))).toBe('1234');
    expect(() => parseMoney('1.234', 'USD')).toThrow(/3 decimals/);
    expect(() => parseMoney('1e3', 'USD')).toThrow(MoneyError);
    expect(formatMoney(money(123456, 'USD'))).toBe('$1,234.56');
  });

  it('quantities parse and print exactly', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })),
        fc.integer({ min: 0, max: 6 }),
        (u, s) => {
          const q = quantity(u, s);
          const back = parseQuantity(quantityToString(q));
          expect(back).toEqual(q);
        },
      ),
      { examples: [[-1e12, 0], [Number.MAX_SAFE_INTEGER, 0], [Number.MIN_SAFE_INTEGER, 6]] },
    );
    expect(() => parseQuantity('9007199254740993')).toThrow(QuantityError);
    expect(() => parseQuantity('0.1234567')).toThrow();
    expect(() => quantity(1.5)).toThrow();
  });
});
