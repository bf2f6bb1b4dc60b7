import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReceipt } from './document';
import { SAMPLE_RECEIPT } from './sample';
import { formatMoney, formatQuantity, formatRate, minorToDecimalString } from './format';


describe('ReceiptDocument', () => {
  it('accepts a consistent receipt', () => {
    const r = parseReceipt(SAMPLE_RECEIPT);
    expect(r.ok).toBe(true);
  });

  it('names each bad field and the arithmetic that does not add up', () => {
    const r = parseReceipt({ ...SAMPLE_RECEIPT, currency: 'pounds', lines: [{ ...SAMPLE_RECEIPT.lines[0], amount: 1.5 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['currency', 'lines.0.amount']));
    const r2 = parseReceipt({ ...SAMPLE_RECEIPT, change: 900 });
    expect(!r2.ok && r2.problems.map((p) => p.path)).toEqual(['change']);
  });

  it('refuses card numbers showing more than first six and last four', () => {
    const card = (maskedPan: string) =>
      parseReceipt({ ...SAMPLE_RECEIPT, tenders: [{ kind: 'card', label: 'Visa', amount: 1079, card: { maskedPan } }], change: 0 }).ok;
    expect(card('411111******1111')).toBe(true);
    expect(card('************1111')).toBe(true);
    expect(card('4111111111111111')).toBe(false);
    expect(card('4111111*****1111')).toBe(false);
    expect(card('411111******11111')).toBe(false);
  });
});

describe('formatting', () => {
  it('formats minor units exactly per locale and currency exponent', () => {
    expect(formatMoney(123456, 'EUR', 'de-DE')).toBe('1.234,56\u00a0€');
    expect(formatMoney(-5, 'USD', 'en-US')).toBe('-$0.05');
    expect(formatMoney(1500, 'JPY', 'ja-JP')).toBe('￥1,500');
    expect(formatMoney(1234, 'BHD', 'en-US', 'none')).toBe('1.234');
    expect(formatRate(2000, 'en-GB')).toBe('20%');
    expect(formatRate(550, 'de-DE')).toBe('5,5\u00a0%');
    expect(formatQuantity({ kind: 'weight', milli: 355, unit: 'kg' }, 'en-GB')).toBe('0.355 kg');
  });

  it('turns any safe integer into the decimal string it stands for', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: 0, max: 4 }), (n, e) => {
        const s = minorToDecimalString(n, e);
        expect(BigInt(s.replace('.', ''))).toBe(BigInt(n));
        expect(s.includes('.') ? s.split('.')[1]!.length : 0).toBe(e);
      }),
    );
  });
});
