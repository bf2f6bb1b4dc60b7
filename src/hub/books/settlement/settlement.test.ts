import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettlementBytes, parseSettlementText, SettlementParseError } from './index';

// Settlement reports in the processors' published layouts (Stripe's itemized payout
// reconciliation report, Adyen's Settlement details report) and our generic CSV.

const dir = path.join(import.meta.dirname, 'fixtures');
const text = (name: string) => readFileSync(path.join(dir, name), 'utf8');

function parseErr(fn: () => unknown): SettlementParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SettlementParseError);
    return e as SettlementParseError;
  }
  throw new Error('expected a SettlementParseError');
}

describe('Stripe payout reconciliation (itemized)', () => {
  const r = parseSettlementBytes(readFileSync(path.join(dir, 'stripe-payout-reconciliation.csv')));
  it('reads gross, fee, net, category and payment intent per balance transaction', () => {
    expect(r.format).toBe('stripe');
    expect(r.processor).toBe('stripe');
    expect(r.lines.map((l) => [l.kind, l.reference, l.gross, l.fee, l.net, l.payout_id, l.transaction_date])).toEqual([
      ['sale', 'pi_3QyR1aKb3s9xT2a1', '107.50', '3.42', '104.08', 'po_1QzA8bKb3s9xT2', '2026-11-25'],
      ['sale', 'pi_3QyR2bKb3s9xT2b2', '1436.00', '41.94', '1394.06', 'po_1QzA8bKb3s9xT2', '2026-11-25'],
      ['refund', 'pi_3QyR1aKb3s9xT2a1', '-25.00', '0.00', '-25.00', 'po_1QzA8bKb3s9xT2', '2026-11-26'],
      ['fee', '', '0.00', '0.07', '-0.07', 'po_1QzA8bKb3s9xT2', '2026-11-26'],
      ['sale', 'pi_3QyT5eKb3s9xT2e5', '60.00', '2.04', '57.96', 'po_1QzB9cKb3s9xT2', '2026-11-27'],
    ]);
    expect(r.lines[2]!.description).toBe('Refund, wrong size');
  });
  it('derives each automatic payout as the sum of its lines', () => {
    expect(r.payouts).toEqual([
      { payout_id: 'po_1QzA8bKb3s9xT2', date: '2026-11-28', currency: 'USD', amount: '1473.07', lines_check: 'ok' },
      { payout_id: 'po_1QzB9cKb3s9xT2', date: '2026-11-29', currency: 'USD', amount: '57.96', lines_check: 'ok' },
    ]);
  });
  it('refuses a row whose net is not gross − fee, naming line and column', () => {
    expect(parseErr(() => parseSettlementText(text('stripe-payout-reconciliation.csv').replace('1436.00,41.94,1394.06', '1436.00,41.94,1394.60'))).message).toBe(
      'stripe: line 3: net: 1394.60 is not gross 1436.00 − fee 41.94',
    );
  });
});

describe('Adyen Settlement details report', () => {
  const r = parseSettlementText(text('adyen-settlement-details.csv'));
  it('reads settled, refunded, chargeback and fee rows with their costs', () => {
    expect(r.format).toBe('adyen');
    expect(r.lines.map((l) => [l.kind, l.reference, l.merchant_reference, l.gross, l.fee, l.net])).toEqual([
      ['sale', '8816178952380553', 'store-001-t1-000041', '42.50', '0.47', '42.03'],
      ['sale', '8816178952380554', 'store-001-t1-000042', '930.00', '4.99', '925.01'],
      ['refund', '8816178952380553', 'store-001-t1-000041', '-12.50', '0.04', '-12.54'],
      ['chargeback', '8816178952380417', 'store-002-t1-000007', '-20.00', '15.00', '-35.00'],
      ['fee', '', '', '0.00', '1.20', '-1.20'],
    ]);
    expect(new Set(r.lines.map((l) => l.line_id)).size).toBe(5);
  });
  it('takes the MerchantPayout row as the batch payout and checks it against the lines', () => {
    expect(r.payouts).toEqual([{ payout_id: '48', date: '2026-11-27', currency: 'EUR', amount: '918.30', lines_check: 'ok' }]);
    const short = parseSettlementText(text('adyen-settlement-details.csv').replace('EUR,918.30', 'EUR,900.00'));
    expect(short.payouts[0]!.lines_check).toBe('mismatch');
  });
  it('refuses a bad amount and a missing column', () => {
    expect(parseErr(() => parseSettlementText(text('adyen-settlement-details.csv').replace('42.03', '42,03'))).message).toMatch(/^adyen: line 2: /);
    expect(parseErr(() => parseSettlementText(text('adyen-settlement-details.csv').replace('Batch Number', 'Batch'))).message).toBe('adyen: line 1: missing column "Batch Number"');
  });
});

describe('generic settlement CSV', () => {
  it('reads lines and an explicit payout', () => {
    const r = parseSettlementText(text('generic.csv'), { processor: 'worldpay' });
    expect(r.processor).toBe('worldpay');
    expect(r.lines.map((l) => [l.kind, l.gross, l.fee, l.net])).toEqual([
      ['sale', '80.00', '1.92', '78.08'],
      ['sale', '19.99', '0.48', '19.51'],
      ['refund', '-10.00', '0.00', '-10.00'],
      ['fee', '0.00', '4.50', '-4.50'],
    ]);
    expect(r.payouts).toEqual([{ payout_id: 'WPB-1126', date: '2026-11-27', currency: 'USD', amount: '83.09', lines_check: 'ok' }]);
  });
  it('needs a processor key, a known type and a currency', () => {
    expect(parseErr(() => parseSettlementText(text('generic.csv'))).where).toBe('processor');
    expect(parseErr(() => parseSettlementText(text('generic.csv').replace('refund,', 'return,'), { processor: 'wp' })).message).toMatch(/^generic: line 4: type: must be one of payout, sale/);
    expect(parseErr(() => parseSettlementText(text('generic.csv').replace('Visa', 'Visa\nsale,2026-11-25,X,,US,1,0,1,,,'), { processor: 'wp' })).message).toBe('generic: line 3: currency: not an ISO 4217 currency: "US"');
  });
});
