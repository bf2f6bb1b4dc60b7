// AIM symbology identifiers (ISO/IEC 15424): "]" + code character + modifier, sent by a
// scanner in front of the data when configured to. We map the code character (and for a few
// symbologies the modifier) to a stable symbology name the application can branch on.

export type Symbology =
  | 'ean13' | 'ean8' | 'upca' | 'upce' | 'ean-addon' | 'code128' | 'gs1-128' | 'code39' | 'code93'
  | 'itf' | 'codabar' | 'gs1-databar' | 'datamatrix' | 'gs1-datamatrix' | 'qr' | 'gs1-qr'
  | 'pdf417' | 'aztec' | 'maxicode' | 'code11' | 'msi' | 'other' | 'unknown';

export interface AimId {
  /** The three characters as received, e.g. "]E0". */
  id: string;
  code: string;
  modifier: string;
  symbology: Symbology;
}

const BY_CODE: Record<string, Symbology> = {
  A: 'code39', C: 'code128', E: 'ean13', F: 'codabar', G: 'code93', H: 'code11', I: 'itf',
  L: 'pdf417', M: 'msi', Q: 'qr', U: 'maxicode', d: 'datamatrix', e: 'gs1-databar', z: 'aztec', X: 'other',
};

export function symbologyFromAim(code: string, modifier: string): Symbology {
  switch (code) {
    case 'C':
      return modifier === '1' ? 'gs1-128' : 'code128';
    case 'E':
      // E0: EAN-13/UPC-A (UPC-A is sent as 13 digits with a leading 0), E4: EAN-8, E1/E2/E3: add-ons.
      if (modifier === '4') return 'ean8';
      if (modifier === '1' || modifier === '2' || modifier === '3') return 'ean-addon';
      return 'ean13';
    case 'd':
      return modifier === '2' || modifier === '5' ? 'gs1-datamatrix' : 'datamatrix';
    case 'Q':
      return modifier === '3' || modifier === '4' ? 'gs1-qr' : 'qr';
    default:
      return BY_CODE[code] ?? 'unknown';
  }
}

/** Parse a leading AIM id from `text`; null when `text` does not start with one. */
export function parseAimPrefix(text: string): { aim: AimId; rest: string } | null {
  if (text.length < 3 || text[0] !== ']') return null;
  const code = text[1]!;
  const modifier = text[2]!;
  if (!/[A-Za-z]/.test(code) || !/[0-9A-Za-z]/.test(modifier)) return null;
  return {
    aim: { id: text.slice(0, 3), code, modifier, symbology: symbologyFromAim(code, modifier) },
    rest: text.slice(3),
  };
}

/** AIM id for a symbology, used by the simulator to prefix data like a configured scanner. */
export function aimIdFor(symbology: Symbology): string {
  switch (symbology) {
    case 'ean13': case 'upca': return ']E0';
    case 'ean8': return ']E4';
    case 'upce': return ']E0';
    case 'code128': return ']C0';
    case 'gs1-128': return ']C1';
    case 'code39': return ']A0';
    case 'code93': return ']G0';
    case 'itf': return ']I0';
    case 'codabar': return ']F0';
    case 'gs1-databar': return ']e0';
    case 'datamatrix': return ']d1';
    case 'gs1-datamatrix': return ']d2';
    case 'qr': return ']Q1';
    case 'gs1-qr': return ']Q3';
    case 'pdf417': return ']L2';
    case 'aztec': return ']z0';
    default: return ']X0';
  }
}
