import { createPriceBook, type PriceBook } from '../catalog/price-book';
import type { Product } from '../catalog/product';
import type { PromotionInput } from '../catalog/promotion';
import { createTaxTable, type TaxRateInput, type TaxTable } from '../tax/tax';
import { openSale } from './engine';
import { ALL_PERMISSIONS, DEFAULT_SALE_POLICY, type Actor, type Approval, type SaleContext, type SalePolicy, type SaleState } from './types';

// Shared fixtures for the sale, shift and ledger tests: a small US store and an EU store.

export const SALE_ID = '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10';
export const SHIFT_ID = '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b';

const p = (sku: string, price: number, extra: Partial<Product> = {}): Product => ({
  sku,
  gtins: [],
  name: sku,
  category: 'grocery',
  tax_category: 'general',
  unit: 'each',
  price,
  currency: 'USD',
  active: true,
  ...extra,
});

export const US_PRODUCTS: Product[] = [
  p('MILK', 349, { gtins: ['0012345678905'], name: 'Milk', tax_category: 'food' }),
  p('SHIRT', 1000, { name: 'Shirt', category: 'apparel' }),
  p('SOCKS', 500, { name: 'Socks', category: 'apparel' }),
  p('CAP', 1500, { name: 'Cap', category: 'apparel' }),
  p('YOG-A', 120, { name: 'Yogurt A', category: 'dairy', tax_category: 'food' }),
  p('YOG-B', 100, { name: 'Yogurt B', category: 'dairy', tax_category: 'food' }),
  p('APPLES', 299, { name: 'Apples', unit: 'kg', category: 'produce', tax_category: 'food' }),
  // weight-embedded label 25-12345-WWWWW-C → lookupKey 02512345000006
  p('CHEESE', 1999, { name: 'Deli cheese', unit: 'kg', category: 'deli', tax_category: 'food', gtins: ['2512345000006'] }),
  // price-embedded label 20-12345-PPPPP-C → lookupKey 02012345000001
  p('PIE', 0, { name: 'Bakery pie', category: 'bakery', tax_category: 'food', gtins: ['2012345000001'] }),
  p('DELI', 0, { name: 'Deli open', open_price: true, category: 'deli', tax_category: 'food' }),
  p('OLD', 100, { name: 'Discontinued', active: false }),
];

export const US_TAXES: TaxRateInput[] = [
  { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, categories: ['*'], exempt_categories: ['food'] },
  { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, categories: ['*'], exempt_categories: ['food'] },
];

export const EU_TAXES: TaxRateInput[] = [
  { code: 'DE-VAT-19', jurisdiction: 'DE', rate_ppm: 190_000, inclusive: true, categories: ['general'] },
  { code: 'DE-VAT-7', jurisdiction: 'DE', rate_ppm: 70_000, inclusive: true, categories: ['food'] },
];

export const CASHIER: Actor = { cashier_id: 'emp-17', permissions: ['sale.discount.line', 'sale.void_line', 'sale.refund', 'cash.drop', 'cash.paid_in', 'shift.close'] };
export const MANAGER: Approval = { approved_by: 'mgr-2', permissions: ALL_PERMISSIONS };

export function usBook(promotions: PromotionInput[] = [], version = 1, products: Product[] = US_PRODUCTS): PriceBook {
  return createPriceBook({ version, currency: 'USD', products, promotions });
}

export function usTaxes(): TaxTable {
  return createTaxTable({ rates: US_TAXES });
}

export function ctxWith(over: Partial<SaleContext> = {}, policy: Partial<SalePolicy> = {}): SaleContext {
  return {
    book: usBook(),
    taxes: usTaxes(),
    policy: { ...DEFAULT_SALE_POLICY, ...policy },
    actor: CASHIER,
    now: '2026-11-23T02:30:00.000Z',
    ...over,
  };
}

export function newSale(currency = 'USD', sale_id = SALE_ID): SaleState {
  return openSale({ sale_id, store_id: 'store-001', terminal_id: 'store-001-t1', shift_id: SHIFT_ID, cashier_id: 'emp-17', currency });
}
