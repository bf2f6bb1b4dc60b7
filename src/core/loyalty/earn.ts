import { z } from 'zod';

// The chain's loyalty settings (HQ edits them; the hub sends them to every store's registers
// as the `loyalty` key of the store config) and the earn rule the register applies when it
// completes a sale for a customer. Points are whole numbers; a sale earns
// floor(Σ eligible line net × points_per_unit × multiplier / 10^minor digits), so the same
// sale always earns the same points on any register.

export const offlinePolicySchema = z.discriminatedUnion('mode', [
  /** No gift card or points redemption without the hub. */
  z.object({ mode: z.literal('refuse') }).strict(),
  /** Up to `limit_per_card_per_day` (minor units; points for points) per card and day per register; the risk is recorded. */
  z.object({ mode: z.literal('limit'), limit_per_card_per_day: z.number().int().min(0).max(100_000_000) }).strict(),
]);
export type OfflinePolicy = z.infer<typeof offlinePolicySchema>;

export const loyaltySettingsSchema = z
  .object({
    /** Points per whole currency unit of eligible net spend (1 = one point per dollar). */
    points_per_unit: z.number().int().min(0).max(1000),
    /** Minor units one point is worth when redeemed (1 = a cent). */
    point_value: z.number().int().min(1).max(1_000_000),
    /** Per category: multiplier in percent (200 = double points, 0 = none). Categories not listed: 100. */
    category_multipliers: z.record(z.string().max(64), z.number().int().min(0).max(10_000)).default({}),
    /** Promotions that multiply points while they run (percent, as above), keyed by promotion id. */
    promotion_multipliers: z.record(z.string().max(64), z.number().int().min(0).max(10_000)).default({}),
    offline: offlinePolicySchema,
    /** How long a reservation is held without its sale before it is released with an alert. */
    reservation_ttl_seconds: z.number().int().min(30).max(86_400),
    /**
     * Tiers by lifetime points (earned less taken back by returns and post-voids): a customer is in the highest
     * tier whose `min_lifetime_points` they reached, and earns `multiplier_pct` percent of the
     * points (on top of the category and promotion multipliers). None: everyone earns 100 %.
     */
    tiers: z
      .array(z.object({ name: z.string().min(1).max(40), min_lifetime_points: z.number().int().min(0).max(1_000_000_000), multiplier_pct: z.number().int().min(100).max(1000) }).strict())
      .max(10)
      .refine((ts) => new Set(ts.map((t) => t.min_lifetime_points)).size === ts.length, 'two tiers start at the same lifetime points')
      .default([]),
  })
  .strict();
export type LoyaltySettings = z.infer<typeof loyaltySettingsSchema>;
export type LoyaltySettingsInput = z.input<typeof loyaltySettingsSchema>;

export const DEFAULT_LOYALTY_SETTINGS: LoyaltySettings = {
  points_per_unit: 1,
  point_value: 1,
  category_multipliers: {},
  promotion_multipliers: {},
  offline: { mode: 'limit', limit_per_card_per_day: 5000 },
  reservation_ttl_seconds: 900,
  tiers: [],
};

export type LoyaltyTier = LoyaltySettings['tiers'][number];

/** The tier a customer with these lifetime points is in: the highest one reached, or null. */
export function tierFor(tiers: readonly LoyaltyTier[], lifetimePoints: number): LoyaltyTier | null {
  let best: LoyaltyTier | null = null;
  for (const t of tiers) if (lifetimePoints >= t.min_lifetime_points && (!best || t.min_lifetime_points > best.min_lifetime_points)) best = t;
  return best;
}

export interface EarnLine {
  category: string;
  net: number;
  gift_card_id?: string | undefined;
  discounts: ReadonlyArray<{ promotion_id?: string | undefined }>;
}

/**
 * Points a sale earns: gift card lines earn nothing (the points come when the card is spent).
 * `tierPct` is the customer's tier multiplier in percent (100 without a tier), applied once to
 * the sum before the floor.
 */
export function pointsEarned(settings: Pick<LoyaltySettings, 'points_per_unit' | 'category_multipliers' | 'promotion_multipliers'>, lines: readonly EarnLine[], minorDigits: number, tierPct = 100): number {
  let scaled = 0n; // Σ net × points_per_unit × multiplier%
  for (const l of lines) {
    if (l.gift_card_id !== undefined || l.net <= 0) continue;
    let pct = BigInt(settings.category_multipliers[l.category] ?? 100);
    for (const d of l.discounts) {
      const m = d.promotion_id !== undefined ? settings.promotion_multipliers[d.promotion_id] : undefined;
      if (m !== undefined) pct = (pct * BigInt(m)) / 100n;
    }
    scaled += BigInt(l.net) * BigInt(settings.points_per_unit) * pct;
  }
  return Number((scaled * BigInt(tierPct)) / (100n * 100n * 10n ** BigInt(minorDigits)));
}
