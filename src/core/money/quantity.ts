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

const DECIMAL = /^(-)?(\d{1,12})(?:\.(\d{1,6}))?$/;

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

export function isWholeQuantity(q: Quantity): boolean {
  return q.units % 10 ** q.scale === 0;
}

/** Same value at a larger scale (exact). */
export function rescaleQuantity(q: Quantity, scale: number): Quantity {
  if (scale < q.scale) throw new QuantityError(`cannot rescale ${quantityToString(q)} to fewer decimals without rounding`);
  return quantity(q.units * 10 ** (scale - q.scale), scale);
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const scale = Math.max(a.scale, b.scale);
  return quantity(rescaleQuantity(a, scale).units + rescaleQuantity(b, scale).units, scale);
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  const scale = Math.max(a.scale, b.scale);
  return Math.sign(rescaleQuantity(a, scale).units - rescaleQuantity(b, scale).units);
}
