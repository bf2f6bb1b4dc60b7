import { loadChart, type Chart, type ChartInput } from './chart';

// Starting charts for a US sales-tax store and an EU VAT store. HQ copies one to a JSON file
// and edits it; the codes follow the usual 1xxx assets, 2xxx liabilities, 4xxx income,
// 6xxx expenses numbering so they drop into QuickBooks or Xero charts easily.

const commonAccounts: ChartInput['accounts'] = [
  { code: '1000', name: 'Cash Drawers', type: 'asset', ledger_name: 'Assets:Cash:Drawers' },
  { code: '1010', name: 'Safe', type: 'asset', ledger_name: 'Assets:Cash:Safe' },
  { code: '1020', name: 'Deposits in Transit', type: 'asset', ledger_name: 'Assets:Cash:In-Transit' },
  { code: '1030', name: 'Bank Operating Account', type: 'asset', ledger_name: 'Assets:Bank:Operating' },
  { code: '1110', name: 'Card Clearing Stripe', type: 'asset', ledger_name: 'Assets:Card-Clearing:Stripe' },
  { code: '1120', name: 'Card Clearing Adyen', type: 'asset', ledger_name: 'Assets:Card-Clearing:Adyen' },
  { code: '1130', name: 'Card Clearing Square', type: 'asset', ledger_name: 'Assets:Card-Clearing:Square' },
  { code: '1190', name: 'Card Clearing Simulator', type: 'asset', ledger_name: 'Assets:Card-Clearing:Simulator' },
  { code: '1900', name: 'Suspense', type: 'asset', ledger_name: 'Assets:Suspense' },
  { code: '2100', name: 'Gift Card Liability', type: 'liability', ledger_name: 'Liabilities:Gift-Cards' },
  { code: '2110', name: 'Loyalty Points Liability', type: 'liability', ledger_name: 'Liabilities:Loyalty-Points' },
  { code: '4000', name: 'Sales', type: 'revenue', ledger_name: 'Income:Sales:General' },
  { code: '4010', name: 'Sales Grocery', type: 'revenue', ledger_name: 'Income:Sales:Grocery' },
  { code: '4020', name: 'Sales Produce', type: 'revenue', ledger_name: 'Income:Sales:Produce' },
  { code: '4030', name: 'Sales Beverages', type: 'revenue', ledger_name: 'Income:Sales:Beverages' },
  { code: '4040', name: 'Sales Bakery', type: 'revenue', ledger_name: 'Income:Sales:Bakery' },
  { code: '4050', name: 'Sales Household', type: 'revenue', ledger_name: 'Income:Sales:Household' },
  { code: '4060', name: 'Sales Apparel', type: 'revenue', ledger_name: 'Income:Sales:Apparel' },
  { code: '4500', name: 'Sales Discounts', type: 'contra-revenue', ledger_name: 'Income:Discounts:General' },
  { code: '4510', name: 'Promotional Discounts', type: 'contra-revenue', ledger_name: 'Income:Discounts:Promotions' },
  { code: '4520', name: 'Price Overrides', type: 'contra-revenue', ledger_name: 'Income:Discounts:Overrides' },
  { code: '4530', name: 'Loyalty Points Granted', type: 'contra-revenue', ledger_name: 'Income:Discounts:Loyalty' },
  { code: '4600', name: 'Sales Returns', type: 'contra-revenue', ledger_name: 'Income:Returns' },
  { code: '4900', name: 'Other Income', type: 'revenue', ledger_name: 'Income:Other' },
  { code: '6100', name: 'Petty Cash Expenses', type: 'expense', ledger_name: 'Expenses:Petty-Cash' },
  { code: '6110', name: 'Store Supplies', type: 'expense', ledger_name: 'Expenses:Supplies' },
  { code: '6120', name: 'Delivery Costs', type: 'expense', ledger_name: 'Expenses:Delivery' },
  { code: '6200', name: 'Card Processing Fees', type: 'expense', ledger_name: 'Expenses:Card-Fees' },
  { code: '6300', name: 'Loyalty and Gift Card Adjustments', type: 'expense', ledger_name: 'Expenses:Loyalty-Adjustments' },
  { code: '6900', name: 'Cash Over and Short', type: 'expense', ledger_name: 'Expenses:Cash-Over-Short' },
  { code: '6910', name: 'Cash Rounding', type: 'expense', ledger_name: 'Expenses:Cash-Rounding' },
];

const commonMapping = {
  cash_drawer: { default: '1000', by_store: {}, by_terminal: {} },
  // No default: a payment from an unknown processor must not land in some other processor's
  // clearing account, where settlement reconciliation would never match it.
  card_clearing: { by_processor: { stripe: '1110', adyen: '1120', square: '1130', sim: '1190' } },
  gift_card: '2100',
  loyalty: { liability: '2110', expense: '4530' },
  adjustments: { points: '6300', gift_card: '6300' },
  other_tenders: {},
  revenue: { default: '4000', by_category: { grocery: '4010', produce: '4020', beverages: '4030', bakery: '4040', household: '4050', apparel: '4060' } },
  discounts: { default: '4500', by_kind: { promotion: '4510', override: '4520' }, by_promotion: {} },
  returns: { default: '4600', by_category: {} },
  refund_mode: 'returns_account' as const,
  cash_over_short: '6900',
  cash_rounding: '6910',
  paid_in: { default: '4900', by_hint: {} },
  paid_out: { default: '6100', by_hint: { 'expense:supplies': '6110', 'expense:delivery': '6120' } },
  cash_drop: { default: '1010', by_hint: { safe: '1010', bank: '1020' } },
  float_source: '1010',
  drawer_custody: 'per_shift' as const,
  bank: '1030',
  processor_fees: { default: '6200', by_processor: {} },
  review_suspense: '1900',
};

/** US store: one sales-tax payable account per state (tax code's jurisdiction), NY and CA listed. */
export const US_DEFAULT_CHART: ChartInput = {
  version: 1,
  name: 'US retail (sales tax)',
  time_zone: 'America/New_York',
  accounts: [
    ...commonAccounts,
    { code: '2200', name: 'Sales Tax Payable', type: 'liability', ledger_name: 'Liabilities:Sales-Tax:Other' },
    { code: '2210', name: 'Sales Tax Payable NY', type: 'liability', ledger_name: 'Liabilities:Sales-Tax:NY' },
    { code: '2211', name: 'Sales Tax Payable NYC', type: 'liability', ledger_name: 'Liabilities:Sales-Tax:NYC' },
    { code: '2220', name: 'Sales Tax Payable CA', type: 'liability', ledger_name: 'Liabilities:Sales-Tax:CA' },
  ],
  mapping: {
    ...commonMapping,
    tax_payable: { default: '2200', by_code: {}, by_jurisdiction: { 'US-NY': '2210', 'US-NY-NYC': '2211', 'US-CA': '2220' } },
  },
};

/**
 * EU store: output VAT per member state. No default: VAT owed to an unlisted country must be
 * mapped on purpose, because it is filed to a different authority.
 */
export const EU_VAT_DEFAULT_CHART: ChartInput = {
  version: 1,
  name: 'EU retail (VAT)',
  time_zone: 'Europe/Berlin',
  accounts: [
    ...commonAccounts,
    { code: '2310', name: 'Output VAT DE', type: 'liability', ledger_name: 'Liabilities:VAT:DE' },
    { code: '2320', name: 'Output VAT FR', type: 'liability', ledger_name: 'Liabilities:VAT:FR' },
    { code: '2330', name: 'Output VAT NL', type: 'liability', ledger_name: 'Liabilities:VAT:NL' },
    { code: '2340', name: 'Output VAT AT', type: 'liability', ledger_name: 'Liabilities:VAT:AT' },
    { code: '2350', name: 'Output VAT IE', type: 'liability', ledger_name: 'Liabilities:VAT:IE' },
    { code: '2360', name: 'Output VAT ES', type: 'liability', ledger_name: 'Liabilities:VAT:ES' },
    { code: '2370', name: 'Output VAT IT', type: 'liability', ledger_name: 'Liabilities:VAT:IT' },
    { code: '2380', name: 'Output VAT BE', type: 'liability', ledger_name: 'Liabilities:VAT:BE' },
  ],
  mapping: {
    ...commonMapping,
    tax_payable: {
      by_code: {},
      by_jurisdiction: { DE: '2310', FR: '2320', NL: '2330', AT: '2340', IE: '2350', ES: '2360', IT: '2370', BE: '2380' },
    },
  },
};

export function defaultChart(kind: 'us' | 'eu'): Chart {
  return loadChart(kind === 'us' ? US_DEFAULT_CHART : EU_VAT_DEFAULT_CHART);
}
