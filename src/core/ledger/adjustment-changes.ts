import type { Chart } from './chart';
import type { JournalLine } from './entry';

// What an adjusting entry changed, in the words of the shop floor rather than of the ledger:
// a correction imported from the accounting tool holds only the difference (Dr cash, Cr card
// clearing), which a person reading a sale wants to see as "tender card → cash". The change is
// found by comparing the entry before the adjustment (the original plus the adjustments
// before it) with the entry after it:
//   - store: the amount each store carries (its debits) moved from one store to another;
//   - per account, the amount that left one account and arrived at another on the same side
//     (debit or credit); when both accounts are tender accounts of different kinds, the change
//     is a tender (card → cash), else an account (revenue General → Other);
//   - removed: the adjustment takes the entry to nothing (a duplicate deleted in the tool).
// Pure: the sale detail calls it with the lines it read and the chart's tender accounts.

export type AdjustmentChangeKind = 'tender' | 'store' | 'account' | 'removed';

export interface AdjustmentChange {
  kind: AdjustmentChangeKind;
  /** tender kind, store id or account code; null when the amount appeared without a source (or left without a destination). */
  from: string | null;
  to: string | null;
  /** For a tender change: the accounts behind the two tenders. */
  from_account?: string;
  to_account?: string;
  /** Minor units moved (positive). */
  amount: number;
  currency: string;
}

type Line = Pick<JournalLine, 'account' | 'currency' | 'debit' | 'credit'> & { dimensions: { store_id: string; tender?: string } };

/** The tender kind an account stands for in the chart (cash drawers, card clearing, gift cards, other tenders), or null. */
export function tenderOfAccount(chart: Chart | null, code: string): string | null {
  if (!chart) return null;
  const m = chart.config.mapping;
  if (m.cash_drawer.default === code || Object.values(m.cash_drawer.by_store).includes(code) || Object.values(m.cash_drawer.by_terminal).includes(code)) return 'cash';
  if (m.card_clearing.default === code || Object.values(m.card_clearing.by_processor).includes(code)) return 'card';
  if (m.gift_card === code) return 'gift_card';
  for (const [kind, c] of Object.entries(m.other_tenders)) if (c === code) return kind;
  return null;
}

function add(map: Map<string, bigint>, key: string, v: bigint) {
  const n = (map.get(key) ?? 0n) + v;
  if (n === 0n) map.delete(key);
  else map.set(key, n);
}

const signed = (l: Line) => BigInt(l.debit) - BigInt(l.credit);

/** Pairs decreases with increases in order, so "A −5, B +3, C +2" reads A → B 3, A → C 2. */
function pair(froms: Array<[string, bigint]>, tos: Array<[string, bigint]>): Array<{ from: string | null; to: string | null; amount: bigint }> {
  const out: Array<{ from: string | null; to: string | null; amount: bigint }> = [];
  const f = froms.map(([k, v]) => [k, v] as [string, bigint]);
  const t = tos.map(([k, v]) => [k, v] as [string, bigint]);
  let i = 0;
  let j = 0;
  while (i < f.length && j < t.length) {
    const n = f[i]![1] < t[j]![1] ? f[i]![1] : t[j]![1];
    out.push({ from: f[i]![0], to: t[j]![0], amount: n });
    f[i]![1] -= n;
    t[j]![1] -= n;
    if (f[i]![1] === 0n) i += 1;
    if (t[j]![1] === 0n) j += 1;
  }
  for (; i < f.length; i += 1) if (f[i]![1] > 0n) out.push({ from: f[i]![0], to: null, amount: f[i]![1] });
  for (; j < t.length; j += 1) if (t[j]![1] > 0n) out.push({ from: null, to: t[j]![0], amount: t[j]![1] });
  return out;
}

/**
 * What each store carries of an entry, from cells keyed "account\0store": its tenders (a sale's
 * total, a refund's), or, for an entry without tender lines, its debits.
 */
export function storeWeights(cells: ReadonlyMap<string, bigint>, tenderOf: (account: string) => string | null): Map<string, bigint> {
  const all = [...cells].map(([k, v]) => ({ account: k.split('\u0000')[0]!, store: k.split('\u0000')[1]!, v }));
  const tenders = all.filter((c) => tenderOf(c.account) !== null);
  const w = new Map<string, bigint>();
  if (tenders.length > 0) for (const c of tenders) add(w, c.store, c.v < 0n ? -c.v : c.v);
  else for (const c of all) if (c.v > 0n) add(w, c.store, c.v);
  return w;
}

const byKey = (a: [string, bigint], b: [string, bigint]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * The operational changes of `adjustment` applied to `before` (the corrected entry's lines
 * plus the adjustments made to it earlier). `tenderOf` names the tender kind of an account.
 */
export function describeAdjustment(before: readonly Line[], adjustment: readonly Line[], tenderOf: (account: string) => string | null): AdjustmentChange[] {
  const changes: AdjustmentChange[] = [];
  const currencies = [...new Set(adjustment.map((l) => l.currency))].sort();
  for (const currency of currencies) {
    const b = before.filter((l) => l.currency === currency);
    const a = adjustment.filter((l) => l.currency === currency);
    const acctBefore = new Map<string, bigint>();
    const acctAfter = new Map<string, bigint>();
    const cellBefore = new Map<string, bigint>();
    const cellAfter = new Map<string, bigint>();
    for (const l of b) {
      add(acctBefore, l.account, signed(l));
      add(acctAfter, l.account, signed(l));
      add(cellBefore, `${l.account}\u0000${l.dimensions.store_id}`, signed(l));
      add(cellAfter, `${l.account}\u0000${l.dimensions.store_id}`, signed(l));
    }
    for (const l of a) {
      add(acctAfter, l.account, signed(l));
      add(cellAfter, `${l.account}\u0000${l.dimensions.store_id}`, signed(l));
    }
    if (acctAfter.size === 0 && acctBefore.size > 0) {
      let debits = 0n;
      for (const v of acctBefore.values()) if (v > 0n) debits += v;
      changes.push({ kind: 'removed', from: null, to: null, amount: Number(debits), currency });
      continue;
    }
    const wb = storeWeights(cellBefore, tenderOf);
    const wa = storeWeights(cellAfter, tenderOf);
    const storeFrom: Array<[string, bigint]> = [];
    const storeTo: Array<[string, bigint]> = [];
    for (const s of new Set([...wb.keys(), ...wa.keys()])) {
      const d = (wa.get(s) ?? 0n) - (wb.get(s) ?? 0n);
      if (d < 0n) storeFrom.push([s, -d]);
      else if (d > 0n) storeTo.push([s, d]);
    }
    // Only a move between stores is a store change; a store whose amount merely grew or shrank
    // is an amount change the account lines below describe.
    if (storeFrom.length > 0 && storeTo.length > 0) {
      for (const p of pair(storeFrom.sort(byKey), storeTo.sort(byKey))) {
        if (p.from !== null && p.to !== null) changes.push({ kind: 'store', from: p.from, to: p.to, amount: Number(p.amount), currency });
      }
    }
    // Accounts, per side: a debit-side account that shrank pairs with one that grew.
    for (const side of [1n, -1n]) {
      const from: Array<[string, bigint]> = [];
      const to: Array<[string, bigint]> = [];
      for (const acct of new Set([...acctBefore.keys(), ...acctAfter.keys()])) {
        const x = (acctBefore.get(acct) ?? 0n) * side;
        const y = (acctAfter.get(acct) ?? 0n) * side;
        const onSide = (x > 0n ? x : 0n);
        const nowSide = (y > 0n ? y : 0n);
        if (nowSide < onSide) from.push([acct, onSide - nowSide]);
        else if (nowSide > onSide) to.push([acct, nowSide - onSide]);
      }
      for (const p of pair(from.sort(byKey), to.sort(byKey))) {
        const tf = p.from === null ? null : tenderOf(p.from);
        const tt = p.to === null ? null : tenderOf(p.to);
        if (tf !== null && tt !== null && tf !== tt) {
          changes.push({ kind: 'tender', from: tf, to: tt, from_account: p.from!, to_account: p.to!, amount: Number(p.amount), currency });
        } else {
          changes.push({ kind: 'account', from: p.from, to: p.to, amount: Number(p.amount), currency });
        }
      }
    }
  }
  return changes;
}

/** The tender kind of an account: from the lines that name one (what the register recorded), else the chart. */
export function tenderLookup(lines: readonly Line[], chart: Chart | null): (account: string) => string | null {
  const seen = new Map<string, string>();
  for (const l of lines) if (l.dimensions.tender && !seen.has(l.account)) seen.set(l.account, l.dimensions.tender);
  return (account) => seen.get(account) ?? tenderOfAccount(chart, account);
}
