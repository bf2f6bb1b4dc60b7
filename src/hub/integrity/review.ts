import { z } from 'zod';
import type { JournalEvent } from '../../core/protocol';
import type { JournalEntry } from '../../core/ledger/entry';
import { reviewReleaseEntry } from '../../core/ledger/review-hold';
import type { Db, Queryable } from '../db/db';
import { writeBooksEntries } from '../books/ledger-write';
import { chartNow, type ChartSource } from '../books/posting-map';
import { accountingDate } from '../../core/ledger/post';

// The review queue (issue 15, docs/books.md "Review queue"). Rules look at each event as ingest
// applies it, with what the hub already has of the same register; a flagged event is applied
// as usual (stock moves, nothing is lost), its revenue is held in suspense by a second entry
// (core/ledger/review-hold.ts, written with the event's own entries) and an item waits for a
// person. Clearing records who, when and why, and posts the release entry, linked to the
// original. Items are never deleted (a trigger refuses it) and change once, open → cleared.

/** The default window of duplicate_sale: a sale with the same basket as one of the same register at most this long before. */
export const DUPLICATE_WINDOW_SECONDS = 30;
/** How many earlier events of the register the duplicate rule looks back over (bounded read). */
const DUPLICATE_LOOKBACK_EVENTS = 50;
/** The default limits of refunds_per_shift and no_sales_per_shift (per cashier and shift) and of price_override (percent). */
export const SHIFT_COUNT_MAX = 5;
export const PRICE_OVERRIDE_PERCENT = 20;
export const REVIEW_RULES = ['duplicate_sale', 'card_post_voided', 'card_unresolved', 'refunds_per_shift', 'no_sales_per_shift', 'price_override'] as const;
export type ReviewRule = (typeof REVIEW_RULES)[number];
export const REASON_MAX = 500;

/**
 * The rules a store runs (stores.review_rules): a rule is on when its key is present. None by
 * default: a store (or HQ for every store) turns them on (PUT /api/stores/:store_id/integrity,
 * `tillstream review rules`).
 */
export const reviewRulesSchema = z.strictObject({
  duplicate_sale: z.strictObject({ window_seconds: z.number().int().min(1).max(3600).default(DUPLICATE_WINDOW_SECONDS) }).optional(),
  card_post_voided: z.strictObject({}).optional(),
  /** A payment.unresolved (the card terminal gave no outcome) of at least min_amount (minor units). */
  card_unresolved: z.strictObject({ min_amount: z.number().int().min(0).max(1_000_000_000_000).default(0) }).optional(),
  /** The refund (sale.refunded) that takes a cashier's count in one shift above max. */
  refunds_per_shift: z.strictObject({ max: z.number().int().min(0).max(10_000).default(SHIFT_COUNT_MAX) }).optional(),
  /** The no-sale (drawer.no_sale) that takes a cashier's count in one shift above max. */
  no_sales_per_shift: z.strictObject({ max: z.number().int().min(0).max(10_000).default(SHIFT_COUNT_MAX) }).optional(),
  /** A sale with a line whose overridden price is more than max_percent away from the catalog's. */
  price_override: z.strictObject({ max_percent: z.number().int().min(0).max(10_000).default(PRICE_OVERRIDE_PERCENT) }).optional(),
});
export type ReviewRules = z.infer<typeof reviewRulesSchema>;

/** A store's rules (a malformed stored value runs none). */
export async function storeReviewRules(tx: Queryable, storeId: string): Promise<ReviewRules> {
  const { rows } = await tx.query<{ review_rules: unknown }>(`SELECT review_rules FROM stores WHERE store_id = $1`, [storeId]);
  return parseReviewRules(rows[0]?.review_rules);
}

/** The rules of a stored stores.review_rules value (ingest reads it with the terminal row). */
export function parseReviewRules(stored: unknown): ReviewRules {
  if (stored == null || (typeof stored === 'object' && Object.keys(stored).length === 0)) return {};
  const r = reviewRulesSchema.safeParse(stored);
  return r.success ? r.data : {};
}

export interface ReviewFlag {
  rule: ReviewRule;
  reason: string;
  related: Record<string, unknown>;
  amount: number;
  currency: string;
}

interface SaleShape {
  sale_id: string;
  currency: string;
  completed_at: string;
  totals: { total: number };
  lines: Array<{ line_id: string; sku: string; quantity: { units: number; scale: number }; unit_price: number; price_source?: string; gross: number; discounts: Array<{ kind: string; amount: number; approved_by?: string }>; total: number }>;
  tenders: Array<{ kind: string; processor?: string; amount: number }>;
}

const basket = (s: SaleShape): string => `${s.currency}|${s.totals.total}|${s.lines.map((l) => `${l.sku}:${l.quantity.units}/${l.quantity.scale}:${l.total}`).sort().join(',')}`;

/** The rule an event trips, if any. `batch` holds the events applied before it in the same batch. */
export async function reviewFlag(tx: Queryable, e: JournalEvent, batch: readonly JournalEvent[], rules: ReviewRules): Promise<ReviewFlag | null> {
  if (e.type === 'sale.completed') return (await duplicateFlag(tx, e, batch, rules)) ?? (await priceOverrideFlag(tx, e, rules));
  if (e.type === 'sale.post_voided') return cardPostVoidedFlag(e, rules);
  if (e.type === 'payment.unresolved' && rules.card_unresolved) {
    const p = e.payload as unknown as { reference: string; kind: string; transaction_id: string; cashier_id: string; currency: string; amount: number; processor: string; reason: string };
    if (p.amount < rules.card_unresolved.min_amount) return null;
    return {
      rule: 'card_unresolved',
      reason: `card ${p.kind === 'refund' ? 'refund' : 'payment'} of ${p.amount} ${p.currency} on ${p.processor} with no outcome from the terminal (${p.reason}): check whether the customer was charged`,
      related: { reference: p.reference, kind: p.kind, transaction_id: p.transaction_id, cashier_id: p.cashier_id, processor: p.processor },
      amount: p.amount,
      currency: p.currency,
    };
  }
  if (e.type === 'sale.refunded' && rules.refunds_per_shift) return shiftCountFlag(tx, e, batch, 'refunds_per_shift', rules.refunds_per_shift.max);
  if (e.type === 'drawer.no_sale' && rules.no_sales_per_shift) return shiftCountFlag(tx, e, batch, 'no_sales_per_shift', rules.no_sales_per_shift.max);
  return null;
}

/** How many events of a register's shift the count rules look back over (bounded read; a shift longer than this counts its latest events only). */
const SHIFT_LOOKBACK_EVENTS = 20_000;

/**
 * refunds_per_shift / no_sales_per_shift: flags the event that takes its cashier's count of
 * such events in the shift from max to max + 1 (the one that crosses; later ones are not
 * flagged again). Earlier events are the register's applied events of the shift
 * (journal_events_shift_idx) and those before it in the batch.
 */
async function shiftCountFlag(tx: Queryable, e: JournalEvent, batch: readonly JournalEvent[], rule: 'refunds_per_shift' | 'no_sales_per_shift', max: number): Promise<ReviewFlag | null> {
  const p = e.payload as unknown as { shift_id: string; cashier_id: string; currency?: string; totals?: { total: number } };
  const same = (b: JournalEvent) => {
    const q = b.payload as unknown as { shift_id?: string; cashier_id?: string };
    return b.terminal_id === e.terminal_id && b.type === e.type && b.seq < e.seq && q.shift_id === p.shift_id && q.cashier_id === p.cashier_id;
  };
  const { rows } = await tx.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM journal_events
      WHERE terminal_id = $1 AND payload->>'shift_id' = $2 AND seq < $3 AND seq >= $3 - $4 AND type = $5 AND payload->>'cashier_id' = $6`,
    [e.terminal_id, p.shift_id, e.seq, SHIFT_LOOKBACK_EVENTS, e.type, p.cashier_id],
  );
  const count = Number(rows[0]?.n ?? 0) + batch.filter(same).length + 1;
  if (count !== max + 1) return null;
  const what = rule === 'refunds_per_shift' ? 'refunds' : 'no-sales';
  let currency = p.currency;
  if (!currency) {
    const s = await tx.query<{ currency: string }>(`SELECT currency FROM stores WHERE store_id = $1`, [e.store_id]);
    currency = s.rows[0]?.currency ?? 'XXX';
  }
  return {
    rule,
    reason: `${count} ${what} by cashier ${p.cashier_id} in one shift on ${e.terminal_id}, above the store's limit of ${max}`,
    related: { cashier_id: p.cashier_id, shift_id: p.shift_id, count, max },
    amount: p.totals?.total ?? 0,
    currency,
  };
}

/**
 * price_override: a line whose price a cashier overrode, by more than max_percent of the
 * catalog price. Lower: the line's unit_price is the catalog price and an `override` discount
 * takes the difference off its gross. Higher: price_source `override`, compared with the
 * store's price of the SKU on the hub (a SKU the hub has no price for is not compared).
 */
async function priceOverrideFlag(tx: Queryable, e: JournalEvent, rules: ReviewRules): Promise<ReviewFlag | null> {
  if (!rules.price_override) return null;
  const limit = rules.price_override.max_percent;
  const sale = e.payload as unknown as SaleShape;
  const over = (catalog: number, charged: number) => Math.abs(charged - catalog) * 100 > limit * catalog;
  const pct = (catalog: number, charged: number) => (catalog === 0 ? null : Math.round(((charged - catalog) * 1000) / catalog) / 10);
  const flag = (l: SaleShape['lines'][number], catalog: number, charged: number, per: 'line' | 'unit'): ReviewFlag => ({
    rule: 'price_override',
    reason: `line ${l.sku} sold at ${charged} ${sale.currency} against the catalog's ${catalog} (${per === 'line' ? 'line gross' : 'unit price'}), ${pct(catalog, charged) ?? '∞'} %, beyond the store's limit of ${limit} %`,
    related: { line_id: l.line_id, sku: l.sku, per, catalog, charged, percent: pct(catalog, charged), max_percent: limit },
    amount: sale.totals.total,
    currency: sale.currency,
  });
  for (const l of sale.lines) {
    const down = l.discounts.filter((d) => d.kind === 'override').reduce((s, d) => s + d.amount, 0);
    if (down > 0 && over(l.gross, l.gross - down)) return flag(l, l.gross, l.gross - down, 'line');
  }
  const up = sale.lines.filter((l) => l.price_source === 'override');
  if (up.length === 0) return null;
  const { rows } = await tx.query<{ sku: string; amount: string; currency: string }>(
    `SELECT sku, amount::text AS amount, currency FROM prices WHERE store_id = $1 AND sku = ANY($2::text[])`,
    [e.store_id, [...new Set(up.map((l) => l.sku))]],
  );
  const price = new Map(rows.filter((r) => r.currency === sale.currency).map((r) => [r.sku, Number(r.amount)]));
  for (const l of up) {
    const catalog = price.get(l.sku);
    if (catalog !== undefined && over(catalog, l.unit_price)) return flag(l, catalog, l.unit_price, 'unit');
  }
  return null;
}

async function duplicateFlag(tx: Queryable, e: JournalEvent, batch: readonly JournalEvent[], rules: ReviewRules): Promise<ReviewFlag | null> {
  if (!rules.duplicate_sale) return null;
  const window = rules.duplicate_sale.window_seconds;
  const sale = e.payload as unknown as SaleShape;
  const at = Date.parse(sale.completed_at);
  const { rows } = await tx.query<{ seq: string; payload: SaleShape }>(
    `SELECT seq::text AS seq, payload FROM journal_events
      WHERE terminal_id = $1 AND seq < $2 AND seq >= $2 - $3 AND type = 'sale.completed' ORDER BY seq DESC`,
    [e.terminal_id, e.seq, DUPLICATE_LOOKBACK_EVENTS],
  );
  const earlier = [
    ...batch.filter((b) => b.terminal_id === e.terminal_id && b.type === 'sale.completed' && b.seq < e.seq).reverse().map((b) => ({ seq: String(b.seq), payload: b.payload as unknown as SaleShape })),
    ...rows,
  ];
  const key = basket(sale);
  for (const r of earlier) {
    const gap = (at - Date.parse(r.payload.completed_at)) / 1000;
    if (r.payload.sale_id === sale.sale_id || gap < 0 || gap > window) continue;
    if (basket(r.payload) !== key) continue;
    return {
      rule: 'duplicate_sale',
      reason: `same lines and total (${sale.totals.total} ${sale.currency}) as sale seq ${r.seq} of ${e.terminal_id} ${Math.round(gap)} s before`,
      related: { seq: Number(r.seq), sale_id: r.payload.sale_id, seconds_before: Math.round(gap) },
      amount: sale.totals.total,
      currency: sale.currency,
    };
  }
  return null;
}

function cardPostVoidedFlag(e: JournalEvent, rules: ReviewRules): ReviewFlag | null {
  if (rules.card_post_voided) {
    const p = e.payload as unknown as { sale_id: string; reason?: string; original: SaleShape };
    const cards = p.original.tenders.filter((t) => t.kind === 'card');
    if (cards.length === 0) return null;
    const charged = cards.reduce((s, t) => s + t.amount, 0);
    return {
      rule: 'card_post_voided',
      reason: `card sale approved (${charged} ${p.original.currency} on ${[...new Set(cards.map((t) => t.processor ?? 'card'))].join(', ')}) and then voided: check the card was refunded`,
      related: { sale_id: p.sale_id, card_amount: charged, void_reason: p.reason ?? null },
      amount: p.original.totals.total,
      currency: p.original.currency,
    };
  }
  return null;
}

export interface PendingReviewItem {
  event: JournalEvent;
  flag: ReviewFlag;
  entry_id: string | null;
  hold_entry_id: string | null;
}

/** Writes the batch's items (after its entries). */
export async function saveReviewItems(tx: Queryable, items: readonly PendingReviewItem[]): Promise<void> {
  if (items.length === 0) return;
  await tx.query(
    `INSERT INTO review_items (store_id, terminal_id, seq, event_id, event_type, rule, reason, related, amount, currency, entry_id, hold_entry_id)
     SELECT x.store_id, x.terminal_id, x.seq, x.event_id, x.event_type, x.rule, x.reason, x.related, x.amount, x.currency, x.entry_id, x.hold_entry_id
       FROM jsonb_to_recordset($1::jsonb) AS x(store_id text, terminal_id text, seq bigint, event_id uuid, event_type text, rule text, reason text, related jsonb, amount bigint, currency text, entry_id text, hold_entry_id text)
     ON CONFLICT (event_id) DO NOTHING`,
    [JSON.stringify(items.map((i) => ({
      store_id: i.event.store_id, terminal_id: i.event.terminal_id, seq: i.event.seq, event_id: i.event.event_id, event_type: i.event.type,
      rule: i.flag.rule, reason: i.flag.reason.slice(0, REASON_MAX), related: i.flag.related, amount: i.flag.amount, currency: i.flag.currency,
      entry_id: i.entry_id, hold_entry_id: i.hold_entry_id,
    })))],
  );
}

export const REVIEW_COLUMNS = `r.item_id, r.store_id, r.terminal_id, r.seq, r.event_id::text AS event_id, r.event_type, r.rule, r.reason, r.related, r.amount, r.currency,
  r.entry_id, r.hold_entry_id, r.created_at, r.status, r.cleared_by, r.cleared_at, r.clear_reason, r.release_entry_id`;

export interface ReviewItem {
  item_id: number;
  store_id: string;
  terminal_id: string;
  seq: number;
  receipt_no: string;
  event_id: string;
  event_type: string;
  rule: ReviewRule;
  reason: string;
  related: Record<string, unknown>;
  amount: number;
  currency: string;
  entry_id: string | null;
  hold_entry_id: string | null;
  created_at: string;
  status: 'open' | 'cleared';
  cleared_by: string | null;
  cleared_at: string | null;
  clear_reason: string | null;
  release_entry_id: string | null;
}

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

export function toReviewItem(r: Record<string, unknown>): ReviewItem {
  return {
    item_id: Number(r.item_id),
    store_id: String(r.store_id),
    terminal_id: String(r.terminal_id),
    seq: Number(r.seq),
    receipt_no: `${String(r.terminal_id)}-${String(r.seq).padStart(6, '0')}`,
    event_id: String(r.event_id),
    event_type: String(r.event_type),
    rule: r.rule as ReviewRule,
    reason: String(r.reason),
    related: (r.related ?? {}) as Record<string, unknown>,
    amount: Number(r.amount),
    currency: String(r.currency),
    entry_id: (r.entry_id as string | null) ?? null,
    hold_entry_id: (r.hold_entry_id as string | null) ?? null,
    created_at: iso(r.created_at)!,
    status: r.status as ReviewItem['status'],
    cleared_by: (r.cleared_by as string | null) ?? null,
    cleared_at: iso(r.cleared_at),
    clear_reason: (r.clear_reason as string | null) ?? null,
    release_entry_id: (r.release_entry_id as string | null) ?? null,
  };
}

export class ReviewError extends Error {
  constructor(readonly code: 'NOT_FOUND' | 'ALREADY_CLEARED' | 'BAD_REASON', message: string) {
    super(message);
  }
}

async function loadHold(tx: Queryable, entryId: string): Promise<JournalEntry> {
  const { rows } = await tx.query<{ entry_id: string; date: string; memo: string; adjusts: string | null; terminal_id: string; store_id: string | null; seq: string | null; event_id: string | null; event_type: string }>(
    `SELECT entry_id, to_char(date, 'YYYY-MM-DD') AS date, memo, adjusts, terminal_id, store_id, seq::text AS seq, event_id::text AS event_id, event_type FROM ledger_entries WHERE entry_id = $1`,
    [entryId],
  );
  const e = rows[0];
  if (!e) throw new Error(`review hold ${entryId} is not in the ledger`);
  const lines = await tx.query<{ account: string; currency: string; debit: string; credit: string; dimensions: Record<string, string> }>(
    `SELECT account, currency, debit::text AS debit, credit::text AS credit, dimensions FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no`,
    [entryId],
  );
  return {
    entry_id: e.entry_id,
    source: { terminal_id: e.terminal_id, store_id: e.store_id ?? 'hq', seq: Number(e.seq ?? 1), event_id: e.event_id ?? 'books', type: e.event_type },
    date: e.date,
    memo: e.memo,
    lines: lines.rows.map((l) => ({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions as JournalEntry['lines'][number]['dimensions'] })),
    ...(e.adjusts ? { adjusts: e.adjusts } : {}),
  };
}

/**
 * Clears an open item: records who, when and why, and (when its revenue was held) posts the
 * release entry in the same transaction. A cleared item is refused (ALREADY_CLEARED).
 */
export async function clearReviewItem(db: Db, charts: ChartSource, itemId: number, who: { by: string; reason: string }, now: Date = new Date()): Promise<ReviewItem> {
  const reason = who.reason.trim();
  if (reason.length < 3 || reason.length > REASON_MAX) throw new ReviewError('BAD_REASON', `say why in 3 to ${REASON_MAX} characters`);
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<Record<string, unknown>>(`SELECT ${REVIEW_COLUMNS} FROM review_items r WHERE r.item_id = $1 FOR UPDATE`, [itemId]);
    if (!rows[0]) throw new ReviewError('NOT_FOUND', `no review item ${itemId}`);
    const item = toReviewItem(rows[0]);
    if (item.status !== 'open') throw new ReviewError('ALREADY_CLEARED', `review item ${itemId} was cleared by ${item.cleared_by} at ${item.cleared_at}`);
    let releaseId: string | null = null;
    if (item.hold_entry_id) {
      const hold = await loadHold(tx, item.hold_entry_id);
      // Dated the books' day of the clearing, in the chart's time zone (as value adjustments are).
      const { chart } = await chartNow(charts, tx);
      const release = reviewReleaseEntry(hold, { date: accountingDate(now.toISOString(), chart.config.time_zone), memo: `review item ${itemId} (${item.rule}) cleared by ${who.by}: ${reason}` });
      await writeBooksEntries(tx, [release]);
      // Written as a books entry (no journal event behind it), in the store of the original.
      releaseId = release.entry_id;
    }
    const upd = await tx.query<Record<string, unknown>>(
      `UPDATE review_items r SET status = 'cleared', cleared_by = $2, cleared_at = now(), clear_reason = $3, release_entry_id = $4 WHERE r.item_id = $1 RETURNING ${REVIEW_COLUMNS}`,
      [itemId, who.by.slice(0, 200), reason, releaseId],
    );
    return toReviewItem(upd.rows[0]!);
  });
}
