import { discountKindSchema } from '../events/sale';
import {
  bankAccount,
  cardClearingAccount,
  discountAccount,
  loyaltyExpenseAccount,
  loyaltyLiabilityAccount,
  processorFeeAccount,
  returnsAccount,
  revenueAccount,
  taxPayableAccount,
  UnmappedAccountError,
  valueAdjustmentAccount,
  type Chart,
  type Resolved,
} from './chart';

// Does a posting map post everything the chain can send it? The chart schema checks that
// every mapping names an account of the right type; this checks the other direction: every
// event type, tender, processor, tax code/jurisdiction and category the hub knows of resolves
// to an account (a key, a default, or the suspense account). A map that would refuse a sale
// of a known category at ingest is refused when HQ saves it, naming what has no account.

/** What the hub knows can arrive: from its catalog, stores' tax tables, channels and the previous map. */
export interface PostingUniverse {
  categories: readonly string[];
  taxes: ReadonlyArray<{ code: string; jurisdiction: string }>;
  processors: readonly string[];
  /** Tender kinds in use ('cash', 'card', 'gift_card', 'points'). */
  tender_kinds: readonly string[];
  /** Event types that post: the ledger event types and the entries books writes. */
  event_types: readonly string[];
}

export const TENDER_KINDS = ['cash', 'card', 'gift_card', 'points'] as const;
/** Entries books writes itself (settlement payouts and fees). */
export const BOOKS_EVENT_TYPES = ['books.settlement_payout'] as const;
/** Entries of HQ's manual points and gift card adjustments (src/hub/value/adjust.ts). */
export const VALUE_ADJUSTMENT_EVENT_TYPE = 'value.adjusted';

export interface Uncovered {
  /** What has no account: `category "toys"`, `event type "books.settlement_payout"`. */
  what: string;
  /** The mapping to add it to. */
  mapping: string;
}

export interface Coverage {
  /** Keys that would be refused at posting: the map must not be saved. */
  unmapped: Uncovered[];
  /** Keys that post to the suspense account (allowed, shown so a person maps them). */
  to_suspense: Uncovered[];
}

export function mapCoverage(chart: Chart, u: PostingUniverse): Coverage {
  const out: Coverage = { unmapped: [], to_suspense: [] };
  const seen = new Set<string>();
  const check = (what: string, resolve: () => Resolved) => {
    if (seen.has(what)) return;
    seen.add(what);
    try {
      const r = resolve();
      if (r.unmapped !== undefined) out.to_suspense.push({ what, mapping: mappingOf(what) });
    } catch (err) {
      if (!(err instanceof UnmappedAccountError)) throw err;
      out.unmapped.push({ what, mapping: err.mapping });
    }
  };
  for (const c of sorted(u.categories)) {
    check(`category "${c}" (revenue)`, () => revenueAccount(chart, c));
    check(`category "${c}" (returns)`, () => returnsAccount(chart, c));
  }
  for (const t of [...u.taxes].sort((a, b) => (a.code + a.jurisdiction).localeCompare(b.code + b.jurisdiction))) {
    check(`tax code "${t.code}" of jurisdiction "${t.jurisdiction}"`, () => taxPayableAccount(chart, t.code, t.jurisdiction));
  }
  for (const p of sorted(u.processors)) check(`processor "${p}" (card clearing)`, () => cardClearingAccount(chart, p));
  for (const k of discountKindSchema.options) check(`discount kind "${k}"`, () => discountAccount(chart, k, undefined));
  for (const kind of sorted(u.tender_kinds)) {
    if (kind === 'points') check('tender "points" (loyalty liability)', () => loyaltyLiabilityAccount(chart));
    else if (!(TENDER_KINDS as readonly string[]).includes(kind)) out.unmapped.push({ what: `tender "${kind}"`, mapping: 'mapping.other_tenders' });
    // cash, card (per processor, above) and gift_card always have an account: the schema requires them.
  }
  const types = new Set(u.event_types);
  if (types.has('sale.completed') && u.tender_kinds.includes('points')) {
    check('event type "sale.completed" (points granted)', () => loyaltyExpenseAccount(chart));
  }
  if (types.has(VALUE_ADJUSTMENT_EVENT_TYPE)) {
    check(`event type "${VALUE_ADJUSTMENT_EVENT_TYPE}" (points adjustments)`, () => valueAdjustmentAccount(chart, 'points'));
    check(`event type "${VALUE_ADJUSTMENT_EVENT_TYPE}" (gift card adjustments)`, () => valueAdjustmentAccount(chart, 'gift_card'));
  }
  if (types.has('books.settlement_payout')) {
    check('event type "books.settlement_payout" (the bank account payouts arrive in)', () => bankAccount(chart));
    for (const p of sorted(u.processors)) check(`event type "books.settlement_payout" (fees of processor "${p}")`, () => processorFeeAccount(chart, p));
  }
  return out;
}

function sorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

function mappingOf(what: string): string {
  if (what.startsWith('category') && what.endsWith('(returns)')) return 'mapping.returns.by_category';
  if (what.startsWith('category')) return 'mapping.revenue.by_category';
  if (what.startsWith('tax')) return 'mapping.tax_payable';
  if (what.startsWith('processor')) return 'mapping.card_clearing.by_processor';
  if (what.startsWith('discount')) return 'mapping.discounts.by_kind';
  if (what.includes('fees')) return 'mapping.processor_fees';
  if (what.includes('adjustments')) return 'mapping.adjustments';
  return 'mapping';
}

/** The keys a chart maps explicitly, so a new version is checked against everything the old one posted. */
export function mappedKeys(chart: Chart): Pick<PostingUniverse, 'categories' | 'taxes' | 'processors'> {
  const m = chart.config.mapping;
  return {
    categories: [...Object.keys(m.revenue.by_category), ...Object.keys(m.returns.by_category)],
    // A jurisdiction mapping is checked as its own code (the common case: one rate per jurisdiction).
    taxes: Object.keys(m.tax_payable.by_jurisdiction).map((j) => ({ code: j, jurisdiction: j })),
    processors: [...Object.keys(m.card_clearing.by_processor), ...Object.keys(m.processor_fees?.by_processor ?? {})],
  };
}

/** One line per key without an account, for a refusal message. */
export function describeUnmapped(unmapped: readonly Uncovered[]): string {
  return unmapped.map((x) => `${x.what} has no account (add it to ${x.mapping} or set a default there)`).join('; ');
}
