import { promotionTargets, type Promotion } from '../catalog/promotion';
import type { Discount } from '../events/sale';
import { allocate, money } from '../money/money';
import { divRound } from '../money/rounding';

// Applies promotions to the lines of a sale, deterministically: promotions in (priority,
// promotion_id) order, lines in sale order, and every unit takes part in at most one
// promotion. The result is a list of 'promotion' discounts per line.

export interface PromoLine {
  line_id: string;
  sku: string;
  category: string;
  unit: 'each' | 'kg';
  /** Whole units for 'each' lines; ignored for 'kg'. */
  units: number;
  /** Effective unit price (after any price override), minor units. */
  unit_price: number;
  /** Line price before discounts (after any override), minor units. */
  price: number;
}

/** A bound on the units expanded for buy-X-get-Y and mix-and-match, so one line of 9999 cannot blow up. */
export const MAX_PROMO_UNITS = 20_000;

interface Unit {
  line: number;
  price: number;
}

function byPriceDesc(a: Unit, b: Unit): number {
  return b.price - a.price || a.line - b.line;
}

export function applyPromotions(lines: readonly PromoLine[], promotions: readonly Promotion[], currency: string): Map<string, Discount[]> {
  const out = new Map<string, Discount[]>();
  const remaining = lines.map((l) => (l.unit === 'each' ? l.units : 1)); // kg lines: 1 = whole line still free
  const add = (i: number, p: Promotion, amount: number): void => {
    if (amount <= 0) return;
    const id = lines[i]!.line_id;
    const list = out.get(id) ?? [];
    const existing = list.find((d) => d.promotion_id === p.promotion_id);
    if (existing) existing.amount += amount;
    else list.push({ kind: 'promotion', amount, promotion_id: p.promotion_id, reason: p.name });
    out.set(id, list);
  };

  for (const p of promotions) {
    const eligible = lines.map((l, i) => i).filter((i) => remaining[i]! > 0 && promotionTargets(p, lines[i]!.sku, lines[i]!.category));
    if (eligible.length === 0) continue;

    if (p.kind === 'percent_off') {
      for (const i of eligible) {
        const l = lines[i]!;
        const base = l.unit === 'each' ? l.unit_price * remaining[i]! : l.price;
        add(i, p, Number(divRound(BigInt(base) * BigInt(p.percent_bp), 10_000n, 'half-up')));
        remaining[i] = 0;
      }
      continue;
    }

    // Unit-based promotions: whole units of 'each' lines only.
    const units: Unit[] = [];
    for (const i of eligible) {
      const l = lines[i]!;
      if (l.unit !== 'each') continue;
      for (let k = 0; k < remaining[i]! && units.length < MAX_PROMO_UNITS; k++) units.push({ line: i, price: l.unit_price });
    }
    units.sort(byPriceDesc);

    if (p.kind === 'buy_x_get_y') {
      const groups = Math.floor(units.length / (p.buy_qty + p.get_qty));
      if (groups === 0) continue;
      // The most expensive units are the ones bought, the cheapest the ones discounted.
      const bought = units.slice(0, groups * p.buy_qty);
      const got = units.slice(units.length - groups * p.get_qty);
      for (const u of bought) remaining[u.line] = remaining[u.line]! - 1;
      for (const u of got) {
        remaining[u.line] = remaining[u.line]! - 1;
        add(u.line, p, Number(divRound(BigInt(u.price) * BigInt(p.get_percent_bp), 10_000n, 'half-up')));
      }
      continue;
    }

    // mix_match: consecutive groups of `quantity` units, most expensive first.
    const groups = Math.floor(units.length / p.quantity);
    for (let g = 0; g < groups; g++) {
      const group = units.slice(g * p.quantity, (g + 1) * p.quantity);
      const regular = group.reduce((s, u) => s + u.price, 0);
      if (regular <= p.price) continue; // no saving: leave the units for other promotions
      const shares = allocate(money(regular - p.price, currency), group.map((u) => u.price));
      group.forEach((u, k) => {
        remaining[u.line] = remaining[u.line]! - 1;
        add(u.line, p, shares[k]!.amount);
      });
    }
  }
  return out;
}
