// Decimal quantities (0.375 kg, 3 each) as an integer count of 10^-scale units, so weighed
// goods are priced without binary floating point.

export interface Quantity {
  /** Integer count of 10^-scale units: 0.375 → { units: 375, scale: 3 }. */
  readonly units: number;
  readonly scale: number;
}

export const MAX_QUANTITY_SCALE = 6;

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

export function quantity(units: number, scale = 0): Quantity {
  if (!Number.isSafeInteger(units)) throw new QuantityError(`quantity units must be a safe integer, got ${units}`);
  if (!Number.isInteger(scale) || scale < 0 || scale > MAX_QUANTITY_SCALE) {
    throw new QuantityError(`quantity scale must be an integer 0..${MAX_QUANTITY_SCALE}, got ${scale}`);
  }
  return { units, scale };
}

// Up to 16 integer digits so every quantity() prints to a string this reads back; a value past
// 2^53 units is refused by quantity() (Number() of such a string is never a safe integer).
const DECIMAL = /^(-)?(\d{1,16})(?:\.(\d{1,6}))?$/;

/** Parses "3", "0.375", "-1.5". Refuses exponents, commas and more than 6 decimals. */
export function parseQuantity(text: string): Quantity {
  const m = DECIMAL.exec(text.trim());
  if (!m) throw new QuantityError(`not a decimal quantity: "${text}"`);
  const frac = m[3] ?? '';
  const units = Number(`${m[1] ?? ''}${m[2]}${frac}`);
  return quantity(units, frac.length);
}

export function quantityToString(q: Quantity): string {
  if (q.scale === 0) return String(q.units);
  const neg = q.units < 0;
  const digits = String(Math.abs(q.units)).padStart(q.scale + 1, '0');
  const s = `${digits.slice(0, -q.scale)}.${digits.slice(-q.scale)}`;
  return neg ? `-${s}` : s;
}

/**
 * A decimal quantity as text without trailing fraction zeros: "3.500000" → "3.5", "2.000" → "2"
 * (Postgres numeric and scaled-unit strings carry their full scale; people read the value).
 */
export function trimDecimalZeros(d: string): string {
  return d.includes('.') ? d.replace(/\.?0+$/, '') : d;
}

export function isWholeQuantity(q: Quantity): boolean {
  return q.units % 10 ** q.scale === 0;
}

/** Same value at a larger scale (exact). */
export function rescaleQuantity(q: Quantity, scale: number): Quantity {
  if (scale < q.scale) throw new QuantityError(`cannot rescale ${quantityToString(q)} to fewer decimals without rounding`);
  return quantity(q.units * 10 ** (scale - q.scale), scale);
}

// Scaled units: every valid quantity is an exact whole number of 10^-MAX_QUANTITY_SCALE units
// (micro-units), so sums, differences and comparisons over mixed scales are integer arithmetic.
// bigint, because a running total (a stock level, what was refunded of a line) may pass 2^53
// micro-units long before its quantity does. This is the one place the conversion is written:
// refunds, the register's stock projection and the hub's ingest all go through it.

/** The quantity as an exact count of micro-units (10^-6): 0.375 → 375000n. Refuses an invalid quantity. */
export function toScaledUnits(q: Quantity): bigint {
  const v = quantity(q.units, q.scale);
  return BigInt(v.units) * 10n ** BigInt(MAX_QUANTITY_SCALE - v.scale);
}

/**
 * Micro-units back to a Quantity at the smallest exact scale not below `minScale`
 * (375000n → {375, 3}, 2000000n → {2, 0}; with minScale 3, 2000000n → {2000, 3}), so a whole
 * number of pieces comes back with scale 0. Refuses a value whose units pass 2^53.
 */
export function fromScaledUnits(micro: bigint, minScale = 0): Quantity {
  let u = micro;
  let scale = MAX_QUANTITY_SCALE;
  while (scale > minScale && u % 10n === 0n) {
    u /= 10n;
    scale -= 1;
  }
  if (u > BigInt(Number.MAX_SAFE_INTEGER) || u < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new QuantityError(`quantity of ${micro} micro-units does not fit a safe integer`);
  }
  return quantity(Number(u), scale);
}

/** Micro-units as exact decimal text without trailing zeros ("1.5", "2", "-0.375"); never rounds, any size. */
export function scaledUnitsToString(micro: bigint): string {
  const neg = micro < 0n;
  const digits = (neg ? -micro : micro).toString().padStart(MAX_QUANTITY_SCALE + 1, '0');
  const whole = digits.slice(0, -MAX_QUANTITY_SCALE);
  const frac = digits.slice(-MAX_QUANTITY_SCALE).replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/**
 * Exact sum of any number of quantities (an empty list is 0), at the largest scale among them,
 * so 1.250 kg + 0.250 kg stays a three-decimal weight (1.500) as the scale printed it.
 */
export function sumQuantities(qs: Iterable<Quantity>): Quantity {
  let total = 0n;
  let scale = 0;
  for (const q of qs) {
    total += toScaledUnits(q);
    scale = Math.max(scale, q.scale);
  }
  return fromScaledUnits(total, scale);
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return sumQuantities([a, b]);
}

export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return fromScaledUnits(toScaledUnits(a) - toScaledUnits(b), Math.max(a.scale, b.scale));
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  const d = toScaledUnits(a) - toScaledUnits(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}
