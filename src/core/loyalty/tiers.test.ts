import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loyaltySettingsSchema, pointsEarned, tierFor, DEFAULT_LOYALTY_SETTINGS } from './earn';

// Tiers (docs/loyalty.md): the highest tier reached by lifetime points; its multiplier applies
// once to the sale's sum before the floor, so a tier never earns less than no tier.
const TIERS = [
  { name: 'Silver', min_lifetime_points: 500, multiplier_pct: 125 },
  { name: 'Gold', min_lifetime_points: 2000, multiplier_pct: 150 },
];

describe('loyalty tiers', () => {
  it('picks the highest tier reached, in any order of the list', () => {
    expect(tierFor(TIERS, 0)).toBeNull();
    expect(tierFor(TIERS, 499)).toBeNull();
    expect(tierFor(TIERS, 500)?.name).toBe('Silver');
    expect(tierFor([...TIERS].reverse(), 2500)?.name).toBe('Gold');
    expect(tierFor([], 1_000_000)).toBeNull();
  });

  it('multiplies what a sale earns once, before the floor', () => {
    const lines = [{ category: 'grocery', net: 3490, discounts: [] }];
    expect(pointsEarned(DEFAULT_LOYALTY_SETTINGS, lines, 2)).toBe(34);
    expect(pointsEarned(DEFAULT_LOYALTY_SETTINGS, lines, 2, 150)).toBe(52); // 34.9 × 1.5 = 52.35
    expect(pointsEarned({ ...DEFAULT_LOYALTY_SETTINGS, category_multipliers: { grocery: 200 } }, lines, 2, 125)).toBe(87); // 34.9 × 2 × 1.25
  });

  it('a tier never earns less than no tier, nor more than its share', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 20 }), fc.integer({ min: 100, max: 1000 }), (nets, pct) => {
        const lines = nets.map((net) => ({ category: 'x', net, discounts: [] }));
        const base = pointsEarned(DEFAULT_LOYALTY_SETTINGS, lines, 2);
        const tiered = pointsEarned(DEFAULT_LOYALTY_SETTINGS, lines, 2, pct);
        const cents = nets.reduce((s, n) => s + n, 0);
        expect(tiered).toBeGreaterThanOrEqual(base);
        expect(tiered).toBe(Math.floor((cents * pct) / 10_000));
      }),
    );
  });

  it('settings: tiers default to none; bounded; no two at the same threshold', () => {
    const { tiers: _, ...old } = DEFAULT_LOYALTY_SETTINGS;
    expect(loyaltySettingsSchema.parse(old).tiers).toEqual([]);
    expect(loyaltySettingsSchema.safeParse({ ...old, tiers: [TIERS[0], { ...TIERS[1], min_lifetime_points: 500 }] }).success).toBe(false);
    expect(loyaltySettingsSchema.safeParse({ ...old, tiers: [{ ...TIERS[0], multiplier_pct: 90 }] }).success).toBe(false);
    expect(loyaltySettingsSchema.safeParse({ ...old, tiers: Array.from({ length: 11 }, (_, i) => ({ name: `T${i}`, min_lifetime_points: i, multiplier_pct: 100 })) }).success).toBe(false);
  });
});
