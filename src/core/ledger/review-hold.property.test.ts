import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../protocol/journal-event';
import { loadChart } from './chart';
import { US_DEFAULT_CHART } from './default-charts';
import { totalsByCurrency, type JournalEntry } from './entry';
import { postEvent } from './post';
import { HELD_ACCOUNT_TYPES, reviewHoldEntry, reviewReleaseEntry } from './review-hold';
import { trialBalance } from './trial-balance';
import { envelope } from './testing/envelope';
import { GEN_STORE, GEN_TERMINAL, saleArbitraries } from './testing/arbitraries';

// The review queue's hold and release (issue 15) over random sales and post-voids: each entry
// balances per currency; after the hold no revenue account keeps anything of the flagged
// event (nor any contra-revenue account: discounts, returns) and the suspense account holds
// exactly its net revenue; hold + release nets to zero,
// so entry + hold + release is the entry alone.

const { saleCompletedArb } = saleArbitraries(fc);
const chart = loadChart(US_DEFAULT_CHART);
const noSuspense = loadChart({ ...US_DEFAULT_CHART, mapping: { ...US_DEFAULT_CHART.mapping, review_suspense: undefined } });
const ev = (type: string, payload: object, seq: number): JournalEvent => envelope(type, payload as Record<string, unknown>, { seq });

function balances(entries: readonly JournalEntry[]): Map<string, bigint> {
  return new Map(trialBalance(entries).rows.filter((r) => r.balance !== 0n).map((r) => [`${r.account} ${r.currency}`, r.balance]));
}

describe('review hold and release', () => {
  it('balance, move exactly the revenue to suspense and back', () => {
    fc.assert(
      fc.property(saleCompletedArb(), fc.uuid({ version: 4 }), fc.boolean(), (sale, voidId, voided) => {
        const sold = postEvent(ev('sale.completed', sale, 1), chart);
        const entries = voided
          ? postEvent(ev('sale.post_voided', { post_void_id: voidId, sale_id: sale.sale_id, store_id: GEN_STORE, terminal_id: GEN_TERMINAL, shift_id: sale.shift_id, cashier_id: 'emp-1', reason: 'void', original: sale, voided_at: '2026-11-23T02:40:00.000Z' }, 2), chart, sold[0] ? { original: sold[0] } : {})
          : sold;
        const entry = entries[0];
        if (!entry) return;
        expect(reviewHoldEntry(entry, noSuspense, 'x')).toBeNull();
        const hold = reviewHoldEntry(entry, chart, 'duplicate_sale: test');
        const revenue = entry.lines.filter((l) => HELD_ACCOUNT_TYPES.includes(chart.accounts.get(l.account)?.type ?? ''));
        if (revenue.length === 0) return expect(hold).toBeNull();
        expect(hold).not.toBeNull();
        for (const t of totalsByCurrency(hold!.lines).values()) expect(t.debit).toBe(t.credit);
        expect(hold!.adjusts).toBe(entry.entry_id);
        const after = balances([entry, hold!]);
        for (const key of after.keys()) expect(HELD_ACCOUNT_TYPES).not.toContain(chart.accounts.get(key.split(' ')[0]!)?.type);
        const net = revenue.reduce((s, l) => s + BigInt(l.credit) - BigInt(l.debit), 0n);
        expect(after.get(`1900 ${sale.currency}`) ?? 0n).toBe(-net);
        const release = reviewReleaseEntry(hold!, { date: '2026-12-02', memo: 'cleared' });
        expect(release.adjusts).toBe(entry.entry_id);
        expect(balances([hold!, release])).toEqual(new Map());
        expect(balances([entry, hold!, release])).toEqual(balances([entry]));
      }),
      { numRuns: 150 },
    );
  });
});
