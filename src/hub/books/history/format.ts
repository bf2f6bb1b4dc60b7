import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RefundLine, SaleCompletedPayload, SaleLine, SaleRefundedPayload, Tender, TaxBreakdownRow } from '../../../core/events/sale';
import type { Chart } from '../../../core/ledger/chart';
import type { JournalEntry } from '../../../core/ledger/entry';
import { postEvent } from '../../../core/ledger/post';
import { currencyExponent, isKnownCurrency } from '../../../core/money/currency';
import type { JournalEvent } from '../../../core/protocol';

// The historical sales format (docs/books.md, "Historical import"): JSON Lines, one sale per
// line, amounts as decimal strings in the sale's currency, as other POS systems export them.
// Each line becomes a sale.completed payload of ours (so core checks its arithmetic and posts
// it exactly like a live sale) on the store's virtual "history" register. The sale id is a
// UUID derived from the store and the old system's id, so the same sale imported from any
// file, any number of times, is one ledger entry (`sale-<uuid>`).

const dec = z.string().regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'must be a decimal string like "12.34"');
const text = (max: number) => z.string().max(max);

export const historySaleSchema = z.strictObject({
  id: z.string().min(1).max(128),
  store_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a store id'),
  completed_at: z.string().datetime({ offset: true, message: 'must be an ISO-8601 time' }),
  currency: z.string().refine(isKnownCurrency, 'unknown ISO 4217 currency'),
  cashier: text(64).optional(),
  /** The old system's id of the sale this line refunds: the line is a refund (amounts as given back, positive). */
  refund_of: z.string().min(1).max(128).optional(),
  lines: z
    .array(
      z.strictObject({
        sku: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ : / -'),
        description: text(200).default(''),
        category: z.string().min(1).max(64),
        quantity: dec,
        unit_price: dec,
        discount: dec.optional(),
        taxes: z
          .array(z.strictObject({ code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/), jurisdiction: z.string().min(1).max(64), rate: dec, amount: dec, inclusive: z.boolean().default(false) }))
          .max(10)
          .default([]),
      }),
    )
    .min(1)
    .max(500),
  tenders: z
    .array(
      z.strictObject({
        kind: z.enum(['cash', 'card', 'gift_card']), amount: dec, processor: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/).optional(), gift_card_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/).optional(),
        // A card's brand and last four digits only (never more of the number).
        card_brand: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}$/, 'must be a card brand name').optional(),
        last4: z.string().regex(/^\d{4}$/, 'must be the last four digits').optional(),
      }),
    )
    .min(1)
    .max(20),
});
export type HistorySale = z.infer<typeof historySaleSchema>;

export class HistoryLineError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'HistoryLineError';
  }
}

function toMinor(s: string, currency: string, what: string): number {
  const exp = currencyExponent(currency);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s)!;
  const frac = m[3] ?? '';
  if (frac.length > exp && /[1-9]/.test(frac.slice(exp))) throw new Error(`${what} ${s} has more decimals than ${currency} allows`);
  const v = Number(`${m[2]}${frac.slice(0, exp).padEnd(exp, '0')}`);
  return m[1] ? -v : v;
}

/** "1.5" → { units: 15, scale: 1 }. */
function quantity(s: string): { units: number; scale: number } {
  const m = /^(\d+)(?:\.(\d+?))?0*$/.exec(s);
  if (!m || s.startsWith('-')) throw new Error(`quantity ${s} must be positive`);
  const frac = m[2] ?? '';
  const q = { units: Number(`${m[1]}${frac}`), scale: frac.length };
  if (q.units <= 0) throw new Error(`quantity ${s} must be positive`);
  return q;
}

export function uuidFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const HISTORY_TERMINAL_SUFFIX = '-history';

/** Our sale.completed payload for one historical sale (checked by core when posted). */
export function toSalePayload(h: HistorySale): SaleCompletedPayload {
  const c = h.currency;
  const sale_id = uuidFor('history', h.store_id, h.id);
  const lines: SaleLine[] = h.lines.map((l, i) => {
    const q = quantity(l.quantity);
    const unit_price = toMinor(l.unit_price, c, 'unit_price');
    const gross = Math.round((unit_price * q.units) / 10 ** q.scale);
    const discount = l.discount ? toMinor(l.discount, c, 'discount') : 0;
    const net = gross - discount;
    const taxes = l.taxes.map((t) => {
      const rate_ppm = Math.round(Number(t.rate) * 10_000);
      const amount = toMinor(t.amount, c, 'tax amount');
      return { code: t.code, jurisdiction: t.jurisdiction, rate_ppm, inclusive: t.inclusive, compound: false, base: t.inclusive ? net - amount : net, amount };
    });
    const exclusive = taxes.reduce((a, t) => a + (t.inclusive ? 0 : t.amount), 0);
    return {
      line_id: `L${i + 1}`, sku: l.sku, description: l.description, category: l.category, tax_category: 'general',
      quantity: q, unit: q.scale === 0 ? 'each' : 'kg', unit_price, price_source: 'price_book', gross,
      discounts: discount > 0 ? [{ kind: 'line', amount: discount }] : [], net, taxes, total: net + exclusive,
    } as SaleLine;
  });
  const rows = new Map<string, TaxBreakdownRow>();
  for (const l of lines) {
    for (const t of l.taxes) {
      const k = `${t.code}|${t.jurisdiction}|${t.rate_ppm}|${t.inclusive}`;
      const r = rows.get(k) ?? { code: t.code, jurisdiction: t.jurisdiction, rate_ppm: t.rate_ppm, inclusive: t.inclusive, base: 0, amount: 0 };
      r.base += t.base;
      r.amount += t.amount;
      rows.set(k, r);
    }
  }
  const sum = (f: (l: SaleLine) => number) => lines.reduce((a, l) => a + f(l), 0);
  const tenders: Tender[] = h.tenders.map((t, i) => {
    const amount = toMinor(t.amount, c, 'tender amount');
    const tender_id = `T${i + 1}`;
    if (t.kind === 'card') {
      return { tender_id, kind: 'card', amount, processor: t.processor ?? 'unknown', ...(t.card_brand ? { card_brand: t.card_brand } : {}), ...(t.last4 ? { masked_pan: `************${t.last4}` } : {}) };
    }
    if (t.kind === 'gift_card') return { tender_id, kind: 'gift_card', amount, gift_card_id: t.gift_card_id ?? 'history' };
    return { tender_id, kind: 'cash', amount, tendered: amount, change: 0 };
  });
  return {
    sale_id,
    store_id: h.store_id,
    terminal_id: `${h.store_id}${HISTORY_TERMINAL_SUFFIX}`.slice(0, 64),
    shift_id: uuidFor('history-shift', h.store_id, h.completed_at.slice(0, 10)),
    cashier_id: h.cashier && /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/.test(h.cashier) ? h.cashier : 'history',
    currency: c,
    price_book_version: 0,
    lines,
    totals: { subtotal: sum((l) => l.gross), discount_total: sum((l) => l.discounts.reduce((a, d) => a + d.amount, 0)), tax_total: sum((l) => l.taxes.reduce((a, t) => a + t.amount, 0)), total: sum((l) => l.total), rounding: 0 },
    tax_breakdown: [...rows.values()],
    tenders,
    change_due: 0,
    completed_at: new Date(h.completed_at).toISOString(),
  };
}

/** A history line with `refund_of`: our sale.refunded payload (lines refund "lines" L1.. of the old sale; nothing restocked). */
export function toRefundPayload(h: HistorySale): SaleRefundedPayload {
  const s = toSalePayload(h);
  return {
    refund_id: uuidFor('history-refund', h.store_id, h.id),
    original_sale_id: uuidFor('history', h.store_id, h.refund_of!),
    store_id: s.store_id, terminal_id: s.terminal_id, shift_id: s.shift_id, cashier_id: s.cashier_id, reason: 'historical import', currency: s.currency,
    lines: s.lines.map((l): RefundLine => ({ ...l, original_line_id: l.line_id })),
    totals: s.totals, tax_breakdown: s.tax_breakdown, tenders: s.tenders, restock: false, refunded_at: s.completed_at,
  };
}

const ZERO_HASH = '0'.repeat(64);

export function parseHistoryJson(json: string, lineNo: number): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (e) {
    throw new HistoryLineError(lineNo, `not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}

/** The ledger entry id a history line's sale posts as (null when the line has no usable ids). */
export function historyEntryId(raw: unknown): string | null {
  const r = raw as { store_id?: unknown; id?: unknown; refund_of?: unknown } | null;
  if (!r || typeof r.store_id !== 'string' || typeof r.id !== 'string') return null;
  if (r.refund_of !== undefined) return `refund-${uuidFor('history-refund', r.store_id, r.id)}`;
  return `sale-${uuidFor('history', r.store_id, r.id)}`;
}

/** Checks, converts and posts one parsed line; throws HistoryLineError naming the line. */
export function postHistoryLine(raw: unknown, lineNo: number, chart: Chart): { sale: HistorySale; entries: JournalEntry[] } {
  const r = historySaleSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HistoryLineError(lineNo, `${i.path.join('.') || '(sale)'}: ${i.message}`);
  }
  try {
    const refund = r.data.refund_of !== undefined;
    const payload = refund ? toRefundPayload(r.data) : toSalePayload(r.data);
    const eventId = 'refund_id' in payload ? payload.refund_id : payload.sale_id;
    const at = 'refunded_at' in payload ? payload.refunded_at : payload.completed_at;
    // Not stored as a journal event (there is no register chain behind it): the envelope only carries what posting reads.
    const event: JournalEvent = {
      version: 1, terminal_id: payload.terminal_id, store_id: payload.store_id, seq: lineNo, event_id: eventId, type: refund ? 'sale.refunded' : 'sale.completed',
      occurred_at: at, payload: payload as unknown as Record<string, unknown>, prev_hash: ZERO_HASH, hash: ZERO_HASH,
    } as JournalEvent;
    return { sale: r.data, entries: postEvent(event, chart) };
  } catch (e) {
    throw new HistoryLineError(lineNo, (e as Error).message.replace(/^event \S+: /, '').slice(0, 500));
  }
}

/** Iterates the lines of a JSON Lines buffer (1-based numbers), skipping blank lines. */
export function* jsonLines(bytes: Uint8Array, fromLine = 1): Generator<{ line: number; text: string }> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  let line = 1;
  while (start < buf.length) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    if (line >= fromLine) {
      const text = buf.toString('utf8', start, end).trim();
      if (text.length > 0) yield { line, text };
    }
    start = end + 1;
    line += 1;
  }
}
