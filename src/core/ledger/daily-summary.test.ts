import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JournalEntry } from './entry';
import { assertBalanced } from './entry';
import { dailySummaries } from './daily-summary';
import { loadChart, type ChartInput } from './chart';
import { EU_VAT_DEFAULT_CHART, US_DEFAULT_CHART } from './default-charts';
import { postEvent } from './post';
import { envelope } from './testing/envelope';
import { saleArbitraries } from './testing/arbitraries';
import type { SaleCompletedPayload, SaleRefundedPayload } from '../events/sale';

// The daily summary mode must not change any account's balance: per account and currency,
// the summaries sum to what the entries they cover sum to; each summary balances; and the
// result does not depend on the order the entries came in.

const { saleCompletedArb, partialRefundArb } = saleArbitraries(fc);
const chart = loadChart({
  ...US_DEFAULT_CHART,
  accounts: [...US_DEFAULT_CHART.accounts, ...EU_VAT_DEFAULT_CHART.accounts.filter((a) => a.code.startsWith('23'))],
  mapping: { ...US_DEFAULT_CHART.mapping, tax_payable: { default: '2200', by_code: {}, by_jurisdiction: { 'US-NY': '2210', DE: '2310', FR: '2320', NL: '2330' } } },
} as ChartInput);

const dayArb = fc.integer({ min: 1, max: 4 }).map((d) => `2026-11-0${d}`);
const storeArb = fc.constantFrom('store-a', 'store-b');

type Item = [SaleCompletedPayload, string, string, SaleRefundedPayload | null];

const entriesArb = fc
  .array(
    fc.tuple(saleCompletedArb({ maxLines: 3 }), dayArb, storeArb, fc.boolean()).chain(([sale, day, store, refund]) =>
      refund
        ? partialRefundArb(sale).map((r): Item => [sale, day, store, r])
        : fc.constant<Item>([sale, day, store, null]),
    ),
    { minLength: 1, maxLength: 25 },
  )
  .map((list) => {
    const out: JournalEntry[] = [];
    list.forEach(([sale, day, store, refund], i) => {
      const s = postEvent(envelope('sale.completed', { ...sale, store_id: store } as unknown as Record<string, unknown>, { seq: 2 * i + 1, salt: String(i) }), chart);
      const dated = s.map((e) => ({ ...e, date: day }));
      out.push(...dated);
      if (refund) {
        const r = postEvent(envelope('sale.refunded', { ...refund, store_id: store } as unknown as Record<string, unknown>, { seq: 2 * i + 2, salt: String(i) }), chart, { original: dated[0]! });
        out.push(...r.map((e) => ({ ...e, date: day })));
      }
    });
    return out;
  });

function balances(entries: readonly JournalEntry[]): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const e of entries) {
    for (const l of e.lines) {
      const k = `${l.account} ${l.currency}`;
      const v = (m.get(k) ?? 0n) + BigInt(l.debit) - BigInt(l.credit);
      if (v === 0n) m.delete(k);
      else m.set(k, v);
    }
  }
  return m;
}

describe('daily summaries', () => {
  it('keep every account balance, balance themselves, one per store and day, whatever the order', () => {
    fc.assert(
      fc.property(entriesArb, fc.integer(), (entries, seed) => {
        const sums = dailySummaries(entries, { idPrefix: 'b1' });
        expect(balances(sums)).toEqual(balances(entries));
        for (const s of sums) assertBalanced(s);
        const days = new Set(entries.map((e) => `${e.source.store_id} ${e.date}`));
        expect(sums.length).toBeLessThanOrEqual(days.size);
        expect(new Set(sums.map((s) => s.entry_id)).size).toBe(sums.length);
        const shuffled = fc.sample(fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length }), { seed, numRuns: 1 })[0]!;
        expect(dailySummaries(shuffled, { idPrefix: 'b1' }).map((s) => s.lines)).toEqual(sums.map((s) => s.lines));
      }),
      { numRuns: 120 },
    );
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('a sale and its exact reversal on one day leave nothing to post', () => {
    const sale = fc.sample(saleCompletedArb({ currencies: ['USD'], style: 'us' }), { seed: 7, numRuns: 1 })[0]!;
    const [e] = postEvent(envelope('sale.completed', sale as unknown as Record<string, unknown>), chart);
    const rev: JournalEntry = { ...e!, entry_id: 'rev', lines: e!.lines.map((l) => ({ ...l, debit: l.credit, credit: l.debit })) };
    expect(dailySummaries([e!, rev], { idPrefix: 'b2' })).toEqual([]);
  });
});
