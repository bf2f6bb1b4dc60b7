import { z } from 'zod';
import { isKnownCurrency } from '../money/currency';
import { accountCodeSchema } from './chart';

// A journal entry: immutable, balanced per currency, traceable to the journal event that
// caused it. Ids are derived from the event id, never random, so posting the same event twice
// gives byte-identical entries and the hub's unique key on entry_id refuses a double post.

export const MAX_LINES_PER_ENTRY = 5_000;

const minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const dimValue = z.string().min(1).max(64);

export const dimensionsSchema = z
  .object({
    store_id: dimValue,
    terminal_id: dimValue,
    category: dimValue.optional(),
    tax_code: dimValue.optional(),
    jurisdiction: dimValue.optional(),
    /** Tender kind (cash, card, gift_card, ...) */
    tender: dimValue.optional(),
    processor: dimValue.optional(),
    gift_card_id: dimValue.optional(),
    /** Loyalty lines: whose points. */
    customer_id: dimValue.optional(),
    discount_kind: dimValue.optional(),
    promotion_id: dimValue.optional(),
    reason: z.string().min(1).max(200).optional(),
    /** Set when the line went to the suspense account: which mapping was missing. */
    unmapped: z.string().min(1).max(200).optional(),
  })
  .strict();
export type Dimensions = z.infer<typeof dimensionsSchema>;

export const journalLineSchema = z
  .object({
    account: accountCodeSchema,
    /** Minor units; exactly one of debit and credit is > 0, the other is 0. */
    debit: minor,
    credit: minor,
    currency: z.string().refine(isKnownCurrency, 'unknown ISO 4217 currency'),
    dimensions: dimensionsSchema,
  })
  .strict();
export type JournalLine = z.infer<typeof journalLineSchema>;

export const entrySourceSchema = z
  .object({
    terminal_id: z.string().min(1).max(64),
    store_id: z.string().min(1).max(64),
    seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    event_id: z.string().min(1).max(64),
    type: z.string().min(1).max(64),
  })
  .strict();
export type EntrySource = z.infer<typeof entrySourceSchema>;

export const entryIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/, 'must be 1-128 of A-Z a-z 0-9 : . _ -');

export const journalEntrySchema = z
  .object({
    entry_id: entryIdSchema,
    source: entrySourceSchema,
    /** Accounting date YYYY-MM-DD in the chart's time zone. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
    memo: z.string().max(500),
    lines: z.array(journalLineSchema).min(2).max(MAX_LINES_PER_ENTRY),
    /** This entry undoes that one exactly (post-void). */
    reverses: entryIdSchema.optional(),
    /** This entry corrects part of that one (refund of some lines, reversal of a refund...). */
    adjusts: entryIdSchema.optional(),
  })
  .strict();
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export class UnbalancedEntryError extends Error {
  constructor(
    readonly entryId: string,
    message: string,
  ) {
    super(`entry ${entryId}: ${message}`);
    this.name = 'UnbalancedEntryError';
  }
}

/** Debit and credit totals per currency of a set of lines, as bigint so no sum can overflow. */
export function totalsByCurrency(lines: readonly JournalLine[]): Map<string, { debit: bigint; credit: bigint }> {
  const t = new Map<string, { debit: bigint; credit: bigint }>();
  for (const l of lines) {
    const cur = t.get(l.currency) ?? { debit: 0n, credit: 0n };
    cur.debit += BigInt(l.debit);
    cur.credit += BigInt(l.credit);
    t.set(l.currency, cur);
  }
  return t;
}

/**
 * Throws unless the entry has at least two lines, every line has exactly one positive side
 * (integer minor units), and debits equal credits in every currency.
 */
export function assertBalanced(entry: JournalEntry): void {
  const id = entry.entry_id;
  if (entry.lines.length < 2) throw new UnbalancedEntryError(id, `has ${entry.lines.length} line(s); an entry needs at least two`);
  if (entry.lines.length > MAX_LINES_PER_ENTRY) throw new UnbalancedEntryError(id, `has ${entry.lines.length} lines; at most ${MAX_LINES_PER_ENTRY}`);
  entry.lines.forEach((l, i) => {
    for (const side of ['debit', 'credit'] as const) {
      const v = l[side];
      if (!Number.isSafeInteger(v) || v < 0) throw new UnbalancedEntryError(id, `line ${i} ${side} must be a non-negative integer of minor units, got ${v}`);
    }
    if ((l.debit > 0) === (l.credit > 0)) {
      throw new UnbalancedEntryError(id, `line ${i} (${l.account}) must have exactly one positive side, got debit ${l.debit} credit ${l.credit}`);
    }
    if (!isKnownCurrency(l.currency)) throw new UnbalancedEntryError(id, `line ${i} has unknown currency "${l.currency}"`);
  });
  for (const [currency, t] of totalsByCurrency(entry.lines)) {
    if (t.debit !== t.credit) throw new UnbalancedEntryError(id, `${currency} debits ${t.debit} ≠ credits ${t.credit}`);
  }
}

export function isBalancedEntry(entry: JournalEntry): boolean {
  try {
    assertBalanced(entry);
    return true;
  } catch {
    return false;
  }
}

/** Deep-frozen copy, so an entry handed out cannot be edited afterwards. */
export function freezeEntry(entry: JournalEntry): JournalEntry {
  const lines = entry.lines.map((l) => Object.freeze({ ...l, dimensions: Object.freeze({ ...l.dimensions }) }));
  return Object.freeze({ ...entry, source: Object.freeze({ ...entry.source }), lines: Object.freeze(lines) as unknown as JournalLine[] });
}

/**
 * The exact negation of `original` (each debit becomes a credit of the same amount, same
 * account and dimensions), linked by `reverses`. Used for post-voids and for undoing any
 * entry; the pair nets every account to zero.
 */
export function reversalOf(original: JournalEntry, init: { entry_id: string; source: EntrySource; date: string; memo: string }): JournalEntry {
  const entry: JournalEntry = {
    entry_id: init.entry_id,
    source: init.source,
    date: init.date,
    memo: init.memo,
    lines: original.lines.map((l) => ({ account: l.account, debit: l.credit, credit: l.debit, currency: l.currency, dimensions: { ...l.dimensions } })),
    reverses: original.entry_id,
  };
  assertBalanced(entry);
  return freezeEntry(entry);
}
