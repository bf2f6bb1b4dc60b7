import { valueAdjustmentAccount, giftCardAccount, loyaltyLiabilityAccount, UnmappedAccountError } from '../../core/ledger/chart';
import { accountingDate } from '../../core/ledger/post';
import { VALUE_ADJUSTMENT_EVENT_TYPE } from '../../core/ledger/map-coverage';
import type { JournalEntry, JournalLine } from '../../core/ledger/entry';
import type { Db, Queryable } from '../db/db';
import { booksDimensions, writeBooksEntries } from '../books/ledger-write';
import { chartNow, type ChartSource } from '../books/posting-map';
import { accountIdOf, addMovement, canonicalCustomers, lockAccounts, type AccountRow } from './accounts';
import { loyaltySettings } from './settings';

// HQ's manual adjustments: a goodwill credit of points, a gift card or store credit corrected
// or written off. Each is a person's recorded action applied once: a movement of kind
// `adjust` whose cause is `adjust:<key>` (the caller's idempotency key, unique like every
// cause), with who, when and why in the row, and in the same transaction a ledger entry
// `adjust:<key>` through the posting map — points against mapping.loyalty.liability, cards
// against mapping.gift_card, the other side mapping.adjustments (or suspense). So the hub's
// balances and the general ledger's liabilities move together, as they do for a sale.

export const MAX_ADJUST_POINTS = 10_000_000;
export const MAX_ADJUST_MINOR = 100_000_000;

export class ValueAdjustmentError extends Error {
  constructor(
    readonly code: 'NOT_FOUND' | 'KEY_REUSED' | 'INSUFFICIENT_BALANCE' | 'CURRENCY_REQUIRED' | 'CURRENCY_MISMATCH' | 'MAP_UNMAPPED',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ValueAdjustmentError';
  }
}

export interface AdjustmentRequest {
  /** Idempotency key: a retry with the same key and content returns the first result. */
  key: string;
  /** Signed: points, or minor units of the card's currency. Never 0. */
  amount: number;
  reason: string;
  /** A card that does not exist yet needs its currency (store credit issued by HQ); points need it when the chain has several. */
  currency?: string;
}

export interface AdjustmentResult {
  account_id: string;
  movement_id: number;
  amount: number;
  value: number;
  currency: string;
  balance: number;
  entry_id: string;
  reason: string;
  created_by: string;
  created_at: string;
  /** False when the key had been applied before (this is its first result again). */
  applied: boolean;
}

export type AdjustTarget = { kind: 'points'; customer_id: string } | { kind: 'gift_card'; gift_card_id: string };

interface Who {
  user_id: string;
}

async function existing(q: Queryable, cause: string): Promise<{ movement_id: string; account_id: string; amount: string; value: string; reason: string; created_by: string; created_at: Date } | undefined> {
  const r = await q.query<{ movement_id: string; account_id: string; amount: string; value: string; reason: string; created_by: string; created_at: Date }>(
    `SELECT movement_id::text, account_id, amount::text, value::text, reason, created_by, created_at FROM value_movements WHERE cause = $1`,
    [cause],
  );
  return r.rows[0];
}

async function replay(q: Queryable, cause: string, accountId: string, req: AdjustmentRequest): Promise<AdjustmentResult | null> {
  const m = await existing(q, cause);
  if (!m) return null;
  if (m.account_id !== accountId || Number(m.amount) !== req.amount || m.reason !== req.reason) {
    throw new ValueAdjustmentError('KEY_REUSED', `key ${req.key} was used for another adjustment (${m.account_id}, ${m.amount}); use a new key for a new adjustment`, 'key');
  }
  const a = await q.query<{ balance: string; currency: string | null }>(`SELECT balance::text, currency FROM value_accounts WHERE account_id = $1`, [accountId]);
  const line = await q.query<{ currency: string }>(`SELECT currency FROM ledger_lines WHERE entry_id = $1 LIMIT 1`, [cause]);
  return {
    account_id: accountId,
    movement_id: Number(m.movement_id),
    amount: Number(m.amount),
    value: Number(m.value),
    currency: line.rows[0]?.currency ?? a.rows[0]?.currency ?? '',
    balance: Number(a.rows[0]?.balance ?? 0),
    entry_id: cause,
    reason: m.reason,
    created_by: m.created_by,
    created_at: m.created_at.toISOString(),
    applied: false,
  };
}

/** The currency a points adjustment is valued in: asked, else the customer's store's, else the chain's only one. */
async function pointsCurrency(q: Queryable, customerId: string, asked: string | undefined): Promise<string> {
  if (asked) return asked;
  const own = await q.query<{ currency: string }>(`SELECT s.currency FROM customers c JOIN stores s ON s.store_id = c.origin_store_id WHERE c.customer_id = $1`, [customerId]);
  if (own.rows[0]) return own.rows[0].currency;
  const all = await q.query<{ currency: string }>(`SELECT DISTINCT currency FROM stores ORDER BY currency LIMIT 2`);
  if (all.rows.length === 1) return all.rows[0]!.currency;
  throw new ValueAdjustmentError('CURRENCY_REQUIRED', 'the chain has stores in several currencies: say which currency the points are valued in', 'currency');
}

function resolve(fn: () => { code: string; unmapped?: string }): { code: string; unmapped?: string } {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UnmappedAccountError) throw new ValueAdjustmentError('MAP_UNMAPPED', `${e.message}: save a posting map version with mapping.adjustments (or a suspense account)`);
    throw e;
  }
}

/**
 * Applies an adjustment once: locks the account, refuses one that would take the available
 * balance below zero, appends the movement and posts its entry in one transaction. A key seen
 * before returns the first result (KEY_REUSED when the request differs).
 */
export async function adjustValue(db: Db, charts: ChartSource, target: AdjustTarget, req: AdjustmentRequest, who: Who, now = new Date()): Promise<AdjustmentResult> {
  const cause = `adjust:${req.key}`;
  return db.transaction(async (tx) => {
    let ref: AdjustTarget;
    let currency: string;
    let value: number;
    if (target.kind === 'points') {
      const id = (await canonicalCustomers(tx, [target.customer_id])).get(target.customer_id)!;
      const c = await tx.query(`SELECT 1 FROM customers WHERE customer_id = $1`, [id]);
      if (c.rows.length === 0) throw new ValueAdjustmentError('NOT_FOUND', `no customer ${target.customer_id}`, 'customer_id');
      ref = { kind: 'points', customer_id: id };
      const again = await replay(tx, cause, accountIdOf(ref), req);
      if (again) return again;
      currency = await pointsCurrency(tx, id, req.currency);
      value = req.amount * (await loyaltySettings(tx)).point_value;
    } else {
      ref = target;
      const again = await replay(tx, cause, accountIdOf(ref), req);
      if (again) return again;
      const card = await tx.query<{ currency: string }>(`SELECT currency FROM value_accounts WHERE account_id = $1`, [accountIdOf(ref)]);
      if (card.rows[0]) {
        currency = card.rows[0].currency;
        if (req.currency && req.currency !== currency) throw new ValueAdjustmentError('CURRENCY_MISMATCH', `gift card ${target.gift_card_id} is in ${currency}, not ${req.currency}`, 'currency');
      } else {
        if (req.amount < 0) throw new ValueAdjustmentError('NOT_FOUND', `no gift card ${target.gift_card_id}`, 'gift_card_id');
        if (!req.currency) throw new ValueAdjustmentError('CURRENCY_REQUIRED', `gift card ${target.gift_card_id} is new: say its currency`, 'currency');
        currency = req.currency;
      }
      value = req.amount;
    }
    const accountId = accountIdOf(ref);
    const chart = await chartNow(charts, tx);
    const locked: AccountRow = (await lockAccounts(tx, [ref], currency, null))!.get(accountId)!;
    // A concurrent request with the same key committed while we waited for the lock.
    const raced = await replay(tx, cause, accountId, req);
    if (raced) return raced;
    if (req.amount < 0 && locked.balance - locked.held + req.amount < 0) {
      throw new ValueAdjustmentError('INSUFFICIENT_BALANCE', `only ${locked.balance - locked.held} available (balance ${locked.balance}, held ${locked.held}); an adjustment cannot take it below zero`, 'amount');
    }
    const ins = await addMovement(tx, { account_id: accountId, amount: req.amount, value, kind: 'adjust', cause, reason: req.reason, created_by: who.user_id });
    if (!ins) throw new Error(`adjustment ${cause} vanished between its check and its insert under the account lock`);
    const liability = resolve(() => (ref.kind === 'points' ? loyaltyLiabilityAccount(chart.chart) : giftCardAccount(chart.chart)));
    const other = resolve(() => valueAdjustmentAccount(chart.chart, ref.kind));
    const dims = booksDimensions({ reason: req.reason.slice(0, 200), ...(ref.kind === 'points' ? { customer_id: ref.customer_id } : { gift_card_id: ref.gift_card_id }) });
    const line = (account: { code: string; unmapped?: string }, signed: number): JournalLine => ({
      account: account.code,
      currency,
      debit: signed > 0 ? signed : 0,
      credit: signed < 0 ? -signed : 0,
      dimensions: account.unmapped ? { ...dims, unmapped: account.unmapped } : dims,
    });
    // More owed to the customer: Dr the adjustment account, Cr the liability; less: the reverse.
    if (value !== 0) {
      const entry: JournalEntry = {
        entry_id: cause,
        source: { terminal_id: 'books', store_id: 'hq', seq: 1, event_id: cause, type: VALUE_ADJUSTMENT_EVENT_TYPE },
        date: accountingDate(now.toISOString(), chart.chart.config.time_zone),
        memo: `${ref.kind === 'points' ? `points of customer ${ref.customer_id}` : `gift card ${ref.gift_card_id}`} adjusted by ${req.amount} by ${who.user_id}: ${req.reason}`.slice(0, 500),
        lines: [line(other, value), line(liability, -value)],
      };
      await writeBooksEntries(tx, [entry], chart.version);
    }
    const m = (await existing(tx, cause))!;
    return {
      account_id: accountId,
      movement_id: Number(m.movement_id),
      amount: req.amount,
      value,
      currency,
      balance: ins.balance,
      entry_id: cause,
      reason: req.reason,
      created_by: who.user_id,
      created_at: m.created_at.toISOString(),
      applied: true,
    };
  });
}
