import {
  bodyOf,
  canonicalJson,
  eventContentProblem,
  GENESIS_HASH,
  hashEvent,
  JOURNAL_EVENT_MEMBERS,
  payloadContentProblem,
  textProblem,
  unknownEventMembers,
  type Alert,
  type JournalEvent,
  type RejectedEvent,
  type StoreChange,
} from '../core/protocol';
import { redactPans, redactValue } from '../core/pci';
import type { Db, Queryable } from './db/db';
import { describeDbError, isSqlRefusal, isTransientDbError, retryTransient } from './db/errors';
import type { JournalEntry } from '../core/ledger/entry';
import type { EventProcessor, StockMovementDraft } from './processor';
import { salesFiguresParam, salesFiguresUpsertSql } from './sales-figures';
import { appendChange } from './changes';
import { decimalToQty, qtyToDecimal } from './quantity';
import { fromScaledUnits, scaledUnitsToString, toScaledUnits } from '../core/money/quantity';
import { ALERT_FOLD_WINDOW_MINUTES, writeAlerts, type AlertDraft } from './alerts';
import { alertsForEvent } from './event-alerts';
import { parseReviewRules, reviewFlag, saveReviewItems, type PendingReviewItem, type ReviewRules } from './integrity/review';
import { applyEventValue, heldSaleCandidates, lockBatchAccounts } from './value/apply-event';
import { SignatureError, type DeviceKeyRow, type SignedBatch } from './integrity/device-keys';

// Ingest of one terminal's journal batch. Everything an event causes (journal row, ledger
// entries, stock movements, store changes, alerts, the terminal's high-water mark) commits
// in one transaction; a batch is one transaction, and if the database refuses it, it is
// retried event by event so one bad event cannot hold back the others. The terminal row is
// locked FOR UPDATE first, so two hubs receiving the same batch serialize and the second
// sees duplicates. A transient fault (lost connection, deadlock, serialization failure)
// retries the whole transaction, which is safe: it re-reads the terminal's mark under the
// lock, so a COMMIT that did happen before the connection died is found, not repeated.

export interface IngestResult {
  applied_through: number;
  rejected: RejectedEvent[];
  /** Store changes to push (committed). */
  changes: StoreChange[];
  /** Alerts to raise (committed; folded repeats are not here). */
  alerts: Alert[];
  /** Events newly applied (for the HQ live feed). */
  applied: JournalEvent[];
}

export interface IngestLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface IngestContext {
  terminal_id: string;
  store_id: string;
  /** The credential the batch came with: a credential revoked since the socket connected may not write. */
  credential_id?: number;
  processor: EventProcessor;
  log?: IngestLog;
  /**
   * The batch's device signature check (integrity/device-keys.ts verifyBatchSignature), run
   * with the key read with the terminal row, before anything is written; what it returns is
   * kept with the events it covers.
   */
  signature?: SignatureCheck;
}

export interface SignatureCheck {
  /** Throws SignatureError (nothing of the batch is applied); null: an unsigned batch the credential may send. */
  verify(key: DeviceKeyRow | undefined): SignedBatch | null;
}

/** Each batch's signature is verified once (a refused batch retried event by event is not verified again). */
const verified = new WeakMap<SignatureCheck, SignedBatch | null>();

interface TxOutcome extends IngestResult {
  pendingAlerts: AlertDraft[];
}

type RejectionCode = RejectedEvent['code'];

/** The database could not be reached or kept failing transiently: the register retries later. */
export class IngestUnavailableError extends Error {}
/** The credential was revoked (re-enrollment) after the socket connected. */
export class CredentialRevokedError extends Error {}

async function runTx(db: Db, ctx: IngestContext, fn: (tx: Queryable) => Promise<TxOutcome>): Promise<IngestResult> {
  const out = await retryTransient(() => db.transaction(fn), {
    onRetry: (err, attempt) => ctx.log?.warn({ terminal: ctx.terminal_id, attempt, err: describeDbError(err) }, 'ingest transaction hit a transient database fault; retrying'),
  });
  const { pendingAlerts: _, ...result } = out;
  return result;
}

function unavailable(err: unknown): IngestUnavailableError {
  return new IngestUnavailableError(`database unavailable: ${describeDbError(err)}`);
}

/**
 * Applies events inside the caller's transaction (the caller owns BEGIN/COMMIT and retries).
 * The hub's own sources use it: a channel writes its virtual terminal's events here, in the
 * same transaction as the delivery that caused them, so there is one path to the books.
 */
export async function ingestInTransaction(tx: Queryable, ctx: IngestContext, events: JournalEvent[]): Promise<IngestResult> {
  const { pendingAlerts: _, ...result } = await applyEvents(tx, ctx, [...events].sort((a, b) => a.seq - b.seq));
  return result;
}

/** A register's batch sorted and checked without the database (prepareIngest), ready for ingestBatch. */
export interface PreparedBatch {
  readonly sorted: JournalEvent[];
}

/**
 * ingestBatch's first step on its own: the batch in seq order with its DB-free per-event work
 * done (prepareBatch). The socket runs it when a push arrives, so a batch queued behind its
 * terminal's batch in flight spends its CPU while that one waits on Postgres (pipelining,
 * docs/sync-protocol.md 4.2). Nothing is decided here: every check is made again in the
 * transaction, from the cached results.
 */
export function prepareIngest(ctx: Pick<IngestContext, 'processor'>, events: readonly JournalEvent[]): PreparedBatch {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  prepareBatch(ctx, sorted);
  return { sorted };
}

export async function ingestBatch(db: Db, ctx: IngestContext, batch: JournalEvent[] | PreparedBatch): Promise<IngestResult> {
  const { sorted } = Array.isArray(batch) ? prepareIngest(ctx, batch) : batch;
  try {
    return await runTx(db, ctx, (tx) => applyEvents(tx, ctx, sorted));
  } catch (err) {
    if (err instanceof CredentialRevokedError || err instanceof SignatureError) throw err;
    if (isTransientDbError(err)) throw unavailable(err);
    // Not the database refusing a row: a bug. Isolating events still lets good ones through.
    if (!isSqlRefusal(err)) ctx.log?.error({ terminal: ctx.terminal_id, err }, 'ingest batch failed outside the database');
  }
  // The database refused the batch: one transaction per event, isolating the one it refuses.
  const total: IngestResult = { applied_through: 0, rejected: [], changes: [], alerts: [], applied: [] };
  for (const e of sorted) {
    let r: IngestResult;
    try {
      try {
        r = await runTx(db, ctx, (tx) => applyEvents(tx, ctx, [e]));
      } catch (err) {
        if (isTransientDbError(err) || err instanceof CredentialRevokedError || err instanceof SignatureError) throw err;
        r = await isolateFailure(db, ctx, e, err);
      }
    } catch (err) {
      if (err instanceof CredentialRevokedError || err instanceof SignatureError) throw err;
      if (total.applied_through === 0) throw isTransientDbError(err) ? unavailable(err) : err;
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
  const reason = `database refused the posting: ${err instanceof Error ? err.message : String(err)}`;
  return runTx(db, ctx, async (tx) => {
    const term = await readHead(tx, ctx, [e]);
    const out: TxOutcome = { applied_through: term.applied_through, rejected: [], changes: [], alerts: [], applied: [], pendingAlerts: [] };
    if (e.seq === term.applied_through + 1) {
      await reject(tx, ctx, e, 'POSTING_FAILED', reason, out);
      await tx.query(`UPDATE terminals SET applied_through = $2, applied_hash = $3, last_seen_at = now() WHERE terminal_id = $1`, [
        ctx.terminal_id,
        e.seq,
        e.hash,
      ]);
      out.applied_through = e.seq;
      await keepSignature(tx, ctx, e.seq);
    }
    out.alerts.push(...(await writeAlerts(tx, out.pendingAlerts)));
    return out;
  });
}

/** Keeps the batch's device signature once the mark reaches the last seq it covers. */
async function keepSignature(tx: Queryable, ctx: IngestContext, through: number): Promise<void> {
  const signed = ctx.signature ? verified.get(ctx.signature) : null;
  if (!signed || through < signed.signature.last_seq) return;
  const s = signed.signature;
  await tx.query(
    `INSERT INTO batch_signatures (terminal_id, first_seq, last_seq, head_hash, signature, credential_id) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [ctx.terminal_id, s.first_seq, s.last_seq, s.head_hash, s.sig, signed.credential_id],
  );
}

interface TerminalState {
  applied_through: number;
  applied_hash: string | null;
  currency: string;
}

/** Text we write ourselves from client data (reasons, messages): masked and always storable. */
export function storableText(s: string, max = 1000): string {
  let out = '';
  const src = redactPans(s.slice(0, max * 2));
  for (const ch of src) {
    out += textProblem(ch) ? '\uFFFD' : ch;
    if (out.length >= max) break;
  }
  return out;
}

/**
 * The form of a rejected event the hub keeps: the envelope as sent (its hash, so the
 * register's copy can be matched) and the payload with card numbers masked. A payload
 * Postgres cannot hold (NUL, lone surrogates) or too odd to walk is withheld, with why.
 */
function storableEvent(e: JournalEvent): Record<string, unknown> {
  const { payload, ...rest } = e;
  // Unknown top-level members (UNKNOWN_MEMBER) are named in the reason, never stored: their
  // content was checked by nothing.
  const envelope = Object.fromEntries(Object.entries(rest).filter(([k]) => JOURNAL_EVENT_MEMBERS.includes(k)));
  const problem = payloadContentProblem(payload, '$.payload');
  if (problem && problem.code !== 'CARD_NUMBER') return { ...envelope, payload: null, payload_withheld: storableText(problem.reason, 300) };
  try {
    return { ...envelope, payload: redactValue(payload) };
  } catch (err) {
    return { ...envelope, payload: null, payload_withheld: storableText(String((err as Error).message), 300) };
  }
}

async function reject(tx: Queryable, ctx: IngestContext, e: JournalEvent, code: RejectionCode, rawReason: string, out: TxOutcome): Promise<void> {
  const reason = storableText(rawReason);
  await tx.query(
    `INSERT INTO event_rejections (terminal_id, seq, event_id, code, reason, event) VALUES ($1, $2, $3, $4, $5, $6)`,
    [ctx.terminal_id, e.seq, e.event_id, code, reason, JSON.stringify(storableEvent(e))],
  );
  out.rejected.push({ seq: e.seq, event_id: e.event_id, code, reason });
  const kind = code === 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' ? 'duplicate_event_conflict' : 'event_rejected';
  out.pendingAlerts.push({
    cause: `${kind}:${ctx.terminal_id}:${code}`,
    kind,
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
  /** In the batch's order; `delta` in micro-units (scale 6), `quantity` as stored. */
  movements: Array<{ event: JournalEvent; sku: string; quantity: string; reason: string; delta: bigint; draft: StockMovementDraft['quantity'] }>;
  /** event ids (lower case) already stored (journal or rejections) or used earlier in this batch. */
  usedEventIds: Set<string>;
  /** entry ids reversed earlier in this batch. */
  reversed: Set<string>;
  /** The store's currency: every event's money must be in it. */
  currency: string;
  /** The posting map version the batch's entries are posted with (null: a fixed test chart). */
  chartVersion: number | null;
  /** The store's review rules and the events they flagged (integrity/review.ts), written after the entries. */
  reviewRules: ReviewRules;
  review: PendingReviewItem[];
  /** The batch's sales with a held reservation when it began (value/apply-event.ts). */
  heldSales?: ReadonlySet<string>;
}

/**
 * The batch transaction's first statement: the terminal row, locked (two hubs given the same
 * batch serialize here), with everything else the walk reads up front: the store's currency and
 * review rules, the credential, the posting map version, which of the batch's event ids are
 * stored already and which of its sales hold a reservation. One round trip instead of six.
 */
interface Head extends TerminalState {
  reviewRules: ReviewRules;
  chartVersion: number | null;
  usedIds: string[];
  held: string[];
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function readHead(tx: Queryable, ctx: IngestContext, events: readonly JournalEvent[]): Promise<Head> {
  const ids = events.map((e) => e.event_id.toLowerCase());
  // journal_events by its uuid index (event_id::text = ANY(...) read the whole table every batch).
  const uuids = ids.filter((id) => UUID_RE.test(id));
  const { rows } = await tx.query<{
    applied_through: number; applied_hash: string | null; store_id: string; currency: string; live: boolean | null;
    review_rules: unknown; chart_version: number | null; used_ids: string[]; held: string[];
    public_key: string | null; require_signatures: boolean | null;
  }>(
    `SELECT t.applied_through, t.applied_hash, t.store_id, s.currency, s.review_rules, s.require_signatures,
            (SELECT c.revoked_at IS NULL FROM credentials c WHERE c.credential_id = $2) AS live,
            (SELECT c.public_key FROM credentials c WHERE c.credential_id = $2) AS public_key,
            (SELECT max(version) FROM chart_versions) AS chart_version,
            ARRAY(SELECT event_id::text FROM journal_events WHERE event_id = ANY($4::uuid[])
                  UNION ALL SELECT lower(event_id) FROM event_rejections WHERE lower(event_id) = ANY($3::text[])) AS used_ids,
            ARRAY(SELECT DISTINCT sale_id::text FROM value_reservations WHERE status = 'held' AND sale_id = ANY($5::uuid[])) AS held
       FROM terminals t JOIN stores s ON s.store_id = t.store_id
      WHERE t.terminal_id = $1 FOR UPDATE OF t`,
    [ctx.terminal_id, ctx.credential_id ?? null, ids, uuids, heldSaleCandidates(events)],
    { prepare: 'ingest_head' },
  );
  const t = rows[0];
  if (!t) throw new Error(`terminal ${ctx.terminal_id} is not enrolled`);
  // The device signature before anything is applied: a forged or unsigned batch changes nothing
  // (the transaction rolls back). Its credential's key and store's rule came with this read.
  if (ctx.signature && !verified.has(ctx.signature)) {
    verified.set(ctx.signature, ctx.signature.verify(t.live === null ? undefined : { public_key: t.public_key, require_signatures: t.require_signatures }));
  }
  if (t.store_id !== ctx.store_id) throw new Error(`terminal ${ctx.terminal_id} belongs to store ${t.store_id}`);
  if (ctx.credential_id !== undefined && t.live !== true) throw new CredentialRevokedError(`credential of ${ctx.terminal_id} was revoked (the terminal was enrolled again)`);
  return {
    applied_through: Number(t.applied_through),
    applied_hash: t.applied_hash,
    currency: t.currency,
    reviewRules: parseReviewRules(t.review_rules),
    chartVersion: t.chart_version == null ? null : Number(t.chart_version),
    usedIds: t.used_ids,
    held: t.held,
  };
}

/**
 * One batch in one transaction, locking late. The terminal row first (readHead); then the
 * walk, which writes only rows no other terminal touches (rejections, gift card and points
 * accounts, locked up front in one order); then the batch's new rows in one statement. The
 * rows every register of the store shares are taken last, in one fixed order: the hourly and
 * daily sales figures, the stock levels (SKU order), the store row (change log). They are
 * held from there to COMMIT only, so the registers of a store apply their batches side by
 * side instead of one after another (the stock rows used to be locked before the walk).
 */
async function applyEvents(tx: Queryable, given: IngestContext, events: JournalEvent[]): Promise<TxOutcome> {
  const term = await readHead(tx, given, events);
  let through = term.applied_through;
  let lastHash = term.applied_hash;
  const out: TxOutcome = { applied_through: through, rejected: [], changes: [], alerts: [], applied: [], pendingAlerts: [] };
  const fresh = events.filter((e) => e.seq > through);
  // The posting map version was read with the terminal row: the batch posts with the version
  // current now, and each entry records it (a map saved meanwhile applies from the next batch).
  const bound = !fresh.length
    ? { processor: given.processor, chart_version: null }
    : given.processor.bindVersion
      ? await given.processor.bindVersion(tx, term.chartVersion)
      : given.processor.bind
        ? await given.processor.bind(tx)
        : { processor: given.processor, chart_version: null };
  const ctx: IngestContext = { ...given, processor: bound.processor };
  const dupes = events.filter((e) => e.seq <= through);
  if (dupes.length) await checkDuplicates(tx, ctx, dupes, out);
  const pending: Pending = {
    journal: [],
    entries: [],
    entryIds: new Map(),
    movements: [],
    usedEventIds: new Set(term.usedIds),
    reversed: new Set(),
    currency: term.currency,
    chartVersion: bound.chart_version,
    reviewRules: term.reviewRules,
    review: [],
    heldSales: new Set(term.held),
  };
  // Gift card and points accounts before anything else is written, in one order (accounts.ts).
  await lockBatchAccounts(tx, { store_id: ctx.store_id, currency: term.currency }, fresh.filter((e) => !checksOf(e).content));
  for (const e of fresh) {
    // A gap: the register resends from applied_through + 1; never apply out of order.
    if (e.seq > through + 1) break;
    const problem = findProblem(ctx, e, lastHash, pending) ?? (await findStoredConflict(tx, ctx, e, pending));
    if (problem) {
      await reject(tx, ctx, e, problem.code, problem.reason, out);
    } else {
      await applyOne(tx, ctx, e, out, pending);
    }
    pending.usedEventIds.add(e.event_id.toLowerCase());
    through = e.seq;
    lastHash = e.hash;
  }
  const moved = through !== term.applied_through;
  // The batch's writes go out together, in this order, without waiting for each answer (on a
  // Postgres server the connection pipelines them: one round trip, not four); the server runs
  // them one after another in that order, so the shared rows are still locked last. Each of
  // these functions sends its statement before its first await. The first refusal is the
  // batch's error (the statements after it only report the aborted transaction).
  await settleInOrder([
    insertRows(tx, ctx, pending, moved ? { through, hash: lastHash } : null),
    saveReviewItems(tx, pending.review),
    // The signature is kept once every event it covers is committed (the last one's transaction
    // when a refused batch is retried event by event).
    moved ? keepSignature(tx, ctx, through) : undefined,
    // The ledger balance checks ran at the end of the rows statement (migration 034: once per
    // INSERT, on its new lines), before the shared rows are locked.
    // The shared rows, last and in one order: sales figures, stock levels (SKU order), store row.
    applyShared(tx, ctx, pending, out, through),
  ]);
  out.alerts.push(...(await writeAlerts(tx, out.pendingAlerts)));
  out.applied_through = through;
  return out;
}

/** Waits for every one of `steps`, then throws the first failure in their order (if any). */
async function settleInOrder(steps: ReadonlyArray<Promise<void> | undefined>): Promise<void> {
  const settled = await Promise.allSettled(steps);
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
}

/**
 * Writes the batch's journal rows, ledger entries and lines, stock movements and the
 * terminal's new mark in one statement (rows no other terminal's batch touches). The foreign
 * keys between them are checked at the end of the statement, so the order inside is free.
 */
async function insertRows(tx: Queryable, ctx: IngestContext, p: Pending, mark: { through: number; hash: string | null } | null): Promise<void> {
  if (!p.journal.length && !p.entries.length && !mark) return;
  const entries = p.entries.map(({ entry, event, reverses, adjusts }) => ({
    entry_id: entry.entry_id,
    event_id: event.event_id,
    store_id: event.store_id,
    terminal_id: event.terminal_id,
    seq: event.seq,
    // A review hold (integrity/review.ts) is the event's second entry, of its own type.
    event_type: entry.source.type,
    date: entry.date,
    memo: entry.memo,
    reverses,
    adjusts,
  }));
  const lines = p.entries.flatMap(({ entry }) =>
    entry.lines.map((l, i) => ({ entry_id: entry.entry_id, line_no: i, account: l.account, currency: l.currency, debit: l.debit, credit: l.credit, dimensions: l.dimensions ?? {} })),
  );
  const movements = p.movements.map((m) => ({ sku: m.sku, quantity: m.quantity, reason: m.reason, event_id: m.event.event_id }));
  await tx.query(
    `WITH j AS (
       INSERT INTO journal_events (terminal_id, seq, event_id, store_id, type, occurred_at, payload, prev_hash, hash)
       SELECT x.terminal_id, x.seq, x.event_id, x.store_id, x.type, x.occurred_at, x.payload, x.prev_hash, x.hash
         FROM jsonb_to_recordset($1::jsonb) AS x(terminal_id text, seq bigint, event_id uuid, store_id text, type text, occurred_at timestamptz, payload jsonb, prev_hash text, hash text)
       RETURNING 1
     ), e AS (
       INSERT INTO ledger_entries (entry_id, event_id, store_id, terminal_id, seq, event_type, date, memo, reverses, adjusts, chart_version)
       SELECT x.entry_id, x.event_id, x.store_id, x.terminal_id, x.seq, x.event_type, x.date, x.memo, x.reverses, x.adjusts, $5::int
         FROM jsonb_to_recordset($2::jsonb) AS x(entry_id text, event_id uuid, store_id text, terminal_id text, seq bigint, event_type text, date date, memo text, reverses text, adjusts text)
       RETURNING 1
     ), l AS (
       INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit, dimensions)
       SELECT x.entry_id, x.line_no, x.account, x.currency, x.debit, x.credit, x.dimensions
         FROM jsonb_to_recordset($3::jsonb) AS x(entry_id text, line_no int, account text, currency text, debit bigint, credit bigint, dimensions jsonb)
       RETURNING 1
     ), m AS (
       INSERT INTO stock_movements (store_id, sku, quantity, reason, event_id)
       SELECT $6, x.sku, x.quantity, x.reason, x.event_id FROM jsonb_to_recordset($4::jsonb) AS x(sku text, quantity numeric, reason text, event_id uuid)
       RETURNING 1
     ), t AS (
       UPDATE terminals SET applied_through = $8, applied_hash = $9, last_seen_at = now() WHERE terminal_id = $7 AND $8::bigint IS NOT NULL
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM j) AS j, (SELECT count(*) FROM e) AS e, (SELECT count(*) FROM l) AS l, (SELECT count(*) FROM m) AS m, (SELECT count(*) FROM t) AS t`,
    [
      JSON.stringify(p.journal),
      JSON.stringify(entries),
      JSON.stringify(lines),
      JSON.stringify(movements),
      p.chartVersion,
      ctx.store_id,
      ctx.terminal_id,
      mark?.through ?? null,
      mark?.hash ?? null,
    ],
    { prepare: 'ingest_rows' },
  );
}

/**
 * The rows every register of the store shares, in one statement and one order, then the stock
 * change: the hourly and daily sales figures, the stock levels (SKU order, rows created as
 * needed), the store row (its change cursor; changes.ts appendChange's rule: the store row's
 * lock keeps cursors gap-free and in commit order). Each step of the statement waits for the
 * one before it (it reads its row count), which fixes the order its row locks are taken in.
 * Then what the levels say: an oversell alert and change for each movement that took a SKU
 * below zero, its level replayed from the level after the batch (the rows are locked, nothing
 * else moved them).
 */
async function applyShared(tx: Queryable, ctx: IngestContext, p: Pending, out: TxOutcome, through: number): Promise<void> {
  const figures = salesFiguresParam(p.journal);
  if (figures === null && !p.movements.length) return;
  const deltas = new Map<string, bigint>();
  for (const m of p.movements) deltas.set(m.sku, (deltas.get(m.sku) ?? 0n) + m.delta);
  const skus = [...deltas.keys()].sort();
  const source = { terminal_id: ctx.terminal_id, through_seq: through };
  // The stock change's row is written by the same statement: its payload's levels are the
  // upserted levels at their smallest exact scale ({units, scale}, as fromScaledUnits gives
  // them), in the order of `skus`; the pushed copy is built below from the same RETURNING.
  const { rows } = await tx.query<{ sku: string | null; on_hand: string | null; cursor: number | null; created_at: Date | null }>(
    `WITH h AS (${salesFiguresUpsertSql('hourly', '$1')} RETURNING 1),
          d AS (${salesFiguresUpsertSql('daily', '$1', ' AND (SELECT count(*) FROM h) >= 0')} RETURNING 1),
          s AS (INSERT INTO stock_levels (store_id, sku, on_hand)
                SELECT $3, x.sku, x.delta FROM jsonb_to_recordset($2::jsonb) AS x(sku text, delta numeric)
                 WHERE (SELECT count(*) FROM d) >= 0 ORDER BY x.sku
                ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = stock_levels.on_hand + EXCLUDED.on_hand
                RETURNING sku, on_hand),
          c AS (UPDATE stores SET change_cursor = change_cursor + 1 WHERE store_id = $3 AND (SELECT count(*) FROM s) > 0 RETURNING change_cursor),
          v AS (SELECT o.ord, s.sku, trim_scale(s.on_hand) AS q FROM s JOIN unnest($4::text[]) WITH ORDINALITY AS o(sku, ord) ON o.sku = s.sku),
          l AS (INSERT INTO change_log (store_id, cursor, kind, payload)
                SELECT $3, c.change_cursor, 'stock', jsonb_build_object(
                         'levels', (SELECT jsonb_agg(jsonb_build_object('sku', v.sku, 'on_hand', jsonb_build_object('units', (v.q * 10::numeric ^ scale(v.q))::bigint, 'scale', scale(v.q))) ORDER BY v.ord) FROM v),
                         'source', $5::jsonb)
                  FROM c
                RETURNING cursor, created_at)
     SELECT sku, on_hand::text AS on_hand, NULL::bigint AS cursor, NULL::timestamptz AS created_at FROM s
     UNION ALL SELECT NULL, NULL, cursor, created_at FROM l`,
    [figures ?? '[]', JSON.stringify(skus.map((sku) => ({ sku, delta: scaledUnitsToString(deltas.get(sku)!) }))), ctx.store_id, skus, JSON.stringify(source)],
    { prepare: 'ingest_shared' },
  );
  if (!p.movements.length) return;
  const after = new Map<string, bigint>();
  let cursor: number | null = null;
  let createdAt: Date | null = null;
  for (const r of rows) {
    if (r.sku !== null && r.on_hand !== null) after.set(r.sku, toScaledUnits(decimalToQty(r.on_hand)));
    else if (r.cursor !== null) {
      cursor = Number(r.cursor);
      createdAt = r.created_at;
    }
  }
  if (cursor === null || createdAt === null) throw new Error(`store ${ctx.store_id} is not there to take the stock change`);
  const levels = skus.map((sku) => {
    const a = after.get(sku);
    if (a === undefined) throw new Error(`stock row for ${sku} was not written`);
    return { sku, on_hand: fromScaledUnits(a) };
  });
  const payload = { levels, source };
  out.changes.push({ store_id: ctx.store_id, cursor, kind: 'stock', payload, created_at: new Date(createdAt).toISOString() });
  const level = new Map<string, bigint>();
  for (const [sku, d] of deltas) level.set(sku, after.get(sku)! - d);
  for (const [i, m] of p.movements.entries()) {
    const now = level.get(m.sku)! + m.delta;
    level.set(m.sku, now);
    if (m.delta < 0n && now < 0n) {
      const e = m.event;
      const onHand = fromScaledUnits(now);
      const sellers = await recentSellers(tx, e, m.sku, p.movements.slice(0, i + 1));
      out.pendingAlerts.push({
        cause: `oversell:${e.store_id}:${m.sku}`,
        kind: 'oversell',
        store_id: e.store_id,
        terminal_id: e.terminal_id,
        message: `${m.sku} oversold at ${e.store_id}: on hand ${scaledUnitsToString(now)} after ${e.terminal_id} seq ${e.seq}; sold by ${sellers.map(sellerLabel).join(' and ')}`,
        data: { sku: m.sku, on_hand: onHand, event_id: e.event_id, seq: e.seq, quantity: m.draft, sellers },
      });
      out.changes.push(await appendChange(tx, e.store_id, 'oversell', { sku: m.sku, on_hand: onHand, terminal_id: e.terminal_id, seq: e.seq }));
    }
  }
}

/**
 * What the hub checks of an event without the database: its unknown members, its content
 * (strings, numbers, nesting, card numbers) and the hash its content gives (canonical JSON,
 * SHA-256), plus its payload parsed by its type's schema (parsed-event.ts). Computed once per
 * event, and for a register's batch before its transaction opens (prepareBatch), so none of it
 * runs while the batch holds a connection and its terminal row.
 */
interface EventChecks {
  extra: string[];
  content: ReturnType<typeof eventContentProblem>;
  /** The event's hash as computed from its content, or null when its content cannot be hashed. */
  hash: string | null;
}

const checked = new WeakMap<JournalEvent, EventChecks>();

function checksOf(e: JournalEvent): EventChecks {
  const hit = checked.get(e);
  if (hit) return hit;
  const content = eventContentProblem(e);
  let hash: string | null = null;
  if (content?.code !== 'UNHASHABLE') {
    try {
      hash = hashEvent(e.prev_hash, bodyOf(e));
    } catch {
      hash = null;
    }
  }
  const c: EventChecks = { extra: unknownEventMembers(e), content, hash };
  checked.set(e, c);
  return c;
}

/** The per-event work of a batch that needs no database, done before its transaction opens. */
function prepareBatch(ctx: Pick<IngestContext, 'processor'>, events: readonly JournalEvent[]): void {
  for (const e of events) {
    const c = checksOf(e);
    if (c.content || c.extra.length || c.hash !== e.hash) continue; // rejected without a parse
    ctx.processor.validate(e);
    try {
      ctx.processor.stock(e);
    } catch {
      /* reported as a rejection when the event is applied */
    }
  }
}

const contentHash = (e: JournalEvent): string | null => checksOf(e).hash;

async function checkDuplicates(tx: Queryable, ctx: IngestContext, events: JournalEvent[], out: TxOutcome): Promise<void> {
  const seqs = events.map((e) => e.seq);
  const { rows } = await tx.query<{ seq: number; event_id: string; hash: string; rejected: boolean }>(
    `SELECT seq, event_id::text AS event_id, hash, false AS rejected FROM journal_events WHERE terminal_id = $1 AND seq = ANY($2::bigint[])
     UNION ALL SELECT seq, event_id, event->>'hash', true FROM event_rejections WHERE terminal_id = $1 AND seq = ANY($2::bigint[])`,
    [ctx.terminal_id, seqs],
  );
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r]));
  for (const e of events) {
    const stored = bySeq.get(e.seq);
    // A plain resend (no effect) of an applied event must match what is stored AND its
    // content must still hash to it. A rejected event is matched by id and hash alone: its
    // content may be what got it rejected (unhashable, forged), and it changed nothing.
    // Ids compare in one form (Postgres prints a uuid in lower case).
    const sameId = !!stored && stored.event_id.toLowerCase() === e.event_id.toLowerCase();
    if (stored && sameId && stored.hash === e.hash && (stored.rejected || contentHash(e) === e.hash)) continue;
    const code: RejectionCode = sameId ? 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' : 'CHAIN_BROKEN';
    const reason = stored
      ? `seq ${e.seq} was already applied with event_id ${stored.event_id} and hash ${stored.hash.slice(0, 12)}…; this copy differs`
      : `seq ${e.seq} is at or below applied_through but nothing is stored for it`;
    out.rejected.push({ seq: e.seq, event_id: e.event_id, code, reason });
    out.pendingAlerts.push({
      cause: `duplicate_event_conflict:${ctx.terminal_id}`,
      kind: 'duplicate_event_conflict',
      store_id: ctx.store_id,
      terminal_id: ctx.terminal_id,
      message: `${ctx.terminal_id} resent seq ${e.seq} with different content (${code})`,
      data: { seq: e.seq, event_id: e.event_id, hash: e.hash, stored_hash: stored?.hash ?? null, stored_event_id: stored?.event_id ?? null },
    });
  }
}

type Problem = { code: RejectionCode; reason: string };

function findProblem(ctx: IngestContext, e: JournalEvent, lastHash: string | null, p: Pending): Problem | null {
  if (e.terminal_id !== ctx.terminal_id || e.store_id !== ctx.store_id) {
    return { code: 'FORBIDDEN', reason: `event is for ${e.store_id}/${e.terminal_id}, credential is for ${ctx.store_id}/${ctx.terminal_id}` };
  }
  // Before the content and the hash: the hash covers the envelope's members only, so an
  // extra member would otherwise be dropped silently and surface as a puzzling HASH_MISMATCH.
  const { extra, content } = checksOf(e);
  if (extra.length) {
    return { code: 'UNKNOWN_MEMBER', reason: `unknown top-level member${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}: an event has exactly ${JOURNAL_EVENT_MEMBERS.join(', ')}` };
  }
  // Content first: it decides whether the event can be hashed, stored and shown at all.
  if (content) return { code: content.code, reason: content.reason };
  const computed = contentHash(e);
  if (computed === null) return { code: 'UNHASHABLE', reason: 'the event cannot be hashed as canonical JSON' };
  if (computed !== e.hash) return { code: 'HASH_MISMATCH', reason: `hash ${e.hash.slice(0, 12)}… does not match content (${computed.slice(0, 12)}…)` };
  const expectedPrev = e.seq === 1 ? GENESIS_HASH : lastHash;
  if (expectedPrev !== null && e.prev_hash !== expectedPrev) {
    return { code: 'CHAIN_BROKEN', reason: `prev_hash ${e.prev_hash.slice(0, 12)}… does not link to seq ${e.seq - 1} (${expectedPrev.slice(0, 12)}…)` };
  }
  if (p.usedEventIds.has(e.event_id.toLowerCase())) {
    return { code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH', reason: `event_id ${e.event_id} was already used by another event` };
  }
  const invalid = ctx.processor.validate(e);
  if (invalid) return { code: 'INVALID_PAYLOAD', reason: invalid };
  const currencies = currenciesOf(e);
  const foreign = currencies.find((c) => c !== p.currency);
  if (foreign !== undefined) return { code: 'CURRENCY_MISMATCH', reason: `the event is in ${foreign}; store ${ctx.store_id} keeps its books in ${p.currency}` };
  return null;
}

/** Every currency an event's money is stated in (a post-void also carries its original sale). */
function currenciesOf(e: JournalEvent): string[] {
  const out: string[] = [];
  const add = (v: unknown) => {
    if (v && typeof v === 'object' && typeof (v as { currency?: unknown }).currency === 'string') out.push((v as { currency: string }).currency);
  };
  add(e.payload);
  add((e.payload as { original?: unknown }).original);
  return out;
}

/**
 * A post-void must name a sale this hub applied, of the same store, not reversed before,
 * and carry that sale exactly as stored: the reversal is then the stored original negated,
 * whatever the message claims. The database backs "at most once" with a unique index on
 * ledger_entries.reverses.
 */
async function findStoredConflict(tx: Queryable, ctx: IngestContext, e: JournalEvent, p: Pending): Promise<Problem | null> {
  if (e.type !== 'sale.post_voided') return null;
  const originalId = ctx.processor.originalEntryId(e);
  const saleId = String((e.payload as { sale_id?: unknown }).sale_id);
  if (!originalId) return { code: 'ORIGINAL_NOT_FOUND', reason: `post-void names no sale` };
  const inBatch = p.journal.find((j) => j.type === 'sale.completed' && p.entryIds.get(originalId)?.source.event_id === j.event_id);
  let storedSale: { store_id: string; payload: unknown } | undefined = inBatch ? { store_id: inBatch.store_id, payload: inBatch.payload } : undefined;
  if (!storedSale) {
    const { rows } = await tx.query<{ store_id: string; payload: unknown }>(
      `SELECT j.store_id, j.payload FROM ledger_entries l JOIN journal_events j ON j.event_id = l.event_id
        WHERE l.entry_id = $1 AND j.type = 'sale.completed'`,
      [originalId],
    );
    storedSale = rows[0];
  }
  if (!storedSale || storedSale.store_id !== ctx.store_id) {
    return { code: 'ORIGINAL_NOT_FOUND', reason: `sale ${saleId} is not an applied sale of store ${ctx.store_id}` };
  }
  if (p.reversed.has(originalId) || (await tx.query(`SELECT 1 FROM ledger_entries WHERE reverses = $1`, [originalId])).rows.length > 0) {
    return { code: 'ALREADY_REVERSED', reason: `sale ${saleId} was already post-voided` };
  }
  const claimed = (e.payload as { original?: unknown }).original;
  if (canonicalJson(claimed) !== canonicalJson(storedSale.payload)) {
    return { code: 'ORIGINAL_MISMATCH', reason: `the sale carried in the post-void differs from sale ${saleId} as the hub stored it` };
  }
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
  let original: JournalEntry | undefined;
  // The review rules: a flagged event is applied as usual; its revenue waits in suspense.
  // Read before the posting (a database error here is not the event's fault); the hold is built
  // and checked with the event's own entries, so a bad one rejects the event (POSTING_FAILED).
  const flag = await reviewFlag(tx, e, p.journal, p.reviewRules);
  let hold: JournalEntry | null = null;
  try {
    const originalId = ctx.processor.originalEntryId(e);
    original = originalId ? (p.entryIds.get(originalId) ?? (await loadEntry(tx, originalId))) : undefined;
    entries = ctx.processor.post(e, original);
    entries.forEach(checkEntry);
    movements = ctx.processor.stock(e);
    for (const m of movements) qtyToDecimal(m.quantity);
    for (const entry of entries) {
      if (p.entryIds.has(entry.entry_id)) throw new Error(`ledger entry ${entry.entry_id} is posted twice in this batch`);
    }
    if (flag) {
      for (const entry of entries) {
        hold = ctx.processor.holdForReview?.(entry, `${flag.rule}: ${flag.reason}`) ?? null;
        if (hold) {
          checkEntry(hold);
          break;
        }
      }
    }
  } catch (err) {
    await reject(tx, ctx, e, 'POSTING_FAILED', err instanceof Error ? err.message : String(err), out);
    return;
  }
  if (flag) {
    if (hold) entries = [...entries, hold];
    p.review.push({ event: e, flag, entry_id: hold?.adjusts ?? entries[0]?.entry_id ?? null, hold_entry_id: hold?.entry_id ?? null });
  }
  p.journal.push(e);
  for (const entry of entries) {
    // Links to entries the hub never saw (an original from before the hub's time) are kept in the memo only.
    const known = async (id: string | undefined) =>
      !id ? null : p.entryIds.has(id) || (await tx.query(`SELECT 1 FROM ledger_entries WHERE entry_id = $1`, [id])).rows.length ? id : null;
    p.entries.push({ entry, event: e, reverses: await known(entry.reverses), adjusts: await known(entry.adjusts) });
    p.entryIds.set(entry.entry_id, entry);
    if (entry.reverses) p.reversed.add(entry.reverses);
  }
  // Stock levels move at the end of the batch (applyStock), with the store's other shared rows.
  for (const m of movements) p.movements.push({ event: e, sku: m.sku, quantity: qtyToDecimal(m.quantity), reason: m.reason, delta: toScaledUnits(m.quantity), draft: m.quantity });
  out.pendingAlerts.push(...alertsForEvent(e));
  await applyEventValue(tx, { store_id: ctx.store_id, currency: p.currency, heldSales: p.heldSales }, e, e.type === 'sale.post_voided' ? (original?.source.event_id ?? null) : null, out.pendingAlerts);
  out.applied.push(e);
}

interface Seller {
  terminal_id: string;
  /** Set when the terminal is a sales channel's virtual terminal. */
  channel_id?: string;
  channel_name?: string;
}

const sellerLabel = (s: Seller): string => (s.channel_id ? `channel ${s.channel_id} (${s.channel_name ?? s.channel_id})` : `register ${s.terminal_id}`);

/**
 * Who took the last units of a SKU: this event's terminal and the terminals (registers or
 * channels) whose sales of the SKU arrived within the alert fold window, newest first, so the
 * one oversell alert names every source that sold it (a register and a web shop at once).
 */
async function recentSellers(tx: Queryable, e: JournalEvent, sku: string, batch: Pending['movements']): Promise<Seller[]> {
  const ids = [e.terminal_id, ...batch.filter((m) => m.sku === sku && m.quantity.startsWith('-')).map((m) => m.event.terminal_id).reverse()];
  const { rows } = await tx.query<{ terminal_id: string }>(
    `SELECT j.terminal_id, max(m.movement_id) AS last
       FROM stock_movements m JOIN journal_events j ON j.event_id = m.event_id
      WHERE m.store_id = $1 AND m.sku = $2 AND m.quantity < 0 AND m.created_at > now() - make_interval(mins => $3)
      GROUP BY j.terminal_id ORDER BY last DESC LIMIT 10`,
    [e.store_id, sku, ALERT_FOLD_WINDOW_MINUTES],
  );
  for (const r of rows) ids.push(r.terminal_id);
  const unique = [...new Set(ids)].slice(0, 10);
  const { rows: channels } = await tx.query<{ terminal_id: string; channel_id: string; name: string }>(
    `SELECT terminal_id, channel_id, name FROM channels WHERE terminal_id = ANY($1::text[])`,
    [unique],
  );
  const byTerminal = new Map(channels.map((c) => [c.terminal_id, c]));
  return unique.map((t) => {
    const c = byTerminal.get(t);
    return c ? { terminal_id: t, channel_id: c.channel_id, channel_name: c.name } : { terminal_id: t };
  });
}
