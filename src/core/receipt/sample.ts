// A small, consistent receipt used by tests, the simulator demo and `tillstream devices test`.

import type { ReceiptDocumentInput } from './document';

export const SAMPLE_RECEIPT: ReceiptDocumentInput = {
  version: 1,
  locale: 'en-GB',
  currency: 'GBP',
  header: { storeName: 'Corner Grocer', lines: ['1 High Street', 'VAT GB123456789'] },
  saleId: 'S-0001',
  issuedAt: '2026-11-23T10:15:00+00:00',
  lines: [
    { description: 'Milk 1L', quantity: { kind: 'count', value: 2 }, unitPrice: 95, amount: 190, taxCode: 'Z', discounts: [] },
    { description: 'Apples', quantity: { kind: 'weight', milli: 355, unit: 'kg' }, unitPrice: 250, amount: 89, taxCode: 'Z', discounts: [] },
    { description: 'Wine', quantity: { kind: 'count', value: 1 }, unitPrice: 900, amount: 900, taxCode: 'S', discounts: [{ label: 'Promo', amount: 100 }] },
  ],
  totals: { subtotal: 1179, discountTotal: 100, taxTotal: 133, total: 1079, taxIncluded: true },
  taxes: [
    { code: 'S', label: 'VAT', rateBasisPoints: 2000, net: 667, tax: 133, gross: 800 },
    { code: 'Z', label: 'VAT', rateBasisPoints: 0, net: 279, tax: 0, gross: 279 },
  ],
  tenders: [{ kind: 'cash', label: 'Cash', amount: 2000 }],
  change: 921,
};
