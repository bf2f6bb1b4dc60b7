import { createHash } from 'node:crypto';
import { bankAccount, cardClearingAccount, processorFeeAccount, type Chart } from '../../../core/ledger/chart';
import type { JournalEntry, JournalLine } from '../../../core/ledger/entry';
import { isKnownCurrency } from '../../../core/money/currency';
import { parseMoney } from '../../../core/money/money';
import type { Db, Queryable } from '../../db/db';
import { BooksInputError } from '../errors';
import { chartNow, type ChartSource } from '../posting-map';
import { booksDimensions, BOOKS_SOURCE, writeBooksEntries } from '../ledger-write';
import { parseSettlementBytes, SettlementParseError, type ParseSettlementOptions, type SettlementReport } from '../settlement';
import { parseStatementBytes, StatementParseError, type ParsedStatements, type ParseStatementOptions } from '../statements';
import { dailyReport, reconcile, type BankLineIn, type CardTender, type CashDepositIn, type PayoutIn, type ReconItem, type SettlementLineIn } from './match';

// The hub side of reconciliation: imports (a file is parsed whole before anything is
// written, and the same bytes twice are recognised by their SHA-256), posting of processor
// payouts and fees, the matching run, and the resolutions people record.

export { BooksInputError };

export interface ImportResult {
  import_id: number;
  /** true when these exact bytes were imported before: nothing was written. */
  already_imported: boolean;
  lines: number;
  posted_entries: string[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function minor(decimal: string, currency: string): number {
  if (!isKnownCurrency(currency)) throw new BooksInputError('UNKNOWN_CURRENCY', `currency ${currency} has no minor unit known to Tillstream; the file cannot be imported`);
  return Number(parseMoney(decimal, currency).amount);
}

async function existing(tx: Queryable, kind: string, hash: string): Promise<number | null> {
  const r = await tx.query<{ import_id: number }>(`SELECT import_id FROM books_imports WHERE kind = $1 AND content_hash = $2`, [kind, hash]);
  return r.rows[0] ? Number(r.rows[0].import_id) : null;
}

export async function importStatement(db: Db, input: { bytes: Uint8Array; file_name?: string; by: string } & ParseStatementOptions): Promise<ImportResult & { parsed: ParsedStatements }> {
  const parsed = parseStatementBytes(input.bytes, input); // throws StatementParseError: nothing written
  const rows = parsed.statements.flatMap((s) =>
    s.entries.map((e) => ({
      account: s.account,
      currency: e.currency,
      booking_date: e.booking_date,
      value_date: e.value_date,
      amount: minor(e.amount, e.currency),
      reference: e.reference,
      counterparty: e.counterparty,
      description: e.description,
      fingerprint: sha256(Buffer.from(JSON.stringify([s.account, e.booking_date, e.value_date, e.amount, e.currency, e.reference, e.counterparty, e.description]))),
    })),
  );
  const hash = sha256(input.bytes);
  return db.transaction(async (tx) => {
    const before = await existing(tx, 'statement', hash);
    if (before !== null) return { import_id: before, already_imported: true, lines: 0, posted_entries: [], parsed };
    const imp = await tx.query<{ import_id: number }>(
      `INSERT INTO books_imports (kind, format, content_hash, file_name, imported_by, summary) VALUES ('statement', $1, $2, $3, $4, $5) RETURNING import_id`,
      [parsed.format, hash, input.file_name ?? '', input.by, JSON.stringify({ statements: parsed.statements.map((s) => ({ account: s.account, currency: s.currency, opening: s.opening, closing: s.closing, balance_check: s.balance_check, entries: s.entries.length })) })],
    );
    const importId = Number(imp.rows[0]!.import_id);
    if (rows.length > 0) {
      await tx.query(
        `INSERT INTO bank_lines (import_id, account, currency, booking_date, value_date, amount, reference, counterparty, description, fingerprint)
         SELECT $1, x.account, x.currency, x.booking_date, x.value_date, x.amount, x.reference, x.counterparty, x.description, x.fingerprint
           FROM jsonb_to_recordset($2::jsonb) AS x(account text, currency text, booking_date date, value_date date, amount bigint, reference text, counterparty text, description text, fingerprint text)`,
        [importId, JSON.stringify(rows)],
      );
    }
    return { import_id: importId, already_imported: false, lines: rows.length, posted_entries: [], parsed };
  });
}

/** The entry a payout posts: Dr bank (what arrived), Dr processor fees, Cr card clearing (gross settled). */
export function payoutEntry(chart: Chart, processor: string, payout: { payout_id: string; date: string; currency: string; amount: number }, lines: Array<{ gross: number; fee: number }>): JournalEntry {
  const gross = lines.reduce((s, l) => s + l.gross, 0);
  const fee = lines.reduce((s, l) => s + l.fee, 0);
  const dims = booksDimensions({ processor });
  const post: JournalLine[] = [];
  const add = (account: string, amount: number) => {
    if (amount !== 0) post.push({ account, debit: amount > 0 ? amount : 0, credit: amount < 0 ? -amount : 0, currency: payout.currency, dimensions: dims });
  };
  add(bankAccount(chart).code, payout.amount);
  add(processorFeeAccount(chart, processor).code, fee);
  add(cardClearingAccount(chart, processor).code, -gross);
  const id = `settlement-${processor}-${payout.payout_id}`.replace(/[^A-Za-z0-9:._-]/g, '_').slice(0, 128);
  return { entry_id: id, source: { ...BOOKS_SOURCE, event_id: id.slice(0, 64), type: 'books.settlement_payout' }, date: payout.date, memo: `${processor} payout ${payout.payout_id}`.slice(0, 500), lines: post };
}

export async function importSettlement(db: Db, charts: ChartSource, input: { bytes: Uint8Array; file_name?: string; by: string } & ParseSettlementOptions): Promise<ImportResult & { report: SettlementReport }> {
  const report = parseSettlementBytes(input.bytes, input); // throws SettlementParseError: nothing written
  const lines = report.lines.map((l) => ({ ...l, gross: minor(l.gross, l.currency), fee: minor(l.fee, l.currency), net: minor(l.net, l.currency) }));
  const payouts = report.payouts.map((p) => ({ ...p, amount: minor(p.amount, p.currency) }));
  const hash = sha256(input.bytes);
  return db.transaction(async (tx) => {
    // The posting map of this transaction must post every payout before anything is written.
    const { chart, version } = await chartNow(charts, tx);
    const entries = payouts
      .filter((p) => p.lines_check === 'ok')
      .map((p) => payoutEntry(chart, report.processor, p, lines.filter((l) => l.payout_id === p.payout_id && l.currency === p.currency)));
    const before = await existing(tx, 'settlement', hash);
    if (before !== null) return { import_id: before, already_imported: true, lines: 0, posted_entries: [], report };
    const imp = await tx.query<{ import_id: number }>(
      `INSERT INTO books_imports (kind, format, processor, content_hash, file_name, imported_by, summary) VALUES ('settlement', $1, $2, $3, $4, $5, $6) RETURNING import_id`,
      [report.format, report.processor, hash, input.file_name ?? '', input.by, JSON.stringify({ lines: lines.length, payouts: report.payouts })],
    );
    const importId = Number(imp.rows[0]!.import_id);
    if (lines.length > 0) {
      await tx.query(
        `INSERT INTO settlement_lines (import_id, processor, kind, line_id, reference, merchant_reference, transaction_date, currency, gross, fee, net, payout_id, description)
         SELECT $1, $2, x.kind, x.line_id, x.reference, x.merchant_reference, x.transaction_date, x.currency, x.gross, x.fee, x.net, x.payout_id, x.description
           FROM jsonb_to_recordset($3::jsonb) AS x(kind text, line_id text, reference text, merchant_reference text, transaction_date date, currency text, gross bigint, fee bigint, net bigint, payout_id text, description text)`,
        [importId, report.processor, JSON.stringify(lines)],
      );
    }
    if (payouts.length > 0) {
      await tx.query(
        `INSERT INTO settlement_payouts (import_id, processor, payout_id, date, currency, amount, lines_check)
         SELECT $1, $2, x.payout_id, x.date, x.currency, x.amount, x.lines_check FROM jsonb_to_recordset($3::jsonb) AS x(payout_id text, date date, currency text, amount bigint, lines_check text)`,
        [importId, report.processor, JSON.stringify(payouts)],
      );
    }
    // A payout already posted from an earlier file (a re-sent report) is not posted twice.
    const posted = await writeBooksEntries(tx, entries, version);
    return { import_id: importId, already_imported: false, lines: lines.length, posted_entries: posted, report };
  });
}

export { StatementParseError, SettlementParseError };

// ---- the matching run --------------------------------------------------------------------

interface Range {
  from?: string;
  to?: string;
}

async function loadInputs(db: Queryable, range: Range) {
  const from = range.from ?? '0001-01-01';
  const to = range.to ?? '9999-12-31';
  const sales = await db.query<{ type: string; payload: Record<string, unknown>; date: string }>(
    `SELECT j.type, j.payload, to_char(le.date, 'YYYY-MM-DD') AS date
       FROM journal_events j JOIN ledger_entries le ON le.event_id = j.event_id AND le.event_type = j.type
      WHERE j.type IN ('sale.completed', 'sale.refunded') AND le.date BETWEEN $1::date - 7 AND $2::date + 7`,
    [from, to],
  );
  const voided = new Set(
    (await db.query<{ sale_id: string }>(`SELECT payload->>'sale_id' AS sale_id FROM journal_events WHERE type = 'sale.post_voided'`)).rows.map((r) => r.sale_id),
  );
  const tenders: CardTender[] = [];
  for (const r of sales.rows) {
    const p = r.payload as { sale_id?: string; refund_id?: string; store_id: string; currency: string; tenders?: Array<{ tender_id: string; kind: string; amount: number; processor?: string; terminal_ref?: string }> };
    const refund = r.type === 'sale.refunded';
    const id = refund ? p.refund_id! : p.sale_id!;
    for (const t of p.tenders ?? []) {
      if (t.kind !== 'card') continue;
      tenders.push({ key: `tender:${id}:${t.tender_id}`, store_id: p.store_id, date: r.date, processor: t.processor ?? '', currency: p.currency, amount: refund ? -t.amount : t.amount, terminal_ref: t.terminal_ref ?? '', voided: !refund && voided.has(id) });
    }
  }
  const sl = await db.query<{ id: number; processor: string; kind: string; line_id: string; reference: string; date: string; currency: string; gross: number; first: number }>(
    `SELECT settlement_line_id AS id, processor, kind, line_id, reference, to_char(transaction_date, 'YYYY-MM-DD') AS date, currency, gross,
            min(settlement_line_id) OVER (PARTITION BY processor, line_id) AS first
       FROM settlement_lines WHERE transaction_date BETWEEN $1::date - 7 AND $2::date + 7`,
    [from, to],
  );
  const key = (processor: string, lineId: string) => `settlement:${processor}:${lineId}`;
  const settlement: SettlementLineIn[] = sl.rows.map((r) => ({
    key: Number(r.id) === Number(r.first) ? key(r.processor, r.line_id) : `${key(r.processor, r.line_id)}#${r.id}`,
    processor: r.processor,
    kind: r.kind,
    reference: r.reference,
    date: r.date,
    currency: r.currency,
    gross: Number(r.gross),
    ...(Number(r.id) === Number(r.first) ? {} : { duplicate_of: key(r.processor, r.line_id) }),
  }));
  const po = await db.query<{ id: number; processor: string; payout_id: string; date: string; currency: string; amount: number; lines_check: string; first: number }>(
    `SELECT payout_row_id AS id, processor, payout_id, to_char(date, 'YYYY-MM-DD') AS date, currency, amount, lines_check,
            min(payout_row_id) OVER (PARTITION BY processor, payout_id) AS first
       FROM settlement_payouts WHERE date BETWEEN $1::date - 7 AND $2::date + 7`,
    [from, to],
  );
  const payouts: PayoutIn[] = po.rows.map((r) => {
    const k = `payout:${r.processor}:${r.payout_id}`;
    const first = Number(r.id) === Number(r.first);
    return { key: first ? k : `${k}#${r.id}`, processor: r.processor, payout_id: r.payout_id, date: r.date, currency: r.currency, amount: Number(r.amount), lines_check: r.lines_check, ...(first ? {} : { duplicate_of: k }) };
  });
  const bl = await db.query<{ id: number; date: string; currency: string; amount: number; text: string; first: number }>(
    `SELECT bank_line_id AS id, to_char(booking_date, 'YYYY-MM-DD') AS date, currency, amount, reference || ' ' || counterparty || ' ' || description AS text,
            min(bank_line_id) OVER (PARTITION BY fingerprint) AS first
       FROM bank_lines WHERE booking_date BETWEEN $1::date - 7 AND $2::date + 14`,
    [from, to],
  );
  const bank: BankLineIn[] = bl.rows.map((r) => ({ key: `bank:${r.id}`, date: r.date, currency: r.currency, amount: Number(r.amount), text: r.text, ...(Number(r.id) === Number(r.first) ? {} : { duplicate_of: `bank:${r.first}` }) }));
  const dr = await db.query<{ payload: { movement_id: string; store_id: string; currency: string; amount: number; reason: string; account_hint?: string }; date: string }>(
    `SELECT j.payload, to_char(le.date, 'YYYY-MM-DD') AS date FROM journal_events j JOIN ledger_entries le ON le.event_id = j.event_id
      WHERE j.type = 'shift.cash_moved' AND j.payload->>'kind' = 'drop' AND coalesce(j.payload->>'account_hint', '') ILIKE 'bank%'
        AND le.date BETWEEN $1::date - 7 AND $2::date + 7`,
    [from, to],
  );
  const deposits: CashDepositIn[] = dr.rows.map((r) => ({
    key: `deposit:${r.payload.movement_id}`,
    store_id: r.payload.store_id,
    date: r.date,
    currency: r.payload.currency,
    amount: r.payload.amount,
    // The bag number is the longest run of digits the cashier wrote in the drop's reason.
    bag: (r.payload.reason.match(/\d{3,}/g) ?? []).sort((a, b) => b.length - a.length)[0] ?? '',
    source: 'drop',
  }));
  // A shift close is a deposit too: what the Z report counted less the float that stays for
  // the next shift goes to the bank. Its reference is the shift id's first 8 characters (what
  // the deposit slip is written with); else the amount within the deposit window. A shift
  // closed with no ledger entry (continuous custody, no variance) is dated by its UTC close.
  const sc = await db.query<{ payload: { shift_id: string; store_id: string; currency: string; counted_cash: number; opening_float: number }; date: string }>(
    `SELECT j.payload, coalesce((SELECT to_char(min(le.date), 'YYYY-MM-DD') FROM ledger_entries le WHERE le.event_id = j.event_id), to_char((j.payload->>'closed_at')::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD')) AS date
       FROM journal_events j
      WHERE j.type = 'shift.closed' AND (j.payload->>'closed_at')::timestamptz BETWEEN ($1::date - 8)::timestamptz AND ($2::date + 8)::timestamptz`,
    [from, to],
  );
  for (const r of sc.rows) {
    const amount = r.payload.counted_cash - r.payload.opening_float;
    if (amount <= 0) continue; // nothing taken to the bank
    deposits.push({ key: `shiftclose:${r.payload.shift_id}`, store_id: r.payload.store_id, date: r.date, currency: r.payload.currency, amount, bag: r.payload.shift_id.slice(0, 8), source: 'shift_close' });
  }
  return { tenders, settlement, payouts, bank, deposits };
}

/** Runs the matching over the range and stores the items; returns them. */
export async function runReconciliation(db: Db, range: Range = {}): Promise<ReconItem[]> {
  const items = reconcile(await loadInputs(db, range)).filter((i) => (!range.from || i.date >= range.from) && (!range.to || i.date <= range.to));
  await db.transaction(async (tx) => {
    for (let i = 0; i < items.length; i += 1000) {
      await tx.query(
        `INSERT INTO recon_items (item_key, kind, store_id, date, currency, expected, received, status, reason, matched_with, detail, updated_at)
         SELECT x.item_key, x.kind, x.store_id, x.date, x.currency, x.expected, x.received, x.status, x.reason, x.matched_with, x.detail, now()
           FROM jsonb_to_recordset($1::jsonb) AS x(item_key text, kind text, store_id text, date date, currency text, expected bigint, received bigint, status text, reason text, matched_with text, detail text)
         ON CONFLICT (item_key) DO UPDATE SET status = excluded.status, reason = excluded.reason, matched_with = excluded.matched_with,
           expected = excluded.expected, received = excluded.received, detail = excluded.detail, store_id = excluded.store_id, updated_at = now()`,
        [JSON.stringify(items.slice(i, i + 1000))],
      );
    }
  });
  return items;
}

export interface StoredItem extends ReconItem {
  resolution: { resolved_by: string; resolved_at: string; note: string } | null;
}

export async function listItems(db: Queryable, opts: Range & { open_only?: boolean; limit?: number } = {}): Promise<StoredItem[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT i.item_key, i.kind, i.store_id, to_char(i.date, 'YYYY-MM-DD') AS date, i.currency, i.expected, i.received, i.status, i.reason, i.matched_with, i.detail,
            r.resolved_by, to_char(r.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS resolved_at, r.note
       FROM recon_items i
       LEFT JOIN LATERAL (SELECT resolved_by, resolved_at, note FROM recon_resolutions x WHERE x.item_key = i.item_key ORDER BY resolution_id DESC LIMIT 1) r ON true
      WHERE ($1::date IS NULL OR i.date >= $1::date) AND ($2::date IS NULL OR i.date <= $2::date)
        AND (NOT $3::boolean OR (i.status = 'open' AND r.resolved_by IS NULL))
      ORDER BY i.date, i.item_key LIMIT $4`,
    [opts.from ?? null, opts.to ?? null, opts.open_only ?? false, Math.min(opts.limit ?? 10_000, 100_000)],
  );
  return r.rows.map((x) => ({
    item_key: String(x.item_key),
    kind: x.kind as ReconItem['kind'],
    store_id: (x.store_id as string | null) ?? null,
    date: String(x.date),
    currency: String(x.currency),
    expected: Number(x.expected),
    received: Number(x.received),
    status: x.status as ReconItem['status'],
    reason: (x.reason as ReconItem['reason']) ?? null,
    matched_with: (x.matched_with as string | null) ?? null,
    detail: String(x.detail),
    resolution: x.resolved_by ? { resolved_by: String(x.resolved_by), resolved_at: String(x.resolved_at), note: String(x.note) } : null,
  }));
}

/** Records who resolved an item, when and why. The item stays; so does every earlier resolution. */
export async function resolveItem(db: Queryable, input: { item_key: string; by: string; note: string }): Promise<{ resolution_id: number }> {
  const note = input.note.trim();
  if (note.length === 0 || note.length > 1000) throw new BooksInputError('BAD_NOTE', 'a resolution needs a note of 1-1000 characters saying why');
  const found = await db.query(`SELECT 1 FROM recon_items WHERE item_key = $1`, [input.item_key]);
  if (found.rows.length === 0) throw new BooksInputError('UNKNOWN_ITEM', `no reconciliation item "${input.item_key.slice(0, 200)}"`);
  const r = await db.query<{ resolution_id: number }>(`INSERT INTO recon_resolutions (item_key, resolved_by, note) VALUES ($1, $2, $3) RETURNING resolution_id`, [input.item_key, input.by, note]);
  return { resolution_id: Number(r.rows[0]!.resolution_id) };
}

/** Expected, received, difference and open (unresolved) items per day and store. */
export async function reconciliationReport(db: Queryable, range: Range = {}) {
  const items = await listItems(db, { ...range, limit: 100_000 });
  return dailyReport(items, (i) => i.status === 'open' && (i as StoredItem).resolution === null);
}

export async function openItemCount(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM recon_items i WHERE i.status = 'open' AND NOT EXISTS (SELECT 1 FROM recon_resolutions r WHERE r.item_key = i.item_key)`,
  );
  return Number(r.rows[0]!.n);
}
