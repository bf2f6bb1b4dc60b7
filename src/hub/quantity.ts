import { quantity, quantityToString, type Quantity } from '../core/money/quantity';

// Stock quantities cross the wire as core's Quantity {units, scale} (units / 10^scale) and
// live in Postgres as exact `numeric`, so sums over mixed scales stay exact.

export type Qty = Quantity;

/** Core's Quantity as the decimal text Postgres `numeric` takes; refuses an invalid quantity. */
export function qtyToDecimal(q: Qty): string {
  return quantityToString(quantity(q.units, q.scale));
}

/**
 * Postgres `numeric` output back to a Quantity. Unlike core's parseQuantity this accepts the
 * trailing zeros Postgres keeps from the column's scale ("3.500000" → 3.5).
 */
export function decimalToQty(d: string | number): Qty {
  const s = String(d).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a decimal quantity: ${s}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const units = Number(`${m[2]}${frac}`) * (m[1] ? -1 : 1);
  return quantity(Object.is(units, -0) ? 0 : units, frac.length);
}
