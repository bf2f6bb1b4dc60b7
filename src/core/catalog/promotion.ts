import { z } from 'zod';
import { idSchema, isoTimeSchema, nonNegMinorSchema } from '../events/common';

// Promotion definitions. The sale engine (src/core/sale/promotions.ts) applies them
// deterministically and shows each one as a 'promotion' discount on the lines it touched.

export const promotionTargetSchema = z
  .object({
    skus: z.array(idSchema).max(1000).optional(),
    categories: z.array(idSchema).max(100).optional(),
  })
  .refine((t) => (t.skus?.length ?? 0) + (t.categories?.length ?? 0) > 0, { message: 'a promotion target needs at least one sku or category' });
export type PromotionTarget = z.infer<typeof promotionTargetSchema>;

const promotionBase = {
  promotion_id: idSchema,
  /** Receipt text, e.g. "3 for 2 on yogurt". */
  name: z.string().min(1).max(80),
  target: promotionTargetSchema,
  /** Lower runs first; ties by promotion_id. A unit takes part in at most one promotion. */
  priority: z.number().int().min(0).max(1_000_000).default(100),
  starts_at: isoTimeSchema.optional(),
  ends_at: isoTimeSchema.optional(),
  /** HQ can switch a promotion off without deleting it (the hub sends `active` on every promotion). */
  active: z.boolean().default(true),
};

/** percent_bp of the price off every eligible unit (1000 = 10 %). */
export const percentOffSchema = z.object({
  ...promotionBase,
  kind: z.literal('percent_off'),
  percent_bp: z.number().int().min(1).max(10_000),
});

/** For every buy_qty eligible units bought, get_qty more at get_percent_bp off (10000 = free); the cheapest units are the discounted ones. */
export const buyXGetYSchema = z.object({
  ...promotionBase,
  kind: z.literal('buy_x_get_y'),
  buy_qty: z.number().int().min(1).max(100),
  get_qty: z.number().int().min(1).max(100),
  get_percent_bp: z.number().int().min(1).max(10_000).default(10_000),
});

/** Any `quantity` eligible units for `price` (mix and match: "3 for 5.00"), most expensive units grouped first. */
export const mixMatchSchema = z.object({
  ...promotionBase,
  kind: z.literal('mix_match'),
  quantity: z.number().int().min(2).max(100),
  price: nonNegMinorSchema,
});

export const promotionSchema = z.discriminatedUnion('kind', [percentOffSchema, buyXGetYSchema, mixMatchSchema]);
export type Promotion = z.infer<typeof promotionSchema>;
export type PromotionInput = z.input<typeof promotionSchema>;
export type PercentOffPromotion = z.infer<typeof percentOffSchema>;
export type BuyXGetYPromotion = z.infer<typeof buyXGetYSchema>;
export type MixMatchPromotion = z.infer<typeof mixMatchSchema>;

export function promotionTargets(p: Pick<Promotion, 'target'>, sku: string, category: string): boolean {
  return (p.target.skus?.includes(sku) ?? false) || (p.target.categories?.includes(category) ?? false);
}

/** Whether the promotion runs at `nowIso` (ISO-8601 UTC strings compare in time order). */
export function promotionActiveAt(p: Pick<Promotion, 'starts_at' | 'ends_at'> & { active?: boolean }, nowIso: string): boolean {
  if (p.active === false) return false;
  const now = Date.parse(nowIso);
  if (p.starts_at !== undefined && now < Date.parse(p.starts_at)) return false;
  if (p.ends_at !== undefined && now >= Date.parse(p.ends_at)) return false;
  return true;
}
