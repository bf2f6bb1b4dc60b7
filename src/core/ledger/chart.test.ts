import { describe, expect, it } from 'vitest';
import { ChartError, cardClearingAccount, cashDrawerAccount, defaultLedgerName, discountAccount, loadChart, revenueAccount, taxPayableAccount, UnmappedAccountError, type ChartInput } from './chart';
import { EU_VAT_DEFAULT_CHART, US_DEFAULT_CHART, defaultChart } from './default-charts';

const clone = (c: ChartInput): ChartInput => structuredClone(c);

describe('chart of accounts', () => {
  it('loads both default charts', () => {
    expect(defaultChart('us').accounts.get('4000')?.type).toBe('revenue');
    expect(defaultChart('eu').config.time_zone).toBe('Europe/Berlin');
    expect(defaultChart('eu').ledgerNames.get('2310')).toBe('Liabilities:VAT:DE');
  });

  it('round-trips through a JSON config file', () => {
    for (const c of [US_DEFAULT_CHART, EU_VAT_DEFAULT_CHART]) {
      const fromFile = loadChart(JSON.parse(JSON.stringify(c)));
      expect(fromFile.config).toEqual(loadChart(c).config);
    }
    expect(() => loadChart('not a chart')).toThrow(ChartError);
  });

  it('refuses mappings to missing accounts or accounts of the wrong type, naming each problem', () => {
    const c = clone(US_DEFAULT_CHART);
    c.mapping.revenue.by_category = { toys: '4999', tax: '2200' };
    c.mapping.gift_card = '1000';
    let err: unknown;
    try {
      loadChart(c);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ChartError);
    const msg = (err as Error).message;
    expect(msg).toContain('mapping.revenue.by_category.toys refers to account "4999", which is not in the chart');
    expect(msg).toContain('mapping.gift_card refers to "1000" (asset); it must be liability');
    expect(msg).not.toContain('mapping.revenue.by_category.tax'); // liability is allowed for a category (gift cards sold)
  });

  it('refuses duplicate codes, bad ledger names, wrong roots, unknown keys and unknown time zones', () => {
    const c = clone(US_DEFAULT_CHART);
    c.accounts.push({ code: '1000', name: 'Again', type: 'asset' });
    c.accounts.push({ code: '7000', name: 'x', type: 'expense', ledger_name: 'Assets:Wrong' });
    c.accounts.push({ code: '7001', name: 'y', type: 'expense', ledger_name: 'Expenses:lower case' });
    c.time_zone = 'Mars/Olympus';
    (c.mapping as Record<string, unknown>).surprise = 1;
    expect(() => loadChart(c)).toThrow(/duplicate account code "1000"/);
    expect(() => loadChart(c)).toThrow(/must start with "Expenses:", got "Assets:Wrong"/);
    expect(() => loadChart(c)).toThrow(/accounts\.\d+\.ledger_name: must be colon-separated/);
    expect(() => loadChart(c)).toThrow(/unknown IANA time zone "Mars\/Olympus"/);
    expect(() => loadChart(c)).toThrow(/surprise/);
  });

  it('derives ledger names Beancount accepts', () => {
    expect(defaultLedgerName({ code: '6', name: 'petty cash / misc.', type: 'expense' })).toBe('Expenses:Petty-Cash-Misc');
    expect(defaultLedgerName({ code: '7', name: '%%%', type: 'contra-revenue' })).toBe('Income:A7');
  });

  it('resolves mappings: terminal over store over default, code over jurisdiction over default, promotion over kind', () => {
    const c = clone(US_DEFAULT_CHART);
    c.accounts.push({ code: '1001', name: 'Drawer T9', type: 'asset' }, { code: '1002', name: 'Drawers S2', type: 'asset' }, { code: '4511', name: 'Summer promo', type: 'contra-revenue' });
    c.mapping.cash_drawer.by_terminal = { T9: '1001' };
    c.mapping.cash_drawer.by_store = { S2: '1002' };
    c.mapping.tax_payable.by_code = { 'US-NY-SPECIAL': '2200' };
    c.mapping.discounts.by_promotion = { SUMMER: '4511' };
    const chart = loadChart(c);
    expect(cashDrawerAccount(chart, 'S2', 'T9').code).toBe('1001');
    expect(cashDrawerAccount(chart, 'S2', 'T1').code).toBe('1002');
    expect(cashDrawerAccount(chart, 'S1', 'T1').code).toBe('1000');
    expect(taxPayableAccount(chart, 'US-NY-SPECIAL', 'US-NY').code).toBe('2200');
    expect(taxPayableAccount(chart, 'US-NY-STATE', 'US-NY').code).toBe('2210');
    expect(taxPayableAccount(chart, 'US-WA-STATE', 'US-WA').code).toBe('2200');
    expect(discountAccount(chart, 'promotion', 'SUMMER').code).toBe('4511');
    expect(discountAccount(chart, 'promotion', 'OTHER').code).toBe('4510');
    expect(revenueAccount(chart, 'toys').code).toBe('4000');
    expect(revenueAccount(chart, '__proto__').code).toBe('4000');
  });

  it('an unknown processor, VAT jurisdiction or category (without default) names the missing mapping', () => {
    const eu = defaultChart('eu');
    expect(() => cardClearingAccount(eu, 'worldpay')).toThrow(UnmappedAccountError);
    expect(() => taxPayableAccount(eu, 'PL-VAT-STD', 'PL')).toThrow('no account mapped for jurisdiction "PL" tax code "PL-VAT-STD" (add it to chart mapping.tax_payable.by_code or .by_jurisdiction');
    const c = clone(EU_VAT_DEFAULT_CHART);
    delete c.mapping.revenue.default;
    expect(() => revenueAccount(loadChart(c), 'toys')).toThrow(/revenue category "toys".*mapping\.revenue\.by_category/);
  });
});
