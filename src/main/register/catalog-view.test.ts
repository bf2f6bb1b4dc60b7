import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openJournal, type Journal } from '../../sync';
import { US_PRODUCTS, US_TAXES } from '../../core/sale/test-fixtures';
import { loadCatalogView } from './catalog-view';

// Promotions HQ publishes reach the register's price book through the journal's projection,
// so the sale engine applies them; switched-off and malformed ones stay out.
describe('register catalog view', () => {
  let dir: string;
  let journal: Journal;
  afterEach(() => {
    journal?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts the hub\'s active promotions into the price book', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tillstream-catalog-'));
    journal = openJournal(path.join(dir, 'journal.sqlite'), { terminalId: 'T01', storeId: 'store-001' });
    const promo = (id: string, extra: Record<string, unknown> = {}) => ({
      promotion_id: id, name: `Promo ${id}`, kind: 'percent_off', percent_bp: 1000, target: { skus: ['SHIRT'] }, ...extra,
    });
    journal.applySnapshot({
      store_id: 'store-001', cursor: 1, catalog: US_PRODUCTS, prices: [], stock: [], tax: { rates: US_TAXES }, config: {},
      promotions: [promo('P-ON'), promo('P-OFF', { active: false }), promo('P-BAD', { percent_bp: -5 })],
    });
    const view = loadCatalogView(journal, 'USD');
    expect(view.book.promotions.map((p) => p.promotion_id)).toEqual(['P-ON']);
  });
});
