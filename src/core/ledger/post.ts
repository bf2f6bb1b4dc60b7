import { allocate, money, multiplyRatio, toDecimalString } from '../money/money';
import type { JournalEvent } from '../protocol/journal-event';
import { LEDGER_EVENT_TYPES, isEventType, parseEventPayload, type ParsedPayload } from '../events/registry';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload } from '../events/sale';
import type { ShiftCashMovedPayload, ShiftClosedPayload, ShiftOpenedPayload } from '../events/shift';
import {
  cardClearingAccount,
  cashDrawerAccount,
  cashDropAccount,
  cashOverShortAccount,
  cashRoundingAccount,
  discountAccount,
  floatSourceAccount,
  giftCardAccount,
  loyaltyExpenseAccount,
  loyaltyLiabilityAccount,
  paidInAccount,
  paidOutAccount,
  returnsAccount,
  revenueAccount,
  taxPayableAccount,
  type Chart,
  type Resolved,
} from './chart';
import { assertBalanced, dimensionsSchema, freezeEntry, type Dimensions, type EntrySource, type JournalEntry, type JournalLine } from './entry';

// Event → journal entries. Pure and deterministic: the same event and chart always give the
// same entries, byte for byte under canonicalJson, because nothing here reads a clock, a
// random source or a database, and every id is derived from the event's own ids.
//
// Sale postings use gross revenue with contra-revenue discounts:
//   Dr tenders (cash net of change, card clearing per processor, gift card liability)
//   Dr discounts (ex-tax share)          Cr revenue per category (ex-tax, before discounts)
//   Dr/Cr cash rounding                  Cr tax payable per tax code / jurisdiction
// A refund posts the same shape with every side swapped, revenue replaced by the returns
// account (or the revenue account itself under refund_mode 'reverse_revenue'). A post-void
// is the exact negation of the sale's entry.

export class PostingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PostingError';
  }
}

export interface PostOptions {
  /**
   * For sale.post_voided: the stored entry of the voided sale (entry_id `sale-<sale_id>`).
   * When given, the void negates it exactly even if the chart changed since; otherwise the
   * sale carried in the payload is re-posted with `chart` and negated.
   */
  original?: JournalEntry;
}

/** Deterministic entry ids, from the business ids in the payload (see docs/ledger.md). */
export const entryIds = {
  sale: (saleId: string) => `sale-${saleId}`,
  refund: (refundId: string) => `refund-${refundId}`,
  postVoid: (postVoidId: string) => `postvoid-${postVoidId}`,
  shiftFloat: (shiftId: string) => `shift-${shiftId}-float`,
  cashMove: (movementId: string) => `cashmove-${movementId}`,
  shiftOverShort: (shiftId: string) => `shift-${shiftId}-over-short`,
  shiftCloseOut: (shiftId: string) => `shift-${shiftId}-close-out`,
};

/** The entry an event links to (the sale a refund adjusts or a post-void reverses), else null. */
export function originalEntryIdFor(event: Pick<JournalEvent, 'type' | 'payload'>): string | null {
  const p = event.payload as Record<string, unknown>;
  if (event.type === 'sale.post_voided' && typeof p.sale_id === 'string') return entryIds.sale(p.sale_id);
  if (event.type === 'sale.refunded' && typeof p.original_sale_id === 'string') return entryIds.sale(p.original_sale_id);
  return null;
}

// ---------------------------------------------------------------------------------------

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const MAX_CACHED_ZONES = 64;
// Every UTC offset in use is a multiple of 15 minutes, so all instants of one UTC minute
// share a local date: cache per (zone, minute). Intl formatting is the slow part of posting.
const dates = new Map<string, string>();
const MAX_CACHED_DATES = 10_000;

/** YYYY-MM-DD of a UTC instant in the given IANA zone (the store's business day). */
export function accountingDate(isoUtc: string, timeZone: string): string {
  const cacheKey = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(isoUtc) && isoUtc.endsWith('Z') ? `${timeZone}|${isoUtc.slice(0, 16)}` : null;
  const hit = cacheKey ? dates.get(cacheKey) : undefined;
  if (hit !== undefined) return hit;
  const date = formatDate(isoUtc, timeZone);
  if (cacheKey) {
    if (dates.size >= MAX_CACHED_DATES) dates.clear();
    dates.set(cacheKey, date);
  }
  return date;
}

function formatDate(isoUtc: string, timeZone: string): string {
  let fmt = dateFormats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (dateFormats.size >= MAX_CACHED_ZONES) dateFormats.clear();
    dateFormats.set(timeZone, fmt);
  }
  const ms = Date.parse(isoUtc);
  if (Number.isNaN(ms)) throw new PostingError(`not an ISO time: "${isoUtc}"`);
  const parts = fmt.formatToParts(new Date(ms));
  const get = (t: string) => parts.find((x) => x.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Rank of each dimension in the schema's order: a line's identity names its dimensions in this order. */
const DIMENSION_RANK = new Map<string, number>(Object.keys(dimensionsSchema.shape).map((k, i) => [k, i]));
const rankOf = (k: string): number => DIMENSION_RANK.get(k) ?? DIMENSION_RANK.size;

type ExtraDims = Omit<Dimensions, 'store_id' | 'terminal_id' | 'unmapped'>;

/**
 * Collects postings, merging equal (side, account, dimensions) into one line and keeping the
 * order of first appearance, so the output depends only on the payload's order.
 */
class LineBuilder {
  private readonly lines = new Map<string, JournalLine>();
  constructor(
    private readonly currency: string,
    private readonly base: { store_id: string; terminal_id: string },
  ) {}

  /** amount > 0 debits, < 0 credits, 0 is dropped. */
  post(account: Resolved, amount: number, extra: ExtraDims = {}): void {
    if (!Number.isSafeInteger(amount)) throw new PostingError(`posting amount must be a safe integer, got ${amount}`);
    if (amount === 0) return;
    const side = amount > 0 ? 'debit' : 'credit';
    // The line's identity: side, account and the dimensions set beyond the builder's base (the
    // same for every line), named in the schema's order. Built from the few dimensions given,
    // not from every dimension name of a fresh object (that was most of posting a sale).
    const given: string[] = [];
    for (const k in extra) if ((extra as Record<string, string | undefined>)[k] !== undefined) given.push(k);
    if (given.length > 1) given.sort((a, b) => rankOf(a) - rankOf(b) || (a < b ? -1 : a > b ? 1 : 0));
    let key = `${side}\u0000${account.code}`;
    for (const k of given) key += `\u0000${k}\u0001${(extra as Record<string, string>)[k]}`;
    if (account.unmapped !== undefined) key += `\u0000unmapped\u0001${account.unmapped}`;
    let line = this.lines.get(key);
    if (!line) {
      const dimensions: Dimensions = { ...this.base };
      for (const k in extra) {
        const v = (extra as Record<string, string | undefined>)[k];
        if (v !== undefined) dimensions[k as keyof ExtraDims] = v;
      }
      if (account.unmapped !== undefined) dimensions.unmapped = account.unmapped;
      line = { account: account.code, debit: 0, credit: 0, currency: this.currency, dimensions };
      this.lines.set(key, line);
    }
    line[side] += Math.abs(amount);
    if (!Number.isSafeInteger(line[side])) throw new PostingError(`sum on account ${account.code} exceeds the safe integer range`);
  }

  build(): JournalLine[] {
    return [...this.lines.values()];
  }
}

interface DocLine {
  category: string;
  gift_card_id?: string | undefined;
  gross: number;
  net: number;
  discounts: ReadonlyArray<{ kind: string; amount: number; promotion_id?: string | undefined }>;
  taxes: ReadonlyArray<{ code: string; jurisdiction: string; inclusive: boolean; amount: number }>;
}
interface DocTender {
  kind: 'cash' | 'card' | 'gift_card' | 'points';
  amount: number;
  processor?: string;
  gift_card_id?: string;
  customer_id?: string;
}
interface Doc {
  currency: string;
  store_id: string;
  terminal_id: string;
  lines: readonly DocLine[];
  totals: { rounding: number };
  tenders: readonly DocTender[];
  /** Points earned (a sale) or taken back (a refund), valued at point_value each. */
  loyalty?: { customer_id: string; point_value: number; points: number };
}

/**
 * Posts a sale (dir 1) or a refund (dir -1). `revenueOf` picks the revenue account for a
 * sale and the returns account for a refund.
 */
function postDocument(chart: Chart, doc: Doc, dir: 1 | -1, revenueOf: (category: string) => Resolved): JournalLine[] {
  const b = new LineBuilder(doc.currency, { store_id: doc.store_id, terminal_id: doc.terminal_id });
  for (const t of doc.tenders) {
    const acct =
      t.kind === 'cash'
        ? cashDrawerAccount(chart, doc.store_id, doc.terminal_id)
        : t.kind === 'card'
          ? cardClearingAccount(chart, t.processor ?? '')
          : t.kind === 'points'
            ? loyaltyLiabilityAccount(chart)
            : giftCardAccount(chart);
    b.post(acct, dir * t.amount, { tender: t.kind, processor: t.processor, gift_card_id: t.gift_card_id, customer_id: t.customer_id });
  }
  for (const line of doc.lines) {
    if (line.gift_card_id !== undefined) {
      // Value sold onto a gift card is owed to its holder: liability, not revenue (no tax, no discount).
      b.post(giftCardAccount(chart), -dir * line.net, { gift_card_id: line.gift_card_id });
      continue;
    }
    const inclusiveTax = line.taxes.reduce((s, t) => s + (t.inclusive ? t.amount : 0), 0);
    const netExTax = line.net - inclusiveTax;
    const discountTotal = line.discounts.reduce((s, d) => s + d.amount, 0);
    if (netExTax < 0 || discountTotal !== line.gross - line.net) {
      throw new PostingError(`line in category ${line.category}: inconsistent amounts (gross ${line.gross}, net ${line.net}, discounts ${discountTotal}, inclusive tax ${inclusiveTax})`);
    }
    // With tax-inclusive prices the discount also contained tax; only its ex-tax share is a
    // revenue reduction. The share is rounded once and split over the discounts by largest
    // remainder, so revenue − discounts is exactly the ex-tax net whatever the rounding.
    const discountExTax = inclusiveTax === 0 ? discountTotal : multiplyRatio(money(discountTotal, doc.currency), netExTax, line.net, 'half-even').amount;
    b.post(revenueOf(line.category), -dir * (netExTax + discountExTax), { category: line.category });
    if (discountTotal > 0) {
      const parts = allocate(money(discountExTax, doc.currency), line.discounts.map((d) => d.amount));
      line.discounts.forEach((d, i) => {
        b.post(discountAccount(chart, d.kind, d.promotion_id), dir * parts[i]!.amount, {
          category: line.category,
          discount_kind: d.kind,
          promotion_id: d.promotion_id,
        });
      });
    }
    for (const t of line.taxes) {
      b.post(taxPayableAccount(chart, t.code, t.jurisdiction), -dir * t.amount, { tax_code: t.code, jurisdiction: t.jurisdiction });
    }
  }
  // rounding = total − Σ line totals: positive means the customer paid more than the lines.
  b.post(cashRoundingAccount(chart), -dir * doc.totals.rounding);
  if (doc.loyalty && doc.loyalty.points > 0) {
    const value = Number(BigInt(doc.loyalty.points) * BigInt(doc.loyalty.point_value));
    b.post(loyaltyExpenseAccount(chart), dir * value, { customer_id: doc.loyalty.customer_id });
    b.post(loyaltyLiabilityAccount(chart), -dir * value, { customer_id: doc.loyalty.customer_id });
  }
  return b.build();
}

function sourceOf(e: JournalEvent): EntrySource {
  return { terminal_id: e.terminal_id, store_id: e.store_id, seq: e.seq, event_id: e.event_id, type: e.type };
}

function finish(entry: JournalEntry): JournalEntry {
  if (entry.reverses === undefined) delete entry.reverses;
  if (entry.adjusts === undefined) delete entry.adjusts;
  assertBalanced(entry);
  return freezeEntry(entry);
}

function saleLines(chart: Chart, p: SaleCompletedPayload): JournalLine[] {
  const loyalty = p.loyalty ? { customer_id: p.loyalty.customer_id, point_value: p.loyalty.point_value, points: p.loyalty.points_earned } : undefined;
  return postDocument(chart, { ...p, loyalty }, 1, (c) => revenueAccount(chart, c));
}

function postSale(e: JournalEvent, chart: Chart, p: SaleCompletedPayload): JournalEntry[] {
  const lines = saleLines(chart, p);
  if (lines.length === 0) return []; // a zero sale with no discounts moves no money
  return [
    finish({
      entry_id: entryIds.sale(p.sale_id),
      source: sourceOf(e),
      date: accountingDate(e.occurred_at, chart.config.time_zone),
      memo: `Sale ${p.sale_id} at ${p.terminal_id}`,
      lines,
    }),
  ];
}

function postRefund(e: JournalEvent, chart: Chart, p: SaleRefundedPayload): JournalEntry[] {
  const loyalty = p.loyalty ? { customer_id: p.loyalty.customer_id, point_value: p.loyalty.point_value, points: p.loyalty.points_reversed } : undefined;
  const lines = postDocument(chart, { ...p, loyalty }, -1, (c) => returnsAccount(chart, c));
  if (lines.length === 0) return [];
  return [
    finish({
      entry_id: entryIds.refund(p.refund_id),
      source: sourceOf(e),
      date: accountingDate(e.occurred_at, chart.config.time_zone),
      memo: `Refund ${p.refund_id} of sale ${p.original_sale_id}: ${p.reason}`.slice(0, 500),
      lines,
      adjusts: entryIds.sale(p.original_sale_id),
    }),
  ];
}

function postPostVoid(e: JournalEvent, chart: Chart, p: SalePostVoidedPayload, options: PostOptions): JournalEntry[] {
  const originalId = entryIds.sale(p.sale_id);
  if (p.original.store_id !== p.store_id) throw new PostingError(`post-void in store ${p.store_id} of a sale from store ${p.original.store_id}`);
  let originalLines: readonly JournalLine[];
  if (options.original !== undefined) {
    if (options.original.entry_id !== originalId) {
      throw new PostingError(`post-void of sale ${p.sale_id} was given entry ${options.original.entry_id}; expected ${originalId}`);
    }
    originalLines = options.original.lines;
  } else {
    originalLines = saleLines(chart, p.original);
  }
  if (originalLines.length === 0) return [];
  // The cash goes back out of the drawer of the terminal doing the void. When that is the
  // terminal of the sale (the usual case) this is the exact negation of the sale's lines.
  const voidDrawer = cashDrawerAccount(chart, p.store_id, p.terminal_id);
  const lines = originalLines.map((l): JournalLine => {
    const movedCash = l.dimensions.tender === 'cash' && l.dimensions.terminal_id !== p.terminal_id;
    return {
      account: movedCash ? voidDrawer.code : l.account,
      debit: l.credit,
      credit: l.debit,
      currency: l.currency,
      dimensions: movedCash ? { ...l.dimensions, store_id: p.store_id, terminal_id: p.terminal_id } : { ...l.dimensions },
    };
  });
  return [
    finish({
      entry_id: entryIds.postVoid(p.post_void_id),
      source: sourceOf(e),
      date: accountingDate(e.occurred_at, chart.config.time_zone),
      memo: `Post-void of sale ${p.sale_id}: ${p.reason}`.slice(0, 500),
      lines,
      reverses: originalId,
    }),
  ];
}

function postShiftOpened(e: JournalEvent, chart: Chart, p: ShiftOpenedPayload): JournalEntry[] {
  if (chart.config.mapping.drawer_custody !== 'per_shift' || p.opening_float === 0) return [];
  const b = new LineBuilder(p.currency, { store_id: p.store_id, terminal_id: p.terminal_id });
  b.post(cashDrawerAccount(chart, p.store_id, p.terminal_id), p.opening_float, { tender: 'cash' });
  b.post(floatSourceAccount(chart), -p.opening_float);
  return [
    finish({
      entry_id: entryIds.shiftFloat(p.shift_id),
      source: sourceOf(e),
      date: accountingDate(e.occurred_at, chart.config.time_zone),
      memo: `Opening float, shift ${p.shift_id}`,
      lines: b.build(),
    }),
  ];
}

function postCashMoved(e: JournalEvent, chart: Chart, p: ShiftCashMovedPayload): JournalEntry[] {
  const b = new LineBuilder(p.currency, { store_id: p.store_id, terminal_id: p.terminal_id });
  const drawer = cashDrawerAccount(chart, p.store_id, p.terminal_id);
  const dims = { reason: p.reason };
  const other = p.kind === 'drop' ? cashDropAccount(chart, p.account_hint) : p.kind === 'paid_in' ? paidInAccount(chart, p.account_hint) : paidOutAccount(chart, p.account_hint);
  const intoDrawer = p.kind === 'paid_in' ? 1 : -1;
  b.post(drawer, intoDrawer * p.amount, { ...dims, tender: 'cash' });
  b.post(other, -intoDrawer * p.amount, dims);
  const label = p.kind === 'drop' ? 'Cash drop' : p.kind === 'paid_in' ? 'Paid in' : 'Paid out';
  return [
    finish({
      entry_id: entryIds.cashMove(p.movement_id),
      source: sourceOf(e),
      date: accountingDate(e.occurred_at, chart.config.time_zone),
      memo: `${label}: ${p.reason}`.slice(0, 500),
      lines: b.build(),
    }),
  ];
}

function postShiftClosed(e: JournalEvent, chart: Chart, p: ShiftClosedPayload): JournalEntry[] {
  const out: JournalEntry[] = [];
  const date = accountingDate(e.occurred_at, chart.config.time_zone);
  const drawer = cashDrawerAccount(chart, p.store_id, p.terminal_id);
  const base = { store_id: p.store_id, terminal_id: p.terminal_id };
  if (p.variance !== 0) {
    // variance = counted − expected: over (> 0) raises the drawer, short lowers it.
    const b = new LineBuilder(p.currency, base);
    b.post(drawer, p.variance, { tender: 'cash' });
    b.post(cashOverShortAccount(chart), -p.variance);
    out.push(
      finish({
        entry_id: entryIds.shiftOverShort(p.shift_id),
        source: sourceOf(e),
        date,
        memo: `Cash ${p.variance > 0 ? 'over' : 'short'} at close, shift ${p.shift_id} (counted ${toDecimalString(money(p.counted_cash, p.currency))}, expected ${toDecimalString(money(p.expected_cash, p.currency))} ${p.currency})`,
        lines: b.build(),
      }),
    );
  }
  if (chart.config.mapping.drawer_custody === 'per_shift' && p.counted_cash > 0) {
    const b = new LineBuilder(p.currency, base);
    b.post(floatSourceAccount(chart), p.counted_cash);
    b.post(drawer, -p.counted_cash, { tender: 'cash' });
    out.push(
      finish({
        entry_id: entryIds.shiftCloseOut(p.shift_id),
        source: sourceOf(e),
        date,
        memo: `Counted cash to safe at close, shift ${p.shift_id}`,
        lines: b.build(),
      }),
    );
  }
  return out;
}

/**
 * The journal entries an event posts ([] for events with no money effect: sale.voided,
 * drawer.no_sale, a zero shift). Throws PostingError for an invalid payload or an unknown
 * event type, UnmappedAccountError when the chart has no account for a category, tax code or
 * processor (and no suspense account), UnbalancedEntryError never (it would be a bug here).
 */
export function postEvent(event: JournalEvent, chart: Chart, options: PostOptions = {}): JournalEntry[] {
  if (!isEventType(event.type)) throw new PostingError(`event ${event.terminal_id}#${event.seq}: unknown event type "${event.type}"`);
  const r = parseEventPayload(event.type, event.payload);
  if (!r.ok) throw new PostingError(`event ${event.terminal_id}#${event.seq}: ${r.error}`);
  return postParsedEvent(event, r, chart, options);
}

/**
 * postEvent for an event whose payload its caller parsed already with parseEventPayload (the
 * hub parses each event once and reuses the result for validation, posting and stock).
 */
export function postParsedEvent(event: JournalEvent, r: ParsedPayload, chart: Chart, options: PostOptions = {}): JournalEntry[] {
  const p = r.payload as { store_id: string; terminal_id: string };
  if (p.store_id !== event.store_id || p.terminal_id !== event.terminal_id) {
    throw new PostingError(
      `event ${event.terminal_id}#${event.seq}: payload store/terminal ${p.store_id}/${p.terminal_id} ≠ envelope ${event.store_id}/${event.terminal_id}`,
    );
  }
  switch (r.type) {
    case 'sale.completed':
      return postSale(event, chart, r.payload as SaleCompletedPayload);
    case 'sale.refunded':
      return postRefund(event, chart, r.payload as SaleRefundedPayload);
    case 'sale.post_voided':
      return postPostVoid(event, chart, r.payload as SalePostVoidedPayload, options);
    case 'shift.opened':
      return postShiftOpened(event, chart, r.payload as ShiftOpenedPayload);
    case 'shift.cash_moved':
      return postCashMoved(event, chart, r.payload as ShiftCashMovedPayload);
    case 'shift.closed':
      return postShiftClosed(event, chart, r.payload as ShiftClosedPayload);
    default:
      // Audit-only types (sale.voided, drawer.no_sale, ...) move no money. A type the events
      // registry calls a ledger type but nothing here posts is a gap, refused loudly.
      if (LEDGER_EVENT_TYPES.includes(r.type)) throw new PostingError(`no posting rule for ledger event type "${r.type}"`);
      return [];
  }
}
