// Reconciliation matching, pure: what the hub expected (card tenders of sales and refunds,
// cash dropped for the bank) against what arrived (processor settlement lines, payouts, bank
// lines). Every input and output amount is integer minor units. The result is one item per
// thing that should match, matched or open with a reason; nothing here touches a database.

export const REASONS = ['missing', 'amount differs', 'duplicate', 'outside the window', 'unknown reference'] as const;
export type Reason = (typeof REASONS)[number];

/** Days a settlement line may be dated after (or before) its sale. */
export const SETTLEMENT_WINDOW_DAYS = 3;
/** Days a payout may take to reach the bank (a day early allowed for time zones). */
export const PAYOUT_WINDOW_DAYS = 5;
/** Days a cash bag may take from the drop to the bank statement. */
export const DEPOSIT_WINDOW_DAYS = 4;
/**
 * Deposits of one store considered together for one bank line: the 24 dated nearest before it,
 * searched oldest first. One search's step budget, and the budget of every sum search of one
 * reconciliation run together (a large statement cannot keep the event loop busy for long:
 * once it is spent, the remaining deposits stay open for a person).
 */
export const SUM_MATCH_MAX_DEPOSITS = 24;
export const SUM_MATCH_MAX_STEPS = 200_000;
export const SUM_MATCH_RUN_MAX_STEPS = 2_000_000;

/** Steps left for the sum searches of one run; each search takes what it used. */
export interface StepBudget {
  left: number;
}

/**
 * A subset of `amounts` (positive integers, at least two of them) adding up to `target`,
 * as indexes in ascending order; the search tries the earliest-listed first and gives up
 * (null) after `maxSteps` nodes or when `budget` runs out, so it is bounded whatever the input.
 */
export function findSumSubset(amounts: readonly number[], target: number, maxSteps = SUM_MATCH_MAX_STEPS, budget?: StepBudget): number[] | null {
  if (amounts.some((a) => !Number.isSafeInteger(a) || a <= 0) || target <= 0) return null;
  const limit = budget ? Math.min(maxSteps, budget.left) : maxSteps;
  if (limit <= 0) return null;
  const found = searchSubset(amounts, target, limit);
  if (budget) budget.left -= found.steps;
  return found.picked;
}

function searchSubset(amounts: readonly number[], target: number, maxSteps: number): { picked: number[] | null; steps: number } {
  // suffix[i]: the sum of amounts[i..]; a branch that cannot reach the target is cut.
  const suffix = new Array<number>(amounts.length + 1).fill(0);
  for (let i = amounts.length - 1; i >= 0; i--) suffix[i] = suffix[i + 1]! + amounts[i]!;
  let steps = 0;
  const picked: number[] = [];
  const dfs = (i: number, rest: number): boolean => {
    if (rest === 0) return picked.length >= 2;
    if (i >= amounts.length || suffix[i]! < rest || ++steps > maxSteps) return false;
    if (amounts[i]! <= rest) {
      picked.push(i);
      if (dfs(i + 1, rest - amounts[i]!)) return true;
      picked.pop();
    }
    return dfs(i + 1, rest);
  };
  const ok = dfs(0, target);
  return { picked: ok ? [...picked] : null, steps };
}

export interface CardTender {
  key: string;
  store_id: string;
  date: string;
  processor: string;
  currency: string;
  /** Sale +, refund −. */
  amount: number;
  terminal_ref: string;
  voided: boolean;
}

export interface SettlementLineIn {
  key: string;
  processor: string;
  kind: string;
  reference: string;
  date: string;
  currency: string;
  gross: number;
  duplicate_of?: string;
}

export interface PayoutIn {
  key: string;
  processor: string;
  payout_id: string;
  date: string;
  currency: string;
  amount: number;
  lines_check: string;
  duplicate_of?: string;
}

export interface BankLineIn {
  key: string;
  date: string;
  currency: string;
  amount: number;
  text: string;
  duplicate_of?: string;
}

export interface CashDepositIn {
  key: string;
  store_id: string;
  date: string;
  currency: string;
  amount: number;
  /** Bag number written at the drop, '' when none; for a shift close, the shift id's first 8 characters. */
  bag: string;
  /** 'drop': cash dropped for the bank during a shift; 'shift_close': the Z count's takings (counted − float). */
  source?: 'drop' | 'shift_close';
}

export interface ReconItem {
  item_key: string;
  kind: 'card_tender' | 'settlement_line' | 'payout' | 'bank_line' | 'cash_deposit';
  store_id: string | null;
  date: string;
  currency: string;
  expected: number;
  received: number;
  status: 'matched' | 'open';
  reason: Reason | null;
  matched_with: string | null;
  detail: string;
}

export interface MatchInput {
  tenders: readonly CardTender[];
  settlement: readonly SettlementLineIn[];
  payouts: readonly PayoutIn[];
  bank: readonly BankLineIn[];
  deposits: readonly CashDepositIn[];
}

const DAY = 86_400_000;
function days(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

function contains(text: string, needle: string): boolean {
  return needle.length >= 3 && text.toLowerCase().includes(needle.toLowerCase());
}

export function reconcile(input: MatchInput, opts: { sumSearchSteps?: number } = {}): ReconItem[] {
  const sumBudget: StepBudget = { left: opts.sumSearchSteps ?? SUM_MATCH_RUN_MAX_STEPS };
  const items: ReconItem[] = [];
  const tenderClaim = new Map<string, { line: SettlementLineIn; gross: number }>();
  const open = (base: Omit<ReconItem, 'status' | 'reason'>, reason: Reason): ReconItem => ({ ...base, status: 'open', reason });
  const matched = (base: Omit<ReconItem, 'status' | 'reason'>): ReconItem => ({ ...base, status: 'matched', reason: null });

  // ---- settlement lines ↔ card tenders ------------------------------------------------
  const live = input.tenders.filter((t) => !t.voided);
  const byRef = new Map<string, CardTender[]>();
  for (const t of live) {
    if (!t.terminal_ref) continue;
    const k = `${t.processor}\u0000${t.terminal_ref}`;
    byRef.set(k, [...(byRef.get(k) ?? []), t]);
  }
  const lastSettled = new Map<string, string>();
  for (const l of input.settlement) if (l.date > (lastSettled.get(l.processor) ?? '')) lastSettled.set(l.processor, l.date);
  // Two passes, in a stable order: every line with a reference that names a payment claims
  // it first, so a line matched only by amount and date cannot take another line's sale.
  const sorted = [...input.settlement].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hasRefMatch = (l: SettlementLineIn) => l.reference !== '' && (byRef.get(`${l.processor}\u0000${l.reference}`) ?? []).length > 0;
  const ordered = [...sorted.filter((l) => l.duplicate_of || hasRefMatch(l)), ...sorted.filter((l) => !l.duplicate_of && !hasRefMatch(l))];
  for (const l of ordered) {
    if (l.kind !== 'sale' && l.kind !== 'refund' && l.kind !== 'chargeback') continue;
    const base = { item_key: l.key, kind: 'settlement_line' as const, store_id: null as string | null, date: l.date, currency: l.currency, expected: 0, received: l.gross, matched_with: null as string | null, detail: `${l.processor} ${l.kind} ${l.reference}`.trim() };
    if (l.duplicate_of) {
      items.push(open({ ...base, matched_with: l.duplicate_of, detail: `${base.detail}: the same line was imported before` }, 'duplicate'));
      continue;
    }
    const sign = l.kind === 'sale' ? 1 : -1;
    const refHits = (byRef.get(`${l.processor}\u0000${l.reference}`) ?? []).filter((t) => Math.sign(t.amount) === sign);
    if (l.kind === 'chargeback') {
      const t = (byRef.get(`${l.processor}\u0000${l.reference}`) ?? [])[0];
      items.push(open({ ...base, store_id: t?.store_id ?? null, matched_with: t?.key ?? null, detail: `${base.detail}: chargeback of ${t ? t.key : 'an unknown payment'}` }, t ? 'amount differs' : 'unknown reference'));
      continue;
    }
    if (l.reference && refHits.length > 0) {
      const free = refHits.find((t) => !tenderClaim.has(t.key));
      if (!free) {
        items.push(open({ ...base, store_id: refHits[0]!.store_id, matched_with: refHits[0]!.key, detail: `${base.detail}: the payment is already settled by another line` }, 'duplicate'));
        continue;
      }
      tenderClaim.set(free.key, { line: l, gross: l.gross });
      const b = { ...base, store_id: free.store_id, expected: free.amount, matched_with: free.key };
      items.push(free.amount === l.gross ? matched(b) : open({ ...b, detail: `${base.detail}: settled ${l.gross}, sold ${free.amount}` }, 'amount differs'));
      continue;
    }
    // No reference to go by: the same amount on the same processor within the window.
    const candidates = live.filter((t) => t.processor === l.processor && t.currency === l.currency && t.amount === l.gross && !tenderClaim.has(t.key));
    const inWindow = candidates.filter((t) => Math.abs(days(t.date, l.date)) <= SETTLEMENT_WINDOW_DAYS).sort((a, b) => Math.abs(days(a.date, l.date)) - Math.abs(days(b.date, l.date)));
    if (inWindow.length > 0) {
      const t = inWindow[0]!;
      tenderClaim.set(t.key, { line: l, gross: l.gross });
      items.push(matched({ ...base, store_id: t.store_id, expected: t.amount, matched_with: t.key, detail: `${base.detail}: matched by amount and date` }));
    } else if (candidates.length > 0) {
      items.push(open({ ...base, store_id: candidates[0]!.store_id, matched_with: candidates[0]!.key, detail: `${base.detail}: same amount on ${candidates[0]!.date}, more than ${SETTLEMENT_WINDOW_DAYS} days away` }, 'outside the window'));
    } else {
      items.push(open({ ...base, detail: `${base.detail}: no card sale or refund with this reference or amount` }, 'unknown reference'));
    }
  }
  for (const t of live) {
    const claim = tenderClaim.get(t.key);
    const base = { item_key: t.key, kind: 'card_tender' as const, store_id: t.store_id, date: t.date, currency: t.currency, expected: t.amount, received: claim?.gross ?? 0, matched_with: claim?.line.key ?? null, detail: `${t.processor} ${t.terminal_ref}`.trim() };
    if (claim) {
      items.push(claim.gross === t.amount ? matched(base) : open({ ...base, detail: `${base.detail}: settled ${claim.gross}` }, 'amount differs'));
      continue;
    }
    // Not settled yet is not missing: only once the processor has settled days past it.
    const last = lastSettled.get(t.processor);
    if (last !== undefined && days(t.date, last) > SETTLEMENT_WINDOW_DAYS) items.push(open({ ...base, detail: `${base.detail}: not in any settlement up to ${last}` }, 'missing'));
  }

  // ---- payouts and cash deposits ↔ bank lines ------------------------------------------
  const credits = input.bank.filter((b) => b.amount > 0);
  const debits = input.bank.filter((b) => b.amount < 0);
  const bankClaim = new Map<string, string>();
  const lastBank = input.bank.reduce((m, b) => (b.date > m ? b.date : m), '');
  const claimBank = (
    key: string,
    base: Omit<ReconItem, 'status' | 'reason'>,
    currency: string,
    amount: number,
    date: string,
    refText: string,
    window: { before: number; after: number },
  ): ReconItem | null => {
    // Money in for a payout or a deposit; a negative payout (refunds and chargebacks beyond the
    // sales: the processor takes money back) is a bank debit.
    const usable = (amount < 0 ? debits : credits).filter((b) => b.currency === currency && !b.duplicate_of);
    const byText = refText ? usable.find((b) => contains(b.text, refText)) : undefined;
    if (byText) {
      const earlier = bankClaim.get(byText.key);
      if (earlier) return open({ ...base, matched_with: byText.key, detail: `${base.detail}: bank line already matched to ${earlier}` }, 'duplicate');
      bankClaim.set(byText.key, key);
      const b = { ...base, received: byText.amount, matched_with: byText.key };
      return byText.amount === amount ? matched(b) : open({ ...b, detail: `${base.detail}: bank received ${byText.amount} of ${amount}` }, 'amount differs');
    }
    const same = usable.filter((b) => b.amount === amount && !bankClaim.has(b.key));
    const near = same.filter((b) => days(date, b.date) >= -window.before && days(date, b.date) <= window.after).sort((a, b) => Math.abs(days(date, a.date)) - Math.abs(days(date, b.date)));
    if (near.length > 0) {
      bankClaim.set(near[0]!.key, key);
      return matched({ ...base, received: amount, matched_with: near[0]!.key, detail: `${base.detail}: matched by amount and date` });
    }
    if (same.length > 0) return open({ ...base, matched_with: same[0]!.key, detail: `${base.detail}: same amount on ${same[0]!.date}, outside the window` }, 'outside the window');
    if (lastBank !== '' && days(date, lastBank) > window.after) return open({ ...base, detail: `${base.detail}: not on any bank statement up to ${lastBank}` }, 'missing');
    return null; // the statement that would show it has not come in yet
  };
  for (const p of input.payouts) {
    const base = { item_key: p.key, kind: 'payout' as const, store_id: null, date: p.date, currency: p.currency, expected: p.amount, received: 0, matched_with: null, detail: `${p.processor} payout ${p.payout_id}` };
    if (p.duplicate_of) {
      items.push(open({ ...base, matched_with: p.duplicate_of, detail: `${base.detail}: imported before` }, 'duplicate'));
      continue;
    }
    const item = claimBank(p.key, base, p.currency, p.amount, p.date, p.payout_id, { before: 1, after: PAYOUT_WINDOW_DAYS });
    if (item && p.lines_check === 'mismatch' && item.status === 'matched') items.push(open({ ...item, detail: `${item.detail}; the report's lines do not add up to the payout` }, 'amount differs'));
    else if (item) items.push(item);
  }
  const depositBase = (d: CashDepositIn) => {
    const what = d.source === 'shift_close' ? `shift close ${d.bag} (Z counted cash less the float)` : d.bag ? `bag ${d.bag}` : 'cash drop to bank';
    return { item_key: d.key, kind: 'cash_deposit' as const, store_id: d.store_id, date: d.date, currency: d.currency, expected: d.amount, received: 0, matched_with: null, detail: what };
  };
  const together = (group: readonly CashDepositIn[], b: BankLineIn, how: string): void => {
    bankClaim.set(b.key, group[0]!.key);
    for (const d of group) {
      const others = group.filter((o) => o !== d).map((o) => o.key);
      items.push(matched({ ...depositBase(d), received: d.amount, matched_with: b.key, detail: `${depositBase(d).detail}: deposited together with ${others.join(', ')} in one bank line of ${b.amount} (${how})` }));
    }
  };
  const usableCredit = (b: BankLineIn, currency: string) => b.currency === currency && !b.duplicate_of && !bankClaim.has(b.key);
  const deposits = [...input.deposits].sort((a, b) => (a.date === b.date ? (a.key < b.key ? -1 : 1) : a.date < b.date ? -1 : 1));
  const settled = new Set<string>();
  // 1. One bank line whose text names the bags (or deposit slips) of several deposits of a
  //    store and equals their sum takes them all.
  for (const b of credits) {
    const named = deposits.filter((d) => !settled.has(d.key) && usableCredit(b, d.currency) && contains(b.text, d.bag) && days(d.date, b.date) >= 0 && days(d.date, b.date) <= DEPOSIT_WINDOW_DAYS);
    const stores = new Set(named.map((d) => d.store_id));
    if (named.length < 2 || stores.size !== 1 || named.reduce((a, d) => a + d.amount, 0) !== b.amount) continue;
    together(named, b, 'the bag numbers in its text');
    for (const d of named) settled.add(d.key);
  }
  // 2. Each deposit on its own: its bag in the text, else the same amount within the window.
  const pending: Array<{ d: CashDepositIn; item: ReconItem | null }> = [];
  for (const d of deposits) {
    if (settled.has(d.key)) continue;
    const item = claimBank(d.key, depositBase(d), d.currency, d.amount, d.date, d.bag, { before: 0, after: DEPOSIT_WINDOW_DAYS });
    if (item === null || (item.status === 'open' && (item.reason === 'missing' || item.reason === 'outside the window'))) pending.push({ d, item });
    else items.push(item);
  }
  // 3. Deposits still without a bank line: one unclaimed credit that equals the sum of several
  //    of one store's, dated up to the window before it (a week's bags taken in together).
  for (const b of [...credits].sort((x, y) => (x.date === y.date ? (x.key < y.key ? -1 : 1) : x.date < y.date ? -1 : 1))) {
    const left = pending.filter((p) => !settled.has(p.d.key) && usableCredit(b, p.d.currency) && days(p.d.date, b.date) >= 0 && days(p.d.date, b.date) <= DEPOSIT_WINDOW_DAYS);
    for (const store of [...new Set(left.map((p) => p.d.store_id))].sort()) {
      const group = left.filter((p) => p.d.store_id === store).slice(-SUM_MATCH_MAX_DEPOSITS).map((p) => p.d);
      const hit = findSumSubset(group.map((d) => d.amount), b.amount, SUM_MATCH_MAX_STEPS, sumBudget);
      if (!hit) continue;
      const chosen = hit.map((i) => group[i]!);
      together(chosen, b, 'their sum, within the deposit window');
      for (const d of chosen) settled.add(d.key);
      break;
    }
  }
  for (const p of pending) if (!settled.has(p.d.key) && p.item) items.push(p.item);
  for (const b of credits) {
    if (bankClaim.has(b.key)) continue;
    const base = { item_key: b.key, kind: 'bank_line' as const, store_id: null, date: b.date, currency: b.currency, expected: 0, received: b.amount, matched_with: b.duplicate_of ?? null, detail: b.text.slice(0, 200) };
    items.push(open(base, b.duplicate_of ? 'duplicate' : 'unknown reference'));
  }
  // Money out that no negative payout claimed: a processor's fee invoice or chargeback taken
  // by direct debit, a withdrawal, a bank charge. Listed for a person, never ignored; a line
  // naming a processor says so.
  const processors = [...new Set([...input.payouts.map((p) => p.processor), ...input.settlement.map((l) => l.processor)])].filter((p) => p.length >= 3);
  for (const b of debits) {
    if (bankClaim.has(b.key)) continue;
    const proc = processors.find((p) => contains(b.text, p));
    const why = proc ? `money out to ${proc}: fees or chargebacks charged to the account, not in any settlement payout` : 'money out: no payout, deposit or settlement explains it (a withdrawal, a bank charge, a payment)';
    const base = { item_key: b.key, kind: 'bank_line' as const, store_id: null, date: b.date, currency: b.currency, expected: 0, received: b.amount, matched_with: b.duplicate_of ?? null, detail: `${why}: ${b.text}`.slice(0, 300) };
    items.push(open(base, b.duplicate_of ? 'duplicate' : 'unknown reference'));
  }
  return items;
}

/** Expected, received, difference and open items per day and store (card tenders and cash deposits; other items under store null). */
export function dailyReport(items: readonly ReconItem[], open: (item: ReconItem) => boolean): Array<{ date: string; store_id: string | null; currency: string; expected: number; received: number; difference: number; open_items: number }> {
  const rows = new Map<string, { date: string; store_id: string | null; currency: string; expected: number; received: number; difference: number; open_items: number }>();
  for (const i of items) {
    const k = `${i.date}\u0000${i.store_id ?? ''}\u0000${i.currency}`;
    const r = rows.get(k) ?? { date: i.date, store_id: i.store_id, currency: i.currency, expected: 0, received: 0, difference: 0, open_items: 0 };
    if (i.kind === 'card_tender' || i.kind === 'cash_deposit') {
      r.expected += i.expected;
      r.received += i.received;
      r.difference = r.received - r.expected;
    }
    if (open(i)) r.open_items += 1;
    rows.set(k, r);
  }
  return [...rows.values()].sort((a, b) => (a.date === b.date ? (a.store_id ?? '').localeCompare(b.store_id ?? '') : a.date < b.date ? -1 : 1));
}
