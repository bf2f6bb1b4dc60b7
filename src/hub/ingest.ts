import { bodyOf, GENESIS_HASH, hashEvent, type Alert, type JournalEvent, type RejectedEvent, type StoreChange } from '../core/protocol';
import type { Db, Queryable } from './db/db';
import type { JournalEntry } from '../core/ledger/entry';
import type { EventProcessor, StockMovementDraft } from './processor';
import { appendChange } from './changes';
import { decimalToQty, qtyToDecimal } from './quantity';

// Ingest of one terminal's journal batch. Everything an event causes (journal row, ledger
// entries, stock movements, store changes, the terminal's high-water mark) commits in one
// transaction; a batch is one transaction, and if that fails it is retried event by event
// so one bad event cannot hold back the others. The terminal row is locked FOR UPDATE
// first, so two hubs receiving the same batch serialize and the second sees duplicates.

export interface IngestResult {
  applied_through: number;
  rejected: RejectedEvent[];
  /** Store changes to push (committed). */
  changes: StoreChange[];
  /** Alerts to raise (committed). */
  alerts: Alert[];
  /** Events newly applied (for the HQ live feed). */
  applied: JournalEvent[];
}

export interface IngestContext {
  terminal_id: string;
  store_id: string;
  processor: EventProcessor;
  /** Test hook: called after commit and before the ack is sent. */
  afterCommit?: () => void;
}

type TxOutcome = IngestResult;

type Rejection = RejectedEvent['code'];

const TRANSIENT_RETRIES = 4;

/** Lock conflicts, lost connections, shutdown: retry later, never reject the event for them. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true; // not a SQL error: connection or runtime trouble
  return code === '40001' || code === '40P01' || code === '55P03' || code.startsWith('08') || code.startsWith('57') || code.startsWith('53');
}

async function runTx<T>(db: Db, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (err) {
      if (!isTransientDbError(err) || attempt >= TRANSIENT_RETRIES || (err as Error)?.message === 'database is closed') throw err;
      await new Promise((r) => setTimeout(r, 5 * 2 ** attempt + Math.random() * 5));
    }
  }
}

export class IngestUnavailableError extends Error {}

export async function ingestBatch(db: Db, ctx: IngestContext, events: JournalEvent[]): Promise<IngestResult> {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  try {
    return await runTx(db, (tx) => applyEvents(tx, ctx, sorted));
  } catch (err) {
    if (isTransientDbError(err)) throw new IngestUnavailableError(`database unavailable: ${(err as Error)?.message ?? err}`);
  }
  // The database refused the batch: one transaction per event, isolating the one it refuses.
  const total: IngestResult = { applied_through: 0, rejected: [], changes: [], alerts: [], applied: [] };
  for (const e of sorted) {
    let r: IngestResult;
    try {
      try {
        r = await runTx(db, (tx) => applyEvents(tx, ctx, [e]));
      } catch (err) {
        if (isTransientDbError(err)) throw err;
        r = await isolateFailure(db, ctx, e, err);
      }
    } catch (err) {
      if (total.applied_through === 0) throw new IngestUnavailableError(`database unavailable: ${(err as Error)?.message ?? err}`);
      break; // report what did commit; the register resends the rest
    }
    total.applied_through = Math.max(total.applied_through, r.applied_through);
    total.rejected.push(...r.rejected);
    total.changes.push(...r.changes);
    total.alerts.push(...r.alerts);
    total.applied.push(...r.applied);
  }
  return total;
}

/** The event's own transaction failed in the database: record it as rejected and move the cursor past it. */
async function isolateFailure(db: Db, ctx: IngestContext, e: JournalEvent, err: unknown): Promise<IngestResult> {
  const reason = `database refused the posting: ${err instanceof Error ? err.message : String(err)}`.slice(0, 1000);
  return runTx(db, async (tx) => {
    const term = await lockTerminal(tx, ctx);
    const out: TxOutcome = { applied_through: term.applied_through, rejected: [], changes: [], alerts: [], applied: [] };
    if (e.seq === term.applied_through + 1) {
      await reject(tx, ctx, e, 'POSTING_FAILED', reason, out);
      await tx.query(`UPDATE terminals SET applied_through = $2, applied_hash = $3, last_seen_at = now() WHERE terminal_id = $1`, [
        ctx.terminal_id,
        e.seq,
        e.hash,
      ]);
      out.applied_through = e.seq;
    }
    return out;
  });
}

async function lockTerminal(tx: Queryable, ctx: IngestContext): Promise<{ applied_through: number; applied_hash: string | null }> {
  const { rows } = await tx.query<{ applied_through: number; applied_hash: string | null; store_id: string }>(
    `SELECT applied_through, applied_hash, store_id FROM terminals WHERE terminal_id = $1 FOR UPDATE`,
    [ctx.terminal_id],
  );
  const t = rows[0];
  if (!t) throw new Error(`terminal ${ctx.terminal_id} is not enrolled`);
  if (t.store_id !== ctx.store_id) throw new Error(`terminal ${ctx.terminal_id} belongs to store ${t.store_id}`);
  return { applied_through: Number(t.applied_through), applied_hash: t.applied_hash };
}

async function raiseAlert(tx: Queryable, out: TxOutcome, a: Omit<Alert, 'created_at'>): Promise<void> {
  const { rows } = await tx.query<{ created_at: Date }>(
    `INSERT INTO alerts (kind, store_id, terminal_id, message, data) VALUES ($1, $2, $3, $4, $5) RETURNING created_at`,
    [a.kind, a.store_id, a.terminal_id ?? null, a.message, JSON.stringify(a.data)],
  );
  out.alerts.push({ ...a, created_at: new Date(rows[0]!.created_at).toISOString() });
}

async function reject(tx: Queryable, ctx: IngestContext, e: JournalEvent, code: Rejection, reason: string, out: TxOutcome): Promise<void> {
  await tx.query(
    `INSERT INTO event_rejections (terminal_id, seq, event_id, code, reason, event) VALUES ($1, $2, $3, $4, $5, $6)`,
    [ctx.terminal_id, e.seq, e.event_id, code, reason, JSON.stringify(e)],
  );
  out.rejected.push({ seq: e.seq, event_id: e.event_id, code, reason });
  await raiseAlert(tx, out, {
    kind: code === 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' ? 'duplicate_event_conflict' : 'event_rejected',
    store_id: ctx.store_id,
    terminal_id: ctx.terminal_id,
    message: `${ctx.terminal_id} seq ${e.seq} (${e.type}) rejected: ${code}: ${reason}`,
    data: { seq: e.seq, event_id: e.event_id, code, reason, type: e.type },
  });
}

/** Rows gathered while walking a batch, written with a few set-based statements at the end. */
interface Pending {
  journal: JournalEvent[];
  entries: Array<{ entry: JournalEntry; event: JournalEvent; reverses: string | null; adjusts: string | null }>;
  entryIds: Map<string, JournalEntry>;
  movements: Array<{ event: JournalEvent; sku: string; quantity: string; reason: string }>;
  /** sku -> on hand in micro-units (scale 6), running through the batch. */
  levels: Map<string, bigint>;
  deltas: Map<string, bigint>;
  /** event ids already stored (journal or rejections) or used earlier in this batch. */
  usedEventIds: Set<string>;
}

const MICRO = 6;
const toMicro = (q: { units: number; scale: number }): bigint => BigInt(q.units) * 10n ** BigInt(MICRO - q.scale);
function microToDecimal(m: bigint): string {
  const neg = m < 0n;
  const digits = (neg ? -m : m).toString().padStart(MICRO + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, digits.length - MICRO)}.${digits.slice(digits.length - MICRO)}`;
}
function decimalToMicro(d: string): bigint {
  return toMicro(decimalToQty(d));
}

async function applyEvents(tx: Queryable, ctx: IngestContext, events: JournalEvent[]): Promise<TxOutcome> {
  const term = await lockTerminal(tx, ctx);
  let through = term.applied_through;
  let lastHash = term.applied_hash;
  const out: TxOutcome = { applied_through: through, rejected: [], changes: [], alerts: [], applied: [] };
  const fresh = events.filter((e) => e.seq > through);
  const dupes = events.filter((e) => e.seq <= through);
  if (dupes.length) await checkDuplicates(tx, ctx, dupes, out);
  const pending: Pending = {
    journal: [],
    entries: [],
    entryIds: new Map(),
    movements: [],
    levels: await lockStockRows(tx, ctx, fresh),
    deltas: new Map(),
    usedEventIds: new Set(),
  };
  if (fresh.length) {
    const ids = fresh.map((e) => e.event_id);
    const { rows } = await tx.query<{ event_id: string }>(
      `SELECT event_id::text AS event_id FROM journal_events WHERE event_id = ANY($1::uuid[])
       UNION ALL SELECT event_id FROM event_rejections WHERE event_id = ANY($2::text[])`,
      [ids, ids],
    );
    for (const r of rows) pending.usedEventIds.add(r.event_id);
  }
  for (const e of fresh) {
    // A gap: the register resends from applied_through + 1; never apply out of order.
    if (e.seq > through + 1) break;
    const problem = findProblem(ctx, e, lastHash, pending);
    if (problem) {
      await reject(tx, ctx, e, problem.code, problem.reason, out);
    } else {
      await applyOne(tx, ctx, e, out, pending);
    }
    pending.usedEventIds.add(e.event_id);
    through = e.seq;
    lastHash = e.hash;
  }
  await flush(tx, ctx, pending);
  if (pending.deltas.size > 0) {
    const levels = [...pending.deltas.keys()].sort().map((sku) => ({ sku, on_hand: decimalToQty(microToDecimal(pending.levels.get(sku)!)) }));
    out.changes.push(await appendChange(tx, ctx.store_id, 'stock', { levels, source: { terminal_id: ctx.terminal_id, through_seq: through } }));
  }
  if (through !== term.applied_through) {
    await tx.query(`UPDATE terminals SET applied_through = $2, applied_hash = $3, last_seen_at = now() WHERE terminal_id = $1`, [
      ctx.terminal_id,
      through,
      lastHash,
    ]);
  }
  out.applied_through = through;
  return out;
}

/** Writes the batch's journal rows, ledger entries and lines, stock movements and levels: one statement each. */
async function flush(tx: Queryable, ctx: IngestContext, p: Pending): Promise<void> {
  if (p.journal.length) {
    await tx.query(
      `INSERT INTO journal_events (terminal_id, seq, event_id, store_id, type, occurred_at, payload, prev_hash, hash)
       SELECT x.terminal_id, x.seq, x.event_id, x.store_id, x.type, x.occurred_at, x.payload, x.prev_hash, x.hash
         FROM jsonb_to_recordset($1::jsonb) AS x(terminal_id text, seq bigint, event_id uuid, store_id text, type text, occurred_at timestamptz, payload jsonb, prev_hash text, hash text)`,
      [JSON.stringify(p.journal)],
    );
  }
  if (p.entries.length) {
    await tx.query(
      `INSERT INTO ledger_entries (entry_id, event_id, store_id, terminal_id, seq, event_type, date, memo, reverses, adjusts)
       SELECT x.entry_id, x.event_id, x.store_id, x.terminal_id, x.seq, x.event_type, x.date, x.memo, x.reverses, x.adjusts
         FROM jsonb_to_recordset($1::jsonb) AS x(entry_id text, event_id uuid, store_id text, terminal_id text, seq bigint, event_type text, date date, memo text, reverses text, adjusts text)`,
      [
        JSON.stringify(
          p.entries.map(({ entry, event, reverses, adjusts }) => ({
            entry_id: entry.entry_id,
            event_id: event.event_id,
            store_id: event.store_id,
            terminal_id: event.terminal_id,
            seq: event.seq,
            event_type: event.type,
            date: entry.date,
            memo: entry.memo,
            reverses,
            adjusts,
          })),
        ),
      ],
    );
    const lines = p.entries.flatMap(({ entry }) =>
      entry.lines.map((l, i) => ({ entry_id: entry.entry_id, line_no: i, account: l.account, currency: l.currency, debit: l.debit, credit: l.credit, dimensions: l.dimensions ?? {} })),
    );
    await tx.query(
      `INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit, dimensions)
       SELECT x.entry_id, x.line_no, x.account, x.currency, x.debit, x.credit, x.dimensions
         FROM jsonb_to_recordset($1::jsonb) AS x(entry_id text, line_no int, account text, currency text, debit bigint, credit bigint, dimensions jsonb)`,
      [JSON.stringify(lines)],
    );
  }
  if (p.movements.length) {
    await tx.query(
      `INSERT INTO stock_movements (store_id, sku, quantity, reason, event_id)
       SELECT $2, x.sku, x.quantity, x.reason, x.event_id FROM jsonb_to_recordset($1::jsonb) AS x(sku text, quantity numeric, reason text, event_id uuid)`,
      [JSON.stringify(p.movements.map((m) => ({ sku: m.sku, quantity: m.quantity, reason: m.reason, event_id: m.event.event_id }))), ctx.store_id],
    );
    await tx.query(
      `UPDATE stock_levels l SET on_hand = l.on_hand + x.delta
         FROM jsonb_to_recordset($1::jsonb) AS x(sku text, delta numeric)
        WHERE l.store_id = $2 AND l.sku = x.sku`,
      [JSON.stringify([...p.deltas].map(([sku, d]) => ({ sku, delta: microToDecimal(d) }))), ctx.store_id],
    );
  }
}

/**
 * Locks every stock level row the batch will touch, in SKU order, before any other write:
 * all ingest transactions take locks terminal → SKUs (sorted) → store row, so two
 * registers selling the same items cannot deadlock.
 */
async function lockStockRows(tx: Queryable, ctx: IngestContext, events: JournalEvent[]): Promise<Map<string, bigint>> {
  const skus = new Set<string>();
  for (const e of events) {
    try {
      for (const m of ctx.processor.stock(e)) skus.add(m.sku);
    } catch {
      /* reported as a rejection when the event is applied */
    }
  }
  const levels = new Map<string, bigint>();
  if (skus.size === 0) return levels;
  const sortedSkus = [...skus].sort();
  await tx.query(`INSERT INTO stock_levels (store_id, sku) SELECT $1, s FROM unnest($2::text[]) AS s ORDER BY s ON CONFLICT DO NOTHING`, [
    ctx.store_id,
    sortedSkus,
  ]);
  const { rows } = await tx.query<{ sku: string; on_hand: string }>(
    `SELECT sku, on_hand::text AS on_hand FROM stock_levels WHERE store_id = $1 AND sku = ANY($2::text[]) ORDER BY sku FOR UPDATE`,
    [ctx.store_id, sortedSkus],
  );
  for (const r of rows) levels.set(r.sku, decimalToMicro(r.on_hand));
  return levels;
}

async function checkDuplicates(tx: Queryable, ctx: IngestContext, events: JournalEvent[], out: TxOutcome): Promise<void> {
  const seqs = events.map((e) => e.seq);
  const { rows } = await tx.query<{ seq: number; event_id: string; hash: string }>(
    `SELECT seq, event_id::text AS event_id, hash FROM journal_events WHERE terminal_id = $1 AND seq = ANY($2::bigint[])
     UNION ALL SELECT seq, event_id, event->>'hash' FROM event_rejections WHERE terminal_id = $1 AND seq = ANY($2::bigint[])`,
    [ctx.terminal_id, seqs],
  );
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  for (const e of events) {
    const stored = bySeq.get(e.seq);
    // A plain resend (no effect) must match what is stored AND its content must still hash to it.
    const contentHash = hashEvent(e.prev_hash, bodyOf(e));
    if (stored && stored.hash === e.hash && contentHash === e.hash && stored.event_id === e.event_id) continue;
    const code: Rejection = stored && stored.event_id === e.event_id ? 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' : 'CHAIN_BROKEN';
    const reason = stored
      ? `seq ${e.seq} was already applied with event_id ${stored.event_id} and hash ${stored.hash.slice(0, 12)}…; this copy differs`
      : `seq ${e.seq} is at or below applied_through but nothing is stored for it`;
    out.rejected.push({ seq: e.seq, event_id: e.event_id, code, reason });
    await raiseAlert(tx, out, {
      kind: 'duplicate_event_conflict',
      store_id: ctx.store_id,
      terminal_id: ctx.terminal_id,
      message: `${ctx.terminal_id} resent seq ${e.seq} with different content (${code})`,
      data: { seq: e.seq, event_id: e.event_id, hash: e.hash, stored_hash: stored?.hash ?? null, stored_event_id: stored?.event_id ?? null },
    });
  }
}

function findProblem(ctx: IngestContext, e: JournalEvent, lastHash: string | null, p: Pending): { code: Rejection; reason: string } | null {
  if (e.terminal_id !== ctx.terminal_id || e.store_id !== ctx.store_id) {
    return { code: 'FORBIDDEN', reason: `event is for ${e.store_id}/${e.terminal_id}, credential is for ${ctx.store_id}/${ctx.terminal_id}` };
  }
  const computed = hashEvent(e.prev_hash, bodyOf(e));
  if (computed !== e.hash) return { code: 'HASH_MISMATCH', reason: `hash ${e.hash.slice(0, 12)}… does not match content (${computed.slice(0, 12)}…)` };
  const expectedPrev = e.seq === 1 ? GENESIS_HASH : lastHash;
  if (expectedPrev !== null && e.prev_hash !== expectedPrev) {
    return { code: 'CHAIN_BROKEN', reason: `prev_hash ${e.prev_hash.slice(0, 12)}… does not link to seq ${e.seq - 1} (${expectedPrev.slice(0, 12)}…)` };
  }
  if (p.usedEventIds.has(e.event_id)) {
    return { code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH', reason: `event_id ${e.event_id} was already used by another event` };
  }
  const invalid = ctx.processor.validate(e);
  if (invalid) return { code: 'INVALID_PAYLOAD', reason: invalid };
  return null;
}

function checkEntry(entry: JournalEntry): void {
  if (entry.lines.length < 2) throw new Error(`entry ${entry.entry_id} has fewer than two lines`);
  for (const l of entry.lines) {
    if (!Number.isSafeInteger(l.debit) || !Number.isSafeInteger(l.credit) || l.debit < 0 || l.credit < 0 || (l.debit === 0) === (l.credit === 0)) {
      throw new Error(`entry ${entry.entry_id} line ${l.account}: exactly one of debit/credit must be a positive integer`);
    }
  }
}

async function loadEntry(tx: Queryable, entryId: string): Promise<JournalEntry | undefined> {
  const { rows } = await tx.query<{
    entry_id: string; date: string; memo: string; reverses: string | null; adjusts: string | null;
    terminal_id: string; store_id: string; seq: number; event_id: string; event_type: string;
  }>(`SELECT entry_id, to_char(date, 'YYYY-MM-DD') AS date, memo, reverses, adjusts, terminal_id, store_id, seq, event_id::text AS event_id, event_type
        FROM ledger_entries WHERE entry_id = $1`, [entryId]);
  const e = rows[0];
  if (!e) return undefined;
  const lines = await tx.query<{ account: string; currency: string; debit: number; credit: number; dimensions: Record<string, string> }>(
    `SELECT account, currency, debit, credit, dimensions FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no`,
    [entryId],
  );
  return {
    entry_id: e.entry_id,
    source: { terminal_id: e.terminal_id, store_id: e.store_id, seq: Number(e.seq), event_id: e.event_id, type: e.event_type },
    date: e.date,
    memo: e.memo,
    lines: lines.rows.map((l) => ({ account: l.account, currency: l.currency, debit: Number(l.debit), credit: Number(l.credit), dimensions: l.dimensions as JournalEntry['lines'][number]['dimensions'] })),
    ...(e.reverses ? { reverses: e.reverses } : {}),
    ...(e.adjusts ? { adjusts: e.adjusts } : {}),
  };
}

async function applyOne(tx: Queryable, ctx: IngestContext, e: JournalEvent, out: TxOutcome, p: Pending): Promise<void> {
  let entries: JournalEntry[];
  let movements: StockMovementDraft[];
  try {
    const originalId = ctx.processor.originalEntryId(e);
    const original = originalId ? (p.entryIds.get(originalId) ?? (await loadEntry(tx, originalId))) : undefined;
    entries = ctx.processor.post(e, original);
    entries.forEach(checkEntry);
    movements = ctx.processor.stock(e);
    for (const m of movements) qtyToDecimal(m.quantity);
    for (const entry of entries) {
      if (p.entryIds.has(entry.entry_id)) throw new Error(`ledger entry ${entry.entry_id} is posted twice in this batch`);
    }
  } catch (err) {
    await reject(tx, ctx, e, 'POSTING_FAILED', err instanceof Error ? err.message : String(err), out);
    return;
  }
  p.journal.push(e);
  for (const entry of entries) {
    // Links to entries the hub never saw (an original from before the hub's time) are kept in the memo only.
    const known = async (id: string | undefined) =>
      !id ? null : p.entryIds.has(id) || (await tx.query(`SELECT 1 FROM ledger_entries WHERE entry_id = $1`, [id])).rows.length ? id : null;
    p.entries.push({ entry, event: e, reverses: await known(entry.reverses), adjusts: await known(entry.adjusts) });
    p.entryIds.set(entry.entry_id, entry);
  }
  for (const m of movements) {
    const delta = toMicro(m.quantity);
    // The SKU rows were locked up front; a movement for a SKU not foreseen there is a processor bug.
    const before = p.levels.get(m.sku);
    if (before === undefined) throw new Error(`stock row for ${m.sku} was not locked`);
    const after = before + delta;
    p.levels.set(m.sku, after);
    p.deltas.set(m.sku, (p.deltas.get(m.sku) ?? 0n) + delta);
    p.movements.push({ event: e, sku: m.sku, quantity: qtyToDecimal(m.quantity), reason: m.reason });
    if (delta < 0n && after < 0n) {
      const onHand = decimalToQty(microToDecimal(after));
      await raiseAlert(tx, out, {
        kind: 'oversell',
        store_id: e.store_id,
        terminal_id: e.terminal_id,
        message: `${m.sku} oversold at ${e.store_id}: on hand ${microToDecimal(after).replace(/\.?0+$/, '')} after ${e.terminal_id} seq ${e.seq}`,
        data: { sku: m.sku, on_hand: onHand, event_id: e.event_id, seq: e.seq, quantity: m.quantity },
      });
      out.changes.push(await appendChange(tx, e.store_id, 'oversell', { sku: m.sku, on_hand: onHand, terminal_id: e.terminal_id, seq: e.seq }));
    }
  }
  out.applied.push(e);
}
