import type { Chart } from './chart';
import { assertBalanced, freezeEntry, type Dimensions, type EntrySource, type JournalEntry, type JournalLine } from './entry';

// Corrections that come back from the accounting tool. The tool's own parser reads the
// edited file (hledger, Beancount); what reaches this module is each transaction's entry id
// (the one our export wrote), date and postings in minor units. Each transaction is compared
// with what the hub holds for that entry now (the entry plus the corrections already made to
// it): a difference becomes one adjusting entry holding exactly the difference, linked to
// the entry by `adjusts`; an entry missing from the file (deleted as a duplicate) is
// adjusted to nothing. Because the comparison is with the current state, importing the same
// edit again finds no difference: re-import is a no-op. What cannot be an adjustment is
// returned for a person with the reason; nothing of that transaction is posted.

export interface ToolPosting {
  /** Account name as written in the file (hledger / Beancount name). */
  account: string;
  currency: string;
  /** Signed minor units (debit positive); null when the amount cannot be read exactly. */
  minor: number | null;
  /** Set when the posting uses something we cannot adjust (a price or cost annotation). */
  problem?: string;
  /**
   * The store the file books the posting to, when the format writes one per posting (hledger's
   * `store:` tag). A transaction with a store on any posting is compared per store as well, so
   * a sale moved to another store becomes an adjustment between the two stores.
   */
  store?: string;
}

export interface ToolTransaction {
  /** Where it is in the file, for people ("line 120"). */
  where: string;
  date: string;
  description: string;
  /** The entry id our export wrote, or null for a transaction someone added. */
  entry_id: string | null;
  postings: ToolPosting[];
}

export interface NeedsPerson {
  entry_id: string | null;
  where: string;
  reason: string;
}

export interface CorrectionPlan {
  adjustments: JournalEntry[];
  needs_person: NeedsPerson[];
  /** Entries of the batch found unchanged. */
  unchanged: number;
}

export interface CompareInput {
  /** The chart the batch was exported with (its ledger names are what the file uses). */
  chart: Chart;
  /** The batch's entries, in batch order. */
  exported: readonly JournalEntry[];
  /** Corrections already posted from earlier imports of this same batch, per corrected entry id. */
  earlier: ReadonlyMap<string, readonly JournalEntry[]>;
  /**
   * Corrections of the batch's entries made since the batch was cut from other files (not in
   * this batch): the file cannot know them, so a change to such an entry is a conflict for a person.
   */
  conflicts?: ReadonlyMap<string, readonly string[]>;
  tool: readonly ToolTransaction[];
  /** Makes the adjusting entries' ids unique to this import ("ci7"). */
  idPrefix: string;
  /** Who imported it, for the entries' memo. */
  by: string;
  /** The stores a posting may be booked to (a store the hub does not know is for a person); unset: any. */
  stores?: ReadonlySet<string>;
}

type Net = Map<string, bigint>;

/** Keys are account, currency and, when the comparison is per store, the store. */
function netOf(lines: ReadonlyArray<Pick<JournalLine, 'account' | 'currency' | 'debit' | 'credit'> & { dimensions: { store_id: string } }>, perStore: boolean, into: Net = new Map()): Net {
  for (const l of lines) {
    const k = perStore ? `${l.account}\u0000${l.currency}\u0000${l.dimensions.store_id}` : `${l.account}\u0000${l.currency}`;
    into.set(k, (into.get(k) ?? 0n) + BigInt(l.debit) - BigInt(l.credit));
  }
  return into;
}

function diff(target: Net, current: Net): Net {
  const out: Net = new Map();
  for (const k of new Set([...target.keys(), ...current.keys()])) {
    const d = (target.get(k) ?? 0n) - (current.get(k) ?? 0n);
    if (d !== 0n) out.set(k, d);
  }
  return out;
}

/** The corrected entry's dimensions for the account (its tender, category…), in `store` when the line moves there. */
function dimsFor(original: JournalEntry, account: string, reason: string, store?: string): Dimensions {
  const same = (store !== undefined ? original.lines.find((l) => l.account === account && l.dimensions.store_id === store) : undefined) ?? original.lines.find((l) => l.account === account);
  const base = same?.dimensions ?? { store_id: original.lines[0]!.dimensions.store_id, terminal_id: original.lines[0]!.dimensions.terminal_id };
  return { ...base, ...(store !== undefined ? { store_id: store } : {}), reason: reason.slice(0, 200) };
}

export function planCorrections(input: CompareInput): CorrectionPlan {
  const { chart } = input;
  const byLedgerName = new Map([...chart.ledgerNames.entries()].map(([code, name]) => [name, code] as const));
  const exported = new Map(input.exported.map((e) => [e.entry_id, e] as const));
  const seen = new Map<string, ToolTransaction[]>();
  const needs: NeedsPerson[] = [];
  for (const t of input.tool) {
    if (t.entry_id === null) {
      needs.push({ entry_id: null, where: t.where, reason: `transaction "${t.description.slice(0, 80)}" on ${t.date} was not exported by Tillstream (no entry id); enter it in Tillstream if it belongs in the books` });
      continue;
    }
    if (!exported.has(t.entry_id)) {
      needs.push({ entry_id: t.entry_id, where: t.where, reason: `entry id ${t.entry_id} is not in this export batch (changed or copied from elsewhere)` });
      continue;
    }
    seen.set(t.entry_id, [...(seen.get(t.entry_id) ?? []), t]);
  }

  const adjustments: JournalEntry[] = [];
  let unchanged = 0;
  for (const original of input.exported) {
    const id = original.entry_id;
    const found = seen.get(id) ?? [];
    if (found.length > 1) {
      needs.push({ entry_id: id, where: found.map((t) => t.where).join(', '), reason: `entry ${id} appears ${found.length} times in the file` });
      continue;
    }
    const t = found[0];
    // Per store when the file books postings to stores (hledger's store: tag); a posting
    // without one stays in the store of the entry it belongs to.
    const perStore = t?.postings.some((p) => p.store !== undefined) ?? false;
    const homeStore = original.lines[0]!.dimensions.store_id;
    const current = netOf(original.lines, perStore);
    for (const c of input.earlier.get(id) ?? []) netOf(c.lines, perStore, current);
    let target: Net;
    let date = original.date;
    let what: string;
    if (!t) {
      target = new Map();
      what = 'removed in the accounting tool';
    } else {
      const problems: string[] = [];
      const lines: Array<{ account: string; currency: string; debit: number; credit: number; dimensions: { store_id: string } }> = [];
      for (const p of t.postings) {
        const code = byLedgerName.get(p.account);
        const store = p.store ?? homeStore;
        if (p.problem) problems.push(p.problem);
        else if (p.minor === null) problems.push(`amount of ${p.account} is not an exact amount of ${p.currency}`);
        else if (!code) problems.push(`account ${p.account} is not in the chart`);
        else if (input.stores && !input.stores.has(store)) problems.push(`store ${store} (${p.account}) is not a store of the hub`);
        else lines.push({ account: code, currency: p.currency, debit: p.minor > 0 ? p.minor : 0, credit: p.minor < 0 ? -p.minor : 0, dimensions: { store_id: store } });
      }
      if (problems.length > 0) {
        needs.push({ entry_id: id, where: t.where, reason: problems.join('; ') });
        continue;
      }
      target = netOf(lines, perStore);
      if (t.date !== original.date) {
        // A moved date is not a difference in amounts; an adjustment cannot express it.
        needs.push({ entry_id: id, where: t.where, reason: `date changed from ${original.date} to ${t.date}; Tillstream keeps the original date (amounts are still compared)` });
      }
      date = original.date;
      what = 'changed in the accounting tool';
    }
    const d = diff(target, current);
    if (d.size === 0) {
      unchanged += 1;
      continue;
    }
    const conflict = input.conflicts?.get(id);
    if (conflict && conflict.length > 0) {
      needs.push({ entry_id: id, where: t?.where ?? '(removed)', reason: `entry ${id} was corrected since this batch was cut (${conflict.slice(0, 3).join(', ')}); export again and edit the new file` });
      continue;
    }
    const reason = `correction ${input.idPrefix}: ${what}`;
    const lines: JournalLine[] = [...d.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => {
        const [account, currency, store] = k.split('\u0000') as [string, string, string | undefined];
        const n = Number(v);
        return { account, currency, debit: n > 0 ? n : 0, credit: n < 0 ? -n : 0, dimensions: dimsFor(original, account, reason, store) };
      });
    const entryId = `${input.idPrefix}-${adjustments.length + 1}`;
    const source: EntrySource = { terminal_id: original.source.terminal_id, store_id: original.source.store_id, seq: 1, event_id: entryId.slice(0, 64), type: 'books.correction' };
    const entry: JournalEntry = { entry_id: entryId, source, date, memo: `Correction of ${id} (${what}), imported by ${input.by}`.slice(0, 500), lines, adjusts: id };
    try {
      assertBalanced(entry);
    } catch (e) {
      // The tool balances each transaction, so this means the file mixed currencies in a way we cannot post.
      needs.push({ entry_id: id, where: t?.where ?? '(removed)', reason: `the difference does not balance: ${(e as Error).message}` });
      continue;
    }
    adjustments.push(freezeEntry(entry));
  }
  return { adjustments, needs_person: needs, unchanged };
}
