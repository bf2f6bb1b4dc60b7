// Integer division with an explicit rounding rule, on bigint so products of large amounts
// and quantities never lose precision.

export type RoundingMode = 'half-up' | 'half-even' | 'half-down' | 'up' | 'down' | 'ceiling' | 'floor';

export const ROUNDING_MODES: readonly RoundingMode[] = ['half-up', 'half-even', 'half-down', 'up', 'down', 'ceiling', 'floor'];

/**
 * numerator / denominator rounded by `mode`. 'half-up' and 'up' round away from zero
 * (commercial rounding); 'down' truncates toward zero; 'ceiling'/'floor' go toward ±infinity.
 */
export function divRound(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const q = numerator / denominator; // truncates toward zero
  const r = numerator % denominator;
  if (r === 0n) return q;
  const sign = numerator < 0n ? -1n : 1n;
  const twiceAbsR = (r < 0n ? -r : r) * 2n;
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return q + sign;
    case 'ceiling':
      return sign > 0n ? q + 1n : q;
    case 'floor':
      return sign < 0n ? q - 1n : q;
    case 'half-up':
      return twiceAbsR >= denominator ? q + sign : q;
    case 'half-down':
      return twiceAbsR > denominator ? q + sign : q;
    case 'half-even':
      if (twiceAbsR > denominator) return q + sign;
      if (twiceAbsR < denominator) return q;
      return q % 2n === 0n ? q : q + sign;
  }
}
