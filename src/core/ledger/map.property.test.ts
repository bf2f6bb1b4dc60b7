import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SaleCompletedPayload } from '../events/sale';
import type { JournalEvent } from '../protocol/journal-event';
import { loadChart, UnmappedAccountError, type AccountType, type ChartInput } from './chart';
import { EU_VAT_DEFAULT_CHART, US_DEFAULT_CHART } from './default-charts';
import { mapCoverage, type PostingUniverse } from './map-coverage';
import { postEvent } from './post';
import { isBalanced, trialBalance } from './trial-balance';
import { envelope } from './testing/envelope';
import { GEN_STORE, GEN_TERMINAL, saleArbitraries } from './testing/arbitraries';

// Any posting map HQ can save (it passes the chart schema and maps everything the chain
// sends) keeps the trial balance at zero: random maps (every key explicit or left to a
// default, refund and custody modes, with or without suspense) post random sales, partial
// refunds and post-voids whose debits equal credits in every currency. And the coverage
// check is truthful: a key it calls unmapped is exactly one posting refuses.

const { saleCompletedArb, partialRefundArb } = saleArbitraries(fc);

const UNIVERSE: PostingUniverse = {
  categories: ['grocery', 'apparel', 'bakery', 'produce', 'misc'],
  taxes: [
    { code: 'US-NY-STATE', jurisdiction: 'US-NY' },
    { code: 'US-NY-NYC', jurisdiction: 'US-NY-NYC' },
    { code: 'US-CA-STATE', jurisdiction: 'US-CA' },
    { code: 'US-TX-STATE', jurisdiction: 'US-TX' },
    { code: 'DE-VAT-STD', jurisdiction: 'DE' },
    { code: 'DE-VAT-RED', jurisdiction: 'DE' },
    { code: 'FR-VAT-STD', jurisdiction: 'FR' },
    { code: 'NL-VAT-STD', jurisdiction: 'NL' },
  ],
  processors: ['stripe', 'adyen', 'sim'],
  tender_kinds: ['cash', 'card', 'gift_card'],
  event_types: ['sale.completed', 'sale.refunded', 'sale.post_voided', 'shift.cash_moved', 'shift.closed', 'books.settlement_payout'],
};

// Both shipped charts' accounts, plus a few more of each type so maps have choices.
const ACCOUNTS: ChartInput['accounts'] = [
  ...US_DEFAULT_CHART.accounts,
  ...EU_VAT_DEFAULT_CHART.accounts.filter((a) => a.code.startsWith('23')),
  { code: '4070', name: 'Sales Misc', type: 'revenue' },
  { code: '4610', name: 'Returns Grocery', type: 'contra-revenue' },
  { code: '2290', name: 'Tax Payable Other', type: 'liability' },
  { code: '1140', name: 'Clearing Other', type: 'asset' },
];
const ofType = (...types: AccountType[]) => ACCOUNTS.filter((a) => types.includes(a.type)).map((a) => a.code);

/** A key explicit (some account of the type) or left to the default; the default present or not. */
function keyedArb(keys: readonly string[], codes: string[]) {
  return fc.record({
    explicit: fc.subarray([...keys]),
    pick: fc.array(fc.constantFrom(...codes), { minLength: keys.length, maxLength: keys.length }),
    default: fc.option(fc.constantFrom(...codes), { nil: undefined }),
  });
}

const mapArb = fc
  .record({
    revenue: keyedArb(UNIVERSE.categories, ofType('revenue')),
    returns: keyedArb(UNIVERSE.categories, ofType('contra-revenue')),
    tax: keyedArb([...new Set(UNIVERSE.taxes.map((t) => t.jurisdiction))], ofType('liability').filter((c) => c !== '2100' && c !== '2110')),
    clearing: keyedArb(UNIVERSE.processors, ['1110', '1120', '1130', '1190', '1140']),
    discounts: keyedArb(['line', 'order', 'promotion', 'override'], ofType('contra-revenue', 'expense')),
    refund_mode: fc.constantFrom('returns_account' as const, 'reverse_revenue' as const),
    drawer_custody: fc.constantFrom('per_shift' as const, 'continuous' as const),
    suspense: fc.boolean(),
  })
  .map((m): ChartInput => {
    const rec = (k: { explicit: string[]; pick: string[] }, keys: readonly string[]) => Object.fromEntries(k.explicit.map((key) => [key, k.pick[keys.indexOf(key)]!]));
    const juris = [...new Set(UNIVERSE.taxes.map((t) => t.jurisdiction))];
    return {
      version: 1,
      name: 'generated',
      time_zone: 'UTC',
      accounts: ACCOUNTS,
      mapping: {
        ...US_DEFAULT_CHART.mapping,
        revenue: { ...(m.revenue.default ? { default: m.revenue.default } : {}), by_category: rec(m.revenue, UNIVERSE.categories) },
        returns: { ...(m.returns.default ? { default: m.returns.default } : {}), by_category: rec(m.returns, UNIVERSE.categories) },
        tax_payable: { ...(m.tax.default ? { default: m.tax.default } : {}), by_code: {}, by_jurisdiction: rec(m.tax, juris) },
        card_clearing: { ...(m.clearing.default ? { default: m.clearing.default } : {}), by_processor: rec(m.clearing, UNIVERSE.processors) },
        discounts: { ...(m.discounts.default ? { default: m.discounts.default } : {}), by_kind: rec(m.discounts, ['line', 'order', 'promotion', 'override']), by_promotion: {} },
        refund_mode: m.refund_mode,
        drawer_custody: m.drawer_custody,
        ...(m.suspense ? { suspense: '1900' } : {}),
      },
    };
  });

function ev(type: string, payload: object, seq: number): JournalEvent {
  return envelope(type, payload as Record<string, unknown>, { seq });
}

function postVoidOf(sale: SaleCompletedPayload, id: string) {
  return { post_void_id: id, sale_id: sale.sale_id, store_id: GEN_STORE, terminal_id: GEN_TERMINAL, shift_id: sale.shift_id, cashier_id: 'emp-1', reason: 'twice', original: sale, voided_at: '2026-11-23T02:40:00.000Z' };
}

const docArb = fc.array(
  saleCompletedArb({ maxLines: 4 }).chain((s) => fc.tuple(fc.constant(s), partialRefundArb(s), fc.uuid({ version: 4 }), fc.boolean())),
  { minLength: 1, maxLength: 4 },
);

describe('posting map properties', () => {
  it('any map the coverage check accepts keeps the trial balance zero in every currency', () => {
    let accepted = 0;
    fc.assert(
      fc.property(mapArb, docArb, (input, docs) => {
        const chart = loadChart(input);
        const cov = mapCoverage(chart, UNIVERSE);
        if (cov.unmapped.length > 0) return; // refused when saved: never posts
        accepted += 1;
        const entries = docs.flatMap(([sale, refund, voidId, voided], i) => [
          ...postEvent(ev('sale.completed', sale, 3 * i + 1), chart),
          ...postEvent(ev('sale.refunded', refund, 3 * i + 2), chart),
          ...(voided ? postEvent(ev('sale.post_voided', postVoidOf(sale, voidId), 3 * i + 3), chart) : []),
        ]);
        const tb = trialBalance(entries);
        expect(isBalanced(tb)).toBe(true);
        for (const t of tb.totals.values()) expect(t.debit - t.credit).toBe(0n);
        // Suspense is used only for what the coverage check said goes there.
        if (cov.to_suspense.length === 0) expect(entries.flatMap((e) => e.lines).filter((l) => l.dimensions.unmapped)).toEqual([]);
      }),
      { numRuns: 120 },
    );
    expect(accepted).toBeGreaterThan(20);
  });

  it('a key the coverage check calls unmapped is refused by posting, and an accepted map posts every key', () => {
    fc.assert(
      fc.property(mapArb, saleCompletedArb({ maxLines: 4 }), (input, sale) => {
        const chart = loadChart(input);
        const cov = mapCoverage(chart, UNIVERSE);
        const missing = new Set(cov.unmapped.map((u) => u.what));
        const needs = [
          ...sale.lines.flatMap((l) => [`category "${l.category}" (revenue)`, ...l.taxes.map((t) => `tax code "${t.code}" of jurisdiction "${t.jurisdiction}"`), ...l.discounts.map((d) => `discount kind "${d.kind}"`)]),
          ...sale.tenders.flatMap((t) => (t.kind === 'card' ? [`processor "${t.processor}" (card clearing)`] : [])),
        ];
        const shouldRefuse = needs.some((n) => missing.has(n));
        let refused = false;
        try {
          postEvent(ev('sale.completed', sale, 1), chart);
        } catch (e) {
          if (!(e instanceof UnmappedAccountError)) throw e;
          refused = true;
        }
        expect(refused).toBe(shouldRefuse);
      }),
      { numRuns: 300 },
    );
  });
});
