import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { squareChart } from '../testing/square-chart';
import { jsonLines, postHistoryLine, type HistorySale } from './format';
import { parseStoreMap, squareAmount, squareTransactionsToHistory, wallToUtc } from './square';

// The Square Transactions CSV mapping on fixtures built to Square's published layout (the
// current header and an older one), each row checked against what it must become, and every
// mapped line posted by core in memory (its arithmetic holds and the default chart posts it).

const dir = join(__dirname, 'fixtures');
const current = readFileSync(join(dir, 'square-transactions.csv'));
const older = readFileSync(join(dir, 'square-transactions-older.csv'));
const stores = new Map([
  ['Main Street', { store_id: 'store-001', currency: 'USD' }],
  ['Harbour', { store_id: 'store-002', currency: 'USD' }],
]);
const chart = squareChart;

function sales(bytes: Buffer): Array<{ line: number; sale: HistorySale }> {
  return [...jsonLines(bytes)].map(({ line, text }) => ({ line, sale: postHistoryLine(JSON.parse(text), line, chart).sale }));
}

describe('Square Transactions CSV', () => {
  it('maps each row of the current layout to our history line on the same line number', () => {
    const { bytes, rows } = squareTransactionsToHistory(current, { stores });
    expect(rows).toBe(5);
    const got = sales(bytes);
    expect(got.map((g) => g.line)).toEqual([2, 3, 4, 5, 6]);
    const [card, cash, split, refund, london] = got.map((g) => g.sale);
    expect(card).toEqual({
      id: 'H0gwRVidtVcard1', store_id: 'store-001', completed_at: '2022-11-11T05:50:48.000Z', currency: 'USD',
      lines: [{ sku: 'SQUARE-SALES', description: 'Square sales', category: 'square-sales', quantity: '1', unit_price: '22.50', taxes: [] }],
      tenders: [{ kind: 'card', amount: '22.50', processor: 'square', card_brand: 'Visa', last4: '4242' }],
    });
    expect(cash).toMatchObject({ id: 'TXNcash2', store_id: 'store-002', completed_at: '2022-11-11T13:05:00.000Z', cashier: 'EMP-7', tenders: [{ kind: 'cash', amount: '10.80' }] });
    expect(cash!.lines[0]!.taxes).toEqual([{ code: 'SQUARE-TAX', jurisdiction: 'square', rate: '8.0000', amount: '0.80', inclusive: false }]);
    // Thousands separators, a discount, tax, a tip and four tenders; only the last four digits of the card.
    expect(split!.lines).toEqual([
      { sku: 'SQUARE-SALES', description: 'Square sales', category: 'square-sales', quantity: '1', unit_price: '1234.50', discount: '34.50', taxes: [{ code: 'SQUARE-TAX', jurisdiction: 'square', rate: '8.0000', amount: '96.00', inclusive: false }] },
      { sku: 'SQUARE-TIP', description: 'Square tips', category: 'square-tips', quantity: '1', unit_price: '20.00', taxes: [] },
    ]);
    expect(split!.tenders).toEqual([
      { kind: 'card', amount: '1000.00', processor: 'square', card_brand: 'Mastercard', last4: '1111' },
      { kind: 'cash', amount: '216.00' },
      { kind: 'gift_card', amount: '50.00', gift_card_id: 'square' },
      { kind: 'card', amount: '50.00', processor: 'square-other:Check' },
    ]);
    expect(bytes.toString()).not.toContain('5555444433331111');
    // The refund: amounts turned round, its own id, refund_of the payment's transaction.
    expect(refund).toMatchObject({ refund_of: 'H0gwRVidtVcard1', id: 'H0gwRVidtVcard1/refund/PAY-card1/2022-11-13T17:30:00.000Z', lines: [{ unit_price: '22.50' }], tenders: [{ kind: 'card', amount: '22.50' }] });
    expect(london).toMatchObject({ completed_at: '2022-11-14T10:00:00.000Z', lines: [{ unit_price: '5.00' }, { sku: 'SQUARE-SERVICE-CHARGE', unit_price: '1.00' }] });
  });

  it('reads the older layout (Other Tender Note, fewer columns) with US dates and 12-hour times', () => {
    const got = sales(squareTransactionsToHistory(older, { stores }).bytes).map((g) => g.sale);
    expect(got[0]).toMatchObject({ id: 'OLDtxn6', completed_at: '2021-03-07T20:30:00.000Z', lines: [{ unit_price: '8.00', discount: '1.00', taxes: [{ amount: '0.56', rate: '8.0000' }] }, { sku: 'SQUARE-TIP', unit_price: '1.44' }] });
    expect(got[0]!.tenders).toEqual([{ kind: 'card', amount: '9.00', processor: 'square', card_brand: 'American-Express', last4: '0005' }]);
    // 12:15 AM is just after midnight; gift card sales become their own line.
    expect(got[1]).toMatchObject({ completed_at: '2021-03-08T06:15:00.000Z', lines: [{ unit_price: '25.00' }, { sku: 'SQUARE-GIFT-CARD-SALES', unit_price: '25.00' }] });
  });

  it('is the same bytes every time (the job is keyed by them)', () => {
    expect(squareTransactionsToHistory(current, { stores }).bytes.equals(squareTransactionsToHistory(current, { stores }).bytes)).toBe(true);
    // Windows line ends and a byte order mark read the same.
    const crlf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(current.toString().replace(/\n/g, '\r\n'))]);
    expect(squareTransactionsToHistory(crlf, { stores }).bytes.equals(squareTransactionsToHistory(current, { stores }).bytes)).toBe(true);
  });

  it('refuses bad rows, each named by line and reason, and maps none of the file', () => {
    const header = current.toString().split('\n')[0]!;
    const good = current.toString().split('\n')[1]!;
    const bad = [
      header,
      good,
      good.replace('Main Street', 'Uptown'),
      good.replace('Pacific Time (US & Canada)', 'Kathmandu'),
      good.replace(',$22.50,Keyed', ',$21.50,Keyed'),
      good.replace('$22.50,$0.00,$0.00,$22.50', '$22.5O,$0.00,$0.00,$22.50'),
      good.replace('2022-11-10', '2022-13-10'),
    ].join('\n');
    let err: { code?: string; message?: string } = {};
    try {
      squareTransactionsToHistory(Buffer.from(bad), { stores });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('BAD_HISTORY_LINE');
    expect(err.message!.split('; ')).toEqual([
      'line 3: Location "Uptown" is not in the store map',
      'line 4: Time Zone "Kathmandu" is not one we know (give the file\'s IANA zone with --source-tz)',
      'line 5: tenders (Card + Cash + Square Gift Card + Other Tender) are 21.50, not Total Collected 22.50',
      'line 6: Gross Sales "$22.5O" is not an amount',
      'line 7: Date 2022-13-10 is not a calendar date',
    ]);
    // An override zone takes the place of the column.
    const zoned = squareTransactionsToHistory(Buffer.from([header, good.replace('Pacific Time (US & Canada)', 'Kathmandu')].join('\n')), { stores, timeZone: 'Asia/Kathmandu' });
    expect(sales(zoned.bytes)[0]!.sale.completed_at).toBe('2022-11-10T16:05:48.000Z');
  });

  it('refuses a file that is not a Square Transactions CSV, naming the missing columns', () => {
    expect(() => squareTransactionsToHistory(Buffer.from('id,store_id\n1,store-001\n'), { stores })).toThrow(/BAD_HEADER|no column Date, Time, Time Zone/);
    expect(() => squareTransactionsToHistory(Buffer.from(`${current.toString().split('\n')[0]}\n`), { stores })).toThrow(/no sales/);
  });

  it('reads amounts, store maps and wall times', () => {
    expect(squareAmount('$1,234.50', 'x', 'USD')).toBe(123450);
    expect(squareAmount('-$0.95', 'x', 'USD')).toBe(-95);
    expect(squareAmount('', 'x', 'USD')).toBe(0);
    expect(squareAmount('¥1,200', 'x', 'JPY')).toBe(1200);
    expect(() => squareAmount('$1.234', 'x', 'USD')).toThrow(/more decimals/);
    expect(() => squareAmount('$12,34', 'x', 'USD')).toThrow(/not an amount/);
    expect([...parseStoreMap('Main Street=store-001, Harbour = store-002')]).toEqual([['Main Street', 'store-001'], ['Harbour', 'store-002']]);
    expect([...parseStoreMap('{"Main Street":"store-001"}')]).toEqual([['Main Street', 'store-001']]);
    expect(() => parseStoreMap('Main Street')).toThrow(/not Location=store_id/);
    expect(() => parseStoreMap('A=store-001,A=store-002')).toThrow(/mapped twice/);
    expect(() => parseStoreMap('A=bad store')).toThrow(/must name a store id/);
    // Both daylight saving changes: the repeated hour is taken the first time.
    expect(wallToUtc({ y: 2022, mo: 11, d: 6, h: 1, mi: 30, s: 0 }, 'America/New_York').toISOString()).toBe('2022-11-06T05:30:00.000Z');
    expect(wallToUtc({ y: 2022, mo: 3, d: 13, h: 3, mi: 30, s: 0 }, 'America/New_York').toISOString()).toBe('2022-03-13T07:30:00.000Z');
  });
});
