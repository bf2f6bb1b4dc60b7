import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffWindow, fullJitterDelay } from './backoff';

describe('full-jitter backoff', () => {
  it('doubles the window per attempt up to the cap', () => {
    const o = { baseMs: 100, maxMs: 1_000 };
    expect([0, 1, 2, 3, 4, 50].map((a) => backoffWindow(a, o))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('is always inside [0, window) and uses the whole window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const o = { baseMs: 250, maxMs: 30_000 };
        const d = fullJitterDelay(attempt, o, () => r);
        return Number.isInteger(d) && d >= 0 && d < Math.max(1, backoffWindow(attempt, o));
      }),
    );
    expect(fullJitterDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0)).toBe(0);
    expect(fullJitterDelay(3, { baseMs: 100, maxMs: 10_000 }, () => 0.999)).toBe(799);
  });

  it('refuses nonsense settings', () => {
    expect(() => backoffWindow(-1, { baseMs: 1, maxMs: 2 })).toThrow();
    expect(() => backoffWindow(0, { baseMs: 0, maxMs: 2 })).toThrow();
    expect(() => backoffWindow(0, { baseMs: 5, maxMs: 2 })).toThrow();
    expect(() => fullJitterDelay(0, { baseMs: 1, maxMs: 2 }, () => 1)).toThrow();
  });
});
