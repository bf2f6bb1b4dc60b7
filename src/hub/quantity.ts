// Stock quantities cross the wire as core's Quantity {units, scale} (units / 10^scale) and
// live in Postgres as exact `numeric`, so sums over mixed scales stay exact.

export interface Qty {
  units: number;
  scale: number;
}

const MAX_SCALE = 6;

export function qtyToDecimal(q: Qty): string {
  if (!Number.isSafeInteger(q.units)) throw new Error(`quantity units must be a safe integer, got ${q.units}`);
  if (!Number.isInteger(q.scale) || q.scale < 0 || q.scale > MAX_SCALE) throw new Error(`quantity scale must be 0..${MAX_SCALE}, got ${q.scale}`);
  const neg = q.units < 0;
  const digits = String(Math.abs(q.units)).padStart(q.scale + 1, '0');
  const s = q.scale === 0 ? digits : `${digits.slice(0, digits.length - q.scale)}.${digits.slice(digits.length - q.scale)}`;
  return neg ? `-${s}` : s;
}

export function decimalToQty(d: string | number): Qty {
  const s = String(d).trim();
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new Error(`not a decimal quantity: ${s}`);
  const frac = (m[3] ?? '').replace(/0+$/, '');
  if (frac.length > MAX_SCALE) throw new Error(`quantity ${s} has more than ${MAX_SCALE} decimals`);
  const units = Number(`${m[2]}${frac}`) * (m[1] ? -1 : 1);
  if (!Number.isSafeInteger(units)) throw new Error(`quantity ${s} out of range`);
  return { units: Object.is(units, -0) ? 0 : units, scale: frac.length };
}
