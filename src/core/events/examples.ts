import type { SaleCompletedPayload, SaleRefundedPayload } from './sale';
import type { ShiftClosedPayload } from './shift';

// Hand-checked example payloads: documentation for NOTES.md and fixtures for other areas'
// tests (ledger, hub, register). Each one passes its own schema (see events.test.ts).
//
// A NY sale: 2 × 3.49 milk (food, exempt from state tax, 0 tax here), 1 × 10.00 shirt
// with a 1.00 line discount, taxed 4 % state + 4.875 % local, exclusive (US style).
// Shirt net 9.00; state tax 0.36, local 0.44 (0.43875 half-up). Lines 6.98 + 9.80 = 16.78.
// Paid 10.00 card + 6.78 cash from a 10.00 note (change 3.22).

export const EXAMPLE_SALE_COMPLETED: SaleCompletedPayload = {
  sale_id: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10',
  store_id: 'store-001',
  terminal_id: 'store-001-t1',
  shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b',
  cashier_id: 'emp-17',
  currency: 'USD',
  price_book_version: 42,
  lines: [
    {
      line_id: 'L1',
      sku: 'MILK-1L',
      gtin: '0012345678905',
      description: 'Whole milk 1L',
      category: 'grocery',
      tax_category: 'food',
      quantity: { units: 2, scale: 0 },
      unit: 'each',
      unit_price: 349,
      price_source: 'price_book',
      gross: 698,
      discounts: [],
      net: 698,
      taxes: [],
      total: 698,
    },
    {
      line_id: 'L2',
      sku: 'TSHIRT-M',
      description: 'T-shirt M',
      category: 'apparel',
      tax_category: 'general',
      quantity: { units: 1, scale: 0 },
      unit: 'each',
      unit_price: 1000,
      price_source: 'price_book',
      gross: 1000,
      discounts: [{ kind: 'line', amount: 100, reason: 'Damaged box', approved_by: 'mgr-2' }],
      net: 900,
      taxes: [
        { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, compound: false, base: 900, amount: 36 },
        { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, compound: false, base: 900, amount: 44 },
      ],
      total: 980,
    },
  ],
  totals: { subtotal: 1698, discount_total: 100, tax_total: 80, total: 1678, rounding: 0 },
  tax_breakdown: [
    { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, base: 900, amount: 36 },
    { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, base: 900, amount: 44 },
  ],
  tenders: [
    { tender_id: 'T1', kind: 'card', amount: 1000, processor: 'sim', auth_code: 'A1B2C3', masked_pan: '411111******1111', card_brand: 'visa', terminal_ref: 'SIM-000123' },
    { tender_id: 'T2', kind: 'cash', amount: 678, tendered: 1000, change: 322 },
  ],
  change_due: 322,
  completed_at: '2026-11-23T02:30:00.000Z',
};

/** Return of the shirt from the sale above, refunded in cash. */
export const EXAMPLE_SALE_REFUNDED: SaleRefundedPayload = {
  refund_id: '3c2b1a09-8f7e-4d6c-9b5a-493827160504',
  original_sale_id: '0b9d2f0e-6a5c-4c1e-9d53-2a4f6f1f7c10',
  store_id: 'store-001',
  terminal_id: 'store-001-t1',
  shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b',
  cashier_id: 'emp-17',
  reason: 'Wrong size',
  currency: 'USD',
  lines: [
    {
      line_id: 'R1',
      original_line_id: 'L2',
      sku: 'TSHIRT-M',
      description: 'T-shirt M',
      category: 'apparel',
      tax_category: 'general',
      quantity: { units: 1, scale: 0 },
      unit: 'each',
      unit_price: 1000,
      gross: 1000,
      discounts: [{ kind: 'line', amount: 100, reason: 'Damaged box', approved_by: 'mgr-2' }],
      net: 900,
      taxes: [
        { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, compound: false, base: 900, amount: 36 },
        { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, compound: false, base: 900, amount: 44 },
      ],
      total: 980,
    },
  ],
  totals: { subtotal: 1000, discount_total: 100, tax_total: 80, total: 980, rounding: 0 },
  tax_breakdown: [
    { code: 'US-NY-STATE', jurisdiction: 'US-NY', rate_ppm: 40_000, inclusive: false, base: 900, amount: 36 },
    { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC', rate_ppm: 48_750, inclusive: false, base: 900, amount: 44 },
  ],
  tenders: [{ tender_id: 'RT1', kind: 'cash', amount: 980 }],
  restock: true,
  refunded_at: '2026-11-23T03:00:00.000Z',
};

export const EXAMPLE_SHIFT_CLOSED: ShiftClosedPayload = {
  shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b',
  store_id: 'store-001',
  terminal_id: 'store-001-t1',
  cashier_id: 'emp-17',
  currency: 'USD',
  opened_at: '2026-11-23T01:00:00.000Z',
  closed_at: '2026-11-23T09:00:00.000Z',
  opening_float: 10000,
  // 100.00 float + 6.78 cash sale − 9.80 cash refund = 96.98
  expected_cash: 9698,
  counted_cash: 9700,
  variance: 2,
  tenders: [
    { kind: 'cash', sales_count: 1, sales_amount: 678, refunds_count: 1, refunds_amount: 980, net_amount: -302 },
    { kind: 'card', processor: 'sim', sales_count: 1, sales_amount: 1000, refunds_count: 0, refunds_amount: 0, net_amount: 1000 },
  ],
  sales_count: 1,
  refunds_count: 1,
  post_voids_count: 0,
  voids_count: 0,
  no_sales_count: 0,
  drops_total: 0,
  paid_in_total: 0,
  paid_out_total: 0,
  unsynced_count: 2,
  oldest_unsynced_at: '2026-11-23T02:30:00.000Z',
};
