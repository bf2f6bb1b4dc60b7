import { describe, expect, it } from 'vitest';
import { describeAdjustment, tenderOfAccount } from './adjustment-changes';
import { defaultChart } from './default-charts';

// What an adjusting entry changed, in the shop's terms, read from the lines alone.

const line = (account: string, signed: number, store = 'store-001', tender?: string) => ({
  account, currency: 'USD', debit: signed > 0 ? signed : 0, credit: signed < 0 ? -signed : 0, dimensions: { store_id: store, ...(tender ? { tender } : {}) },
});
const tenders: Record<string, string> = { '1000': 'cash', '1100': 'card' };
const tenderOf = (a: string) => tenders[a] ?? null;
const sale = [line('1100', 1070, 'store-001', 'card'), line('4000', -1000), line('2100', -70)];

describe('describeAdjustment', () => {
  it('a fixed tender is card → cash', () => {
    expect(describeAdjustment(sale, [line('1000', 1070), line('1100', -1070)], tenderOf)).toEqual([
      { kind: 'tender', from: 'card', to: 'cash', from_account: '1100', to_account: '1000', amount: 1070, currency: 'USD' },
    ]);
  });
  it('a sale moved to another store is store A → B, its accounts unchanged', () => {
    const move = sale.flatMap((l) => [line(l.account, l.credit - l.debit, 'store-001'), line(l.account, l.debit - l.credit, 'store-002')]);
    expect(describeAdjustment(sale, move, tenderOf)).toEqual([{ kind: 'store', from: 'store-001', to: 'store-002', amount: 1070, currency: 'USD' }]);
  });
  it('a reclassified and a split revenue line are account moves on the credit side', () => {
    expect(describeAdjustment(sale, [line('4000', 1000), line('4900', -1000)], tenderOf)).toEqual([{ kind: 'account', from: '4000', to: '4900', amount: 1000, currency: 'USD' }]);
    expect(describeAdjustment(sale, [line('4000', 300), line('4900', -300)], tenderOf)).toEqual([{ kind: 'account', from: '4000', to: '4900', amount: 300, currency: 'USD' }]);
  });
  it('an entry adjusted to nothing is removed', () => {
    expect(describeAdjustment(sale, sale.map((l) => line(l.account, l.credit - l.debit)), tenderOf)).toEqual([{ kind: 'removed', from: null, to: null, amount: 1070, currency: 'USD' }]);
  });
  it('reads each adjustment against the entry as earlier adjustments left it', () => {
    const first = [line('1000', 1070), line('1100', -1070)];
    expect(describeAdjustment([...sale, ...first], [line('1100', 1070), line('1000', -1070)], tenderOf)).toEqual([
      { kind: 'tender', from: 'cash', to: 'card', from_account: '1000', to_account: '1100', amount: 1070, currency: 'USD' },
    ]);
  });
});

describe('tenderOfAccount', () => {
  it('names the tender behind the chart accounts', () => {
    const chart = defaultChart('us');
    const m = chart.config.mapping;
    expect(tenderOfAccount(chart, m.cash_drawer.default)).toBe('cash');
    expect(tenderOfAccount(chart, Object.values(m.card_clearing.by_processor)[0]!)).toBe('card');
    expect(tenderOfAccount(chart, m.gift_card)).toBe('gift_card');
    expect(tenderOfAccount(chart, m.revenue.default!)).toBe(null);
    expect(tenderOfAccount(null, m.cash_drawer.default)).toBe(null);
  });
});
