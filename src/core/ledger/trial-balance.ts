import type { JournalEntry } from './entry';

// Trial balance: debit and credit totals per account and currency. Sums are bigint so a
// year of postings cannot overflow, and the rows come out sorted so the result does not
// depend on the order the entries arrived in.

export interface TrialBalanceRow {
  account: string;
  currency: string;
  debit: bigint;
  credit: bigint;
  /** debit − credit (positive: debit balance). */
  balance: bigint;
}

export interface TrialBalance {
  rows: TrialBalanceRow[];
  /** Per currency: Σ debits, Σ credits. */
  totals: Map<string, { debit: bigint; credit: bigint }>;
}

export function trialBalance(entries: Iterable<JournalEntry>): TrialBalance {
  const acc = new Map<string, TrialBalanceRow>();
  const totals = new Map<string, { debit: bigint; credit: bigint }>();
  for (const e of entries) {
    for (const l of e.lines) {
      const key = `${l.account}\u0000${l.currency}`;
      const row = acc.get(key) ?? { account: l.account, currency: l.currency, debit: 0n, credit: 0n, balance: 0n };
      row.debit += BigInt(l.debit);
      row.credit += BigInt(l.credit);
      row.balance = row.debit - row.credit;
      acc.set(key, row);
      const t = totals.get(l.currency) ?? { debit: 0n, credit: 0n };
      t.debit += BigInt(l.debit);
      t.credit += BigInt(l.credit);
      totals.set(l.currency, t);
    }
  }
  const rows = [...acc.values()].sort((a, b) =>
    a.account === b.account ? (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0) : a.account < b.account ? -1 : 1,
  );
  return { rows, totals };
}

/** True when debits equal credits in every currency. */
export function isBalanced(tb: TrialBalance): boolean {
  for (const t of tb.totals.values()) if (t.debit !== t.credit) return false;
  return true;
}

/** Balance (debit − credit) of one account in one currency; 0n when it has no postings. */
export function balanceOf(tb: TrialBalance, account: string, currency: string): bigint {
  return tb.rows.find((r) => r.account === account && r.currency === currency)?.balance ?? 0n;
}
