import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AI_TABLE, type AiDefinition, needsSeparator, PREDEFINED_LENGTH } from './ai-table';
import { withCheckDigit } from './check-digit';
import { encodeElementString, GS, type Gs1Element, parseBracketed, parseElementString, toBracketed } from './element-string';
import type { BarcodeErrorCode } from './errors';

const YEAR = { currentYear: 2026 };
const GS1_EXAMPLE: Gs1Element[] = [
  { ai: '01', value: '09501101020917' },
  { ai: '17', value: '190508' },
  { ai: '10', value: 'ABCD1234' },
  { ai: '21', value: '10' },
];

function codeOf(fn: () => unknown): BarcodeErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: BarcodeErrorCode }).code;
  }
  return undefined;
}

describe('predefined-length table (GS1 figure 7.8.5-2)', () => {
  it('lists the AIs that need no separator, with total lengths matching the AI table', () => {
    expect(needsSeparator('01')).toBe(false);
    expect(needsSeparator('17')).toBe(false);
    expect(needsSeparator('3103')).toBe(false);
    expect(needsSeparator('414')).toBe(false);
    expect(needsSeparator('10')).toBe(true);
    expect(needsSeparator('422')).toBe(true); // fixed length, yet not predefined
    expect(needsSeparator('8005')).toBe(true);
    for (const d of AI_TABLE.values()) {
      const total = PREDEFINED_LENGTH[d.ai.slice(0, 2)];
      if (total !== undefined) {
        expect(d.fixedLength, d.ai).toBe(true);
        expect(d.ai.length + d.maxLength, d.ai).toBe(total);
      }
    }
  });
});

describe('element strings', () => {
  it('parses the GS1 example with GS separators, and encodes it back the same way', () => {
    const raw = '0109501101020917' + '17190508' + '10ABCD1234' + GS + '2110';
    expect(parseElementString(raw, YEAR)).toEqual(GS1_EXAMPLE);
    expect(encodeElementString(GS1_EXAMPLE, YEAR)).toBe(raw);
    expect(parseElementString(GS + raw, YEAR)).toEqual(GS1_EXAMPLE); // FNC1 transmitted as a leading GS
  });

  it('parses the bracketed form and writes it back', () => {
    const hri = '(01)09501101020917(17)190508(10)ABCD1234(21)10';
    expect(parseBracketed(hri, YEAR)).toEqual(GS1_EXAMPLE);
    expect(toBracketed(GS1_EXAMPLE)).toBe(hri);
  });

  it('tolerates a redundant GS after a predefined-length AI and a missing one after a fixed-length AI', () => {
    expect(parseElementString('0109501101020917' + GS + '10ABC', YEAR)).toEqual([
      { ai: '01', value: '09501101020917' },
      { ai: '10', value: 'ABC' },
    ]);
    expect(parseElementString('422250' + '10ABC', YEAR)).toEqual([
      { ai: '422', value: '250' },
      { ai: '10', value: 'ABC' },
    ]);
    expect(encodeElementString([{ ai: '422', value: '250' }, { ai: '10', value: 'ABC' }])).toBe('422250' + GS + '10ABC');
  });

  it('shows why the GS matters: without it a variable field swallows the next AI', () => {
    expect(parseElementString('10ABCD12342110', YEAR)).toEqual([{ ai: '10', value: 'ABCD12342110' }]);
  });

  it('validates check digits inside keys: SSCC, GTIN, GLN', () => {
    expect(parseElementString('00106141412345678908', YEAR)).toEqual([{ ai: '00', value: '106141412345678908' }]);
    expect(() => parseElementString('00106141412345678907', YEAR)).toThrow('AI (00): bad check digit in 106141412345678907: got 7, expected 8');
    const gln = withCheckDigit('950110153000');
    expect(parseElementString('414' + gln, YEAR)).toEqual([{ ai: '414', value: gln }]);
    const badGln = gln.slice(0, 12) + String((Number(gln[12]) + 1) % 10);
    expect(codeOf(() => parseElementString('414' + badGln, YEAR))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseElementString('0209501101020916', YEAR))).toBe('BAD_CHECK_DIGIT');
  });

  it('reports each kind of fault with its code and a message naming it', () => {
    expect(() => parseElementString('0109501101020917' + '1719050', YEAR)).toThrow('AI (17): expected 6 digits, got 5');
    expect(() => parseBracketed('(01)09501101020917(17)19050', YEAR)).toThrow('AI (17): expected 6 digits, got 5');
    expect(() => parseElementString('17190508' + GS + '10', YEAR)).toThrow('AI (10): expected 1 to 20 characters, got 0');
    expect(codeOf(() => parseElementString('10' + 'A'.repeat(21), YEAR))).toBe('BAD_LENGTH');
    expect(codeOf(() => parseElementString('0109501101020917' + '8999', YEAR))).toBe('UNKNOWN_AI');
    expect(codeOf(() => parseBracketed('(235)ABC', YEAR))).toBe('UNKNOWN_AI');
    expect(() => parseElementString('10AB CD', YEAR)).toThrow('AI (10): character " " at position 3 is not in the GS1 character set 82');
    expect(codeOf(() => parseElementString('171905A8', YEAR))).toBe('BAD_CHARACTER');
    expect(codeOf(() => parseElementString('17191308', YEAR))).toBe('BAD_DATE');
    expect(codeOf(() => parseElementString('17190230', YEAR))).toBe('BAD_DATE');
    expect(codeOf(() => parseElementString('10A' + GS + '10B', YEAR))).toBe('DUPLICATE_AI');
    expect(parseElementString('10A' + GS + '10A', YEAR)).toEqual([{ ai: '10', value: 'A' }]);
    expect(codeOf(() => parseBracketed('01)09501101020917', YEAR))).toBe('BAD_FORMAT');
    expect(codeOf(() => parseBracketed('(01', YEAR))).toBe('BAD_FORMAT');
    expect(codeOf(() => parseElementString(GS, YEAR))).toBe('BAD_FORMAT');
    expect(codeOf(() => parseElementString('10' + 'A'.repeat(5000), YEAR))).toBe('TOO_LONG');
    expect(codeOf(() => parseElementString('7003190508' + '2460', YEAR))).toBe('BAD_DATE');
  });

  it('reads composite AIs: ISO currency price, GDTI, ship-to postcode', () => {
    expect(parseBracketed('(3932)978001299(253)9501101020917ABC(421)276D-12345', YEAR)).toEqual([
      { ai: '3932', value: '978001299' },
      { ai: '253', value: '9501101020917ABC' },
      { ai: '421', value: '276D-12345' },
    ]);
  });

  it('honours "\\(" escapes in bracketed values', () => {
    expect(parseBracketed('(10)AB\\(10)CD', YEAR)).toEqual([{ ai: '10', value: 'AB(10)CD' }]);
    expect(parseBracketed('(10)AB(CD', YEAR)).toEqual([{ ai: '10', value: 'AB(CD' }]);
  });
});

// ---------- property tests: random valid element strings round-trip ----------

const DIGIT = fc.constantFrom(...'0123456789');
const CSET82 = [...'!"%&\'()*+,-./:;<=>?_', ...'0123456789', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', ...'abcdefghijklmnopqrstuvwxyz'];
const X = fc.constantFrom(...CSET82);
const digitsArb = (min: number, max: number) => fc.string({ unit: DIGIT, minLength: min, maxLength: max });
const pad2 = (n: number) => String(n).padStart(2, '0');
const dateArb = fc
  .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 28 }))
  .map(([y, m, d]) => pad2(y) + pad2(m) + pad2(d));

function valueArb(d: AiDefinition): fc.Arbitrary<string> {
  if (d.kind === 'date') return dateArb;
  if (d.kind === 'datetime') {
    return fc.tuple(dateArb, fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([dt, h, m]) => dt + pad2(h) + pad2(m));
  }
  const parts = d.components.map((c, i) => {
    if (i === 0 && d.checkDigit) return digitsArb(c.max - 1, c.max - 1).map(withCheckDigit);
    return c.charset === 'N' ? digitsArb(c.min, c.max) : fc.string({ unit: X, minLength: c.min, maxLength: c.max });
  });
  return fc.tuple(...parts).map((ps) => ps.join(''));
}

const DEFS = [...AI_TABLE.values()];
const elementArb: fc.Arbitrary<Gs1Element> = fc
  .constantFrom(...DEFS)
  .chain((d) => valueArb(d).map((value) => ({ ai: d.ai, value })));
const elementsArb = fc.uniqueArray(elementArb, { minLength: 1, maxLength: 8, selector: (e) => e.ai });

describe('element string properties', () => {
  it('encode → parse returns the same elements in the same order', () => {
    fc.assert(
      fc.property(elementsArb, (els) => {
        expect(parseElementString(encodeElementString(els, YEAR), YEAR)).toEqual(els);
      }),
      { numRuns: 500 },
    );
  });

  it('bracketed HRI ↔ raw element string', () => {
    fc.assert(
      fc.property(elementsArb, (els) => {
        const raw = encodeElementString(els, YEAR);
        const hri = toBracketed(els, { escape: true });
        expect(parseBracketed(hri, YEAR)).toEqual(els);
        expect(encodeElementString(parseBracketed(hri, YEAR), YEAR)).toBe(raw);
        expect(toBracketed(parseElementString(raw, YEAR), { escape: true })).toBe(hri);
      }),
      { numRuns: 500 },
    );
  });

  it('the unescaped HRI reads back whenever no value contains "("', () => {
    fc.assert(
      fc.property(elementsArb, (els) => {
        fc.pre(els.every((e) => !e.value.includes('(')));
        expect(parseBracketed(toBracketed(els), YEAR)).toEqual(els);
      }),
      { numRuns: 300 },
    );
  });
});
