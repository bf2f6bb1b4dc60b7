import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withCheckDigit } from './check-digit';
import { encodeElementString, GS } from './element-string';
import type { BarcodeErrorCode } from './errors';
import { parseScan, rescalePrice, weightOf } from './parse-scan';
import { encodeRcn, RCN_PRESETS } from './rcn';

const NOW = { now: new Date('2026-11-23T00:00:00Z') };
const EXAMPLE_ELEMENTS = { '01': '09501101020917', '17': '190508', '10': 'ABCD1234', '21': '10' };
const EXAMPLE_HRI = '(01)09501101020917(17)190508(10)ABCD1234(21)10';

function codeOf(fn: () => unknown): BarcodeErrorCode | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: BarcodeErrorCode }).code;
  }
  return undefined;
}

describe('parseScan: EAN/UPC', () => {
  it.each([
    ['9501101020917', 'EAN-13', '09501101020917'],
    ['09501101020917', 'GTIN-14', '09501101020917'],
    ['036000291452', 'UPC-A', '00036000291452'],
    ['96385074', 'EAN-8', '00000096385074'],
    [']E09501101020917', 'EAN-13', '09501101020917'],
    [']E00036000291452', 'UPC-A', '00036000291452'], // UPC-A sent as 13 digits under ]E0
    ['0036000291452', 'UPC-A', '00036000291452'],
    [']E4' + '96385074', 'EAN-8', '00000096385074'],
    [']E001234565', 'UPC-E', '00012345000065'],
    [']I109501101020917', 'ITF-14', '09501101020917'],
    ['9501101020917\r\n', 'EAN-13', '09501101020917'],
  ])('%j → %s %s', (raw, symbology, gtin) => {
    const p = parseScan(raw, NOW);
    expect(p.symbology).toBe(symbology);
    expect(p.gtin).toBe(gtin);
    expect(p.lookupKey).toBe(gtin);
    expect(p.elements).toEqual({ '01': gtin });
    expect(p.hri).toBe(`(01)${gtin}`);
  });

  it('uses the driver symbology hint when there is no AIM identifier', () => {
    expect(parseScan('01234565', { symbology: 'UPC-E' })).toMatchObject({ symbology: 'UPC-E', gtin: '00012345000065' });
    expect(parseScan('01234565')).toMatchObject({ symbology: 'EAN-8' }); // 8 digits are EAN-8 unless told otherwise
    expect(parseScan('ABC-42', { symbology: 'code_39' })).toMatchObject({ symbology: 'Code 39', lookupKey: 'ABC-42' });
  });

  it('understands the symbology names of src/drivers/scanner (AIM prefix already stripped)', () => {
    const raw = '0109501101020917' + '17190508' + '10ABCD1234' + GS + '2110';
    expect(parseScan('9501101020917', { symbology: 'ean13' }).symbology).toBe('EAN-13');
    expect(parseScan('036000291452', { symbology: 'upca' }).symbology).toBe('UPC-A');
    expect(parseScan('01234565', { symbology: 'upce' }).gtin).toBe('00012345000065');
    expect(parseScan('01234565', { symbology: 'ean13' }).symbology).toBe('UPC-E'); // ]E0 with 8 digits
    expect(parseScan('96385074', { symbology: 'ean8' }).symbology).toBe('EAN-8');
    expect(parseScan(raw, { symbology: 'gs1-128', now: NOW.now }).elements).toEqual(EXAMPLE_ELEMENTS);
    expect(parseScan(raw, { symbology: 'gs1-databar', now: NOW.now }).symbology).toBe('GS1 DataBar');
    expect(parseScan(raw, { symbology: 'gs1-datamatrix', now: NOW.now }).symbology).toBe('GS1 DataMatrix');
    expect(parseScan(raw, { symbology: 'gs1-qr', now: NOW.now }).symbology).toBe('GS1 QR');
    expect(parseScan('HELLO', { symbology: 'code39' }).symbology).toBe('Code 39');
    expect(parseScan('9501101020917' + '12', { symbology: 'ean-addon' })).toMatchObject({ gtin: '09501101020917', addOn: '12' });
    expect(parseScan('12', { symbology: 'ean-addon' })).toMatchObject({ symbology: 'EAN add-on', addOn: '12' });
    expect(parseScan(']E212345')).toMatchObject({ symbology: 'EAN add-on', lookupKey: '12345' });
    expect(parseScan('1234567890123', { symbology: 'msi' })).toMatchObject({ symbology: 'MSI', lookupKey: '1234567890123' });
    expect(parseScan(']d5' + raw, NOW).symbology).toBe('GS1 DataMatrix');
  });

  it('splits 2- and 5-digit add-ons', () => {
    const issn = withCheckDigit('977147396801');
    expect(parseScan(']E3' + issn + '05', NOW)).toMatchObject({ symbology: 'EAN-13', gtin: '0' + issn, addOn: '05' });
    expect(parseScan(']E3036000291452' + '05', NOW)).toMatchObject({ symbology: 'UPC-A', gtin: '00036000291452', addOn: '05' });
    expect(parseScan(']E301234565' + '12', NOW)).toMatchObject({ symbology: 'UPC-E', gtin: '00012345000065', addOn: '12' });
    const p = parseScan('9501101020917' + '51299', NOW);
    expect(p).toMatchObject({ symbology: 'EAN-13', gtin: '09501101020917', addOn: '51299' });
  });

  it('refuses bad check digits and lengths with exact codes', () => {
    expect(codeOf(() => parseScan('9501101020918'))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseScan('036000291453'))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseScan('96385075'))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseScan(']E001234566'))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseScan(']E012345'))).toBe('BAD_LENGTH');
    expect(codeOf(() => parseScan(']E4123'))).toBe('BAD_LENGTH');
    expect(codeOf(() => parseScan(']E095011010209X7'))).toBe('BAD_CHARACTER');
    expect(codeOf(() => parseScan(''))).toBe('EMPTY');
    expect(codeOf(() => parseScan('\r\n'))).toBe('EMPTY');
    expect(codeOf(() => parseScan(']C1'))).toBe('EMPTY');
    expect(codeOf(() => parseScan('1'.repeat(5000)))).toBe('TOO_LONG');
  });

  it('property: any valid EAN-13 parses to its GTIN; any single-digit change is refused', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'13456789'), minLength: 1, maxLength: 1 }), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 11, maxLength: 11 }), fc.nat(12), fc.integer({ min: 1, max: 9 }), (first, rest, at, delta) => {
        const ean = withCheckDigit(first + rest);
        expect(parseScan(ean).gtin).toBe('0' + ean);
        const bad = ean.slice(0, at) + String((Number(ean[at]) + delta) % 10) + ean.slice(at + 1);
        expect(codeOf(() => parseScan(bad))).toBe('BAD_CHECK_DIGIT');
      }),
    );
  });
});

describe('parseScan: GS1 element strings', () => {
  const raw = '0109501101020917' + '17190508' + '10ABCD1234' + GS + '2110';
  it.each([
    [']C1' + raw, 'GS1-128'],
    [']e0' + raw, 'GS1 DataBar'],
    [']d2' + raw, 'GS1 DataMatrix'],
    [']Q3' + raw, 'GS1 QR'],
    [GS + raw, 'GS1'],
    [EXAMPLE_HRI, 'GS1'],
    [']C0' + GS + raw, 'GS1-128'], // FNC1 sent as GS after a plain Code 128 identifier
    [']d1' + GS + raw, 'GS1 DataMatrix'],
  ])('the GS1 example as %j → %s', (scan, symbology) => {
    const p = parseScan(scan, NOW);
    expect(p.symbology).toBe(symbology);
    expect(p.gtin).toBe('09501101020917');
    expect(p.elements).toEqual(EXAMPLE_ELEMENTS);
    expect(p.hri).toBe(EXAMPLE_HRI);
    expect(p.lookupKey).toBe('09501101020917');
    expect(p.expiry).toEqual({ year: 2019, month: 5, day: 8, endOfMonth: false, iso: '2019-05-08' });
    expect(p.batch).toBe('ABCD1234');
    expect(p.serial).toBe('10');
  });

  it('reads the same example with the variable fields in the other order and no GS at all where none is needed', () => {
    const p = parseScan(']C1' + '0109501101020917' + '17190508' + '2110' + GS + '10ABCD1234', NOW);
    expect(p.elements).toEqual(EXAMPLE_ELEMENTS);
    expect(parseScan('0109501101020917' + '17190508' + '10ABCD1234', NOW).elements).toEqual({ '01': '09501101020917', '17': '190508', '10': 'ABCD1234' });
  });

  it('reads an SSCC', () => {
    expect(parseScan(']C100106141412345678908', NOW)).toMatchObject({ sscc: '106141412345678908', hri: '(00)106141412345678908' });
  });

  it('exposes net weight (310n, 320n) and price (392n, 393n) of a variable measure item', () => {
    const gtin = withCheckDigit('9950110102091');
    const p = parseScan(`(01)${gtin}(3103)001250(3922)1299`, NOW);
    expect(p.weight).toEqual({ grams: 1250, value: '1.250', unit: 'kg' });
    expect(p.price).toEqual({ amountMinor: 1299, decimals: 2 });
    const q = parseScan(`]C101${gtin}3201002000` + `3932978001299`, NOW);
    expect(q.weight).toEqual({ grams: 90718, value: '200.0', unit: 'lb' }); // 200.0 lb × 453.59237 g
    expect(q.price).toEqual({ amountMinor: 1299, decimals: 2, currency: 'EUR', currencyNumeric: '978' });
  });

  it('reads DD=00 expiry as end of month and other dates by their accessors', () => {
    const p = parseScan('(01)09501101020917(11)260101(15)270200(16)261231(13)260102', NOW);
    expect(p.productionDate?.iso).toBe('2026-01-01');
    expect(p.bestBefore).toMatchObject({ iso: '2027-02-28', endOfMonth: true });
    expect(p.sellBy?.iso).toBe('2026-12-31');
    expect(p.packagingDate?.iso).toBe('2026-01-02');
  });

  it('refuses faulty element strings with the exact error code', () => {
    expect(() => parseScan(']C10109501101020917' + '1719050', NOW)).toThrow('AI (17): expected 6 digits, got 5');
    expect(codeOf(() => parseScan(']C10109501101020918', NOW))).toBe('BAD_CHECK_DIGIT');
    expect(codeOf(() => parseScan(']C10109501101020917' + '8999X', NOW))).toBe('UNKNOWN_AI');
    expect(codeOf(() => parseScan('(01)09501101020917(10)AB CD', NOW))).toBe('BAD_CHARACTER');
    expect(codeOf(() => parseScan('(01)09501101020917(17)191301', NOW))).toBe('BAD_DATE');
    expect(codeOf(() => parseScan('0109501101020916' + '10X', NOW))).toBe('BAD_CHECK_DIGIT'); // no FNC1, still recognised as GS1
  });

  it('property: encoded element strings round-trip through parseScan with any GS1 identifier', () => {
    const els = fc.record({
      gtin: fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 13, maxLength: 13 }).map(withCheckDigit),
      batch: fc.string({ unit: fc.constantFrom(...'ABCXYZ0123-/'), minLength: 1, maxLength: 20 }),
      serial: fc.string({ unit: fc.constantFrom(...'abc789.%'), minLength: 1, maxLength: 20 }),
      grams: fc.integer({ min: 0, max: 999999 }),
    });
    fc.assert(
      fc.property(els, fc.constantFrom(']C1', ']e0', ']d2', ']Q3', GS), ({ gtin, batch, serial, grams }, prefix) => {
        const list = [
          { ai: '01', value: gtin },
          { ai: '10', value: batch },
          { ai: '3103', value: String(grams).padStart(6, '0') },
          { ai: '21', value: serial },
        ];
        const p = parseScan(prefix + encodeElementString(list), NOW);
        expect(p.elementList).toEqual(list);
        expect(p.gtin).toBe(gtin);
        expect(p.weight?.grams).toBe(grams);
        expect(parseScan(p.hri, NOW).elementList).toEqual(list);
      }),
    );
  });
});

describe('parseScan: restricted circulation numbers', () => {
  it('decodes an EU price label with the default layouts', () => {
    const code = encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 1299);
    const p = parseScan(code, { currency: 'EUR' });
    expect(p).toMatchObject({ symbology: 'EAN-13', restricted: true, rcn: { prefix: '21', kind: 'price', itemReference: '04711' } });
    expect(p.price).toEqual({ amountMinor: 1299, decimals: 2, currency: 'EUR' });
    expect(p.gtin).toBeUndefined();
    expect(p.lookupKey).toBe('0' + encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 0));
  });

  it('decodes an EU weight label to grams', () => {
    const p = parseScan(encodeRcn('28', RCN_PRESETS.eu['28']!, '00042', 1250));
    expect(p.weight).toEqual({ grams: 1250, value: '1.250', unit: 'kg' });
    expect(p.price).toBeUndefined();
  });

  it('decodes a US UPC-A price label, with and without the price check digit', () => {
    const plain = encodeRcn('02', RCN_PRESETS.us['02']!, '12345', 1995).slice(1); // 12 digits as a UPC-A
    expect(parseScan(plain, { currency: 'USD' })).toMatchObject({ symbology: 'UPC-A', price: { amountMinor: 1995, currency: 'USD' }, rcn: { prefix: '02' } });
    const checked = encodeRcn('02', RCN_PRESETS.usPriceCheck['02']!, '12345', 1995).slice(1);
    expect(parseScan(checked, { rcn: RCN_PRESETS.usPriceCheck }).price?.amountMinor).toBe(1995);
  });

  it('leaves an RCN undecoded when no layout is configured, keyed by the code itself', () => {
    const code = encodeRcn('21', RCN_PRESETS.eu['21']!, '04711', 1299);
    const p = parseScan(code, { rcn: false });
    expect(p).toMatchObject({ restricted: true, lookupKey: '0' + code });
    expect(p.price).toBeUndefined();
    expect(p.rcn).toBeUndefined();
  });
});

describe('weights and prices', () => {
  it('converts measures to grams', () => {
    expect(weightOf(1250, 3, 'kg')).toEqual({ grams: 1250, value: '1.250', unit: 'kg' });
    expect(weightOf(5, 0, 'kg')).toEqual({ grams: 5000, value: '5', unit: 'kg' });
    expect(weightOf(12345, 5, 'kg')).toEqual({ grams: 123, value: '0.12345', unit: 'kg' });
    expect(weightOf(10, 1, 'lb').grams).toBe(454);
  });

  it('rescales prices rounding half away from zero', () => {
    expect(rescalePrice({ amountMinor: 12345, decimals: 3 }, 2)).toEqual({ amountMinor: 1235, decimals: 2 });
    expect(rescalePrice({ amountMinor: 12, decimals: 0 }, 2)).toEqual({ amountMinor: 1200, decimals: 2 });
  });
});
