import { createHash } from 'node:crypto';
import type { Chart } from '../../../core/ledger/chart';
import { chartNow, type ChartSource } from '../posting-map';
import type { JournalEntry } from '../../../core/ledger/entry';
import type { Db, Queryable } from '../../db/db';
import { BooksInputError } from '../errors';
import type { HistoryWindow } from './window';
import { historyEntryId, HistoryLineError, jsonLines, parseHistoryJson, postHistoryLine } from './format';

// Historical import as a resumable job. The whole file is checked first (every line parses,
// converts and posts in memory; known stores; no id twice), so nothing is posted from a file
// that is wrong anywhere. Then batches: each batch's new entries and the job's resume point
// commit together. Between batches the job looks for a pause request (or the caller's
// AbortSignal) and stops cleanly; running the same file again resumes from `next_line`.
// A finished file run again changes nothing; another file with the same sales posts nothing
// new (entry ids are derived from the sales).

export const HISTORY_FORMATS = ['jsonl'] as const;
export const MAX_HISTORY_BYTES = 1024 * 1024 * 1024;
export const MAX_BATCH = 5_000;
/** How long a hub's run holds its job without finishing a batch before another hub may take it over. */
export const LEASE_SECONDS = 300;

export const HISTORY_STATUSES = ['scheduled', 'running', 'pause_requested', 'paused', 'window_paused', 'done', 'failed'] as const;
export type HistoryStatus = (typeof HISTORY_STATUSES)[number];

export interface HistoryJob {
  import_id: number;
  file_name: string;
  total_sales: number;
  total_lines: number;
  next_line: number;
  done_sales: number;
  posted_entries: number;
  status: HistoryStatus;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** true: the hub runs it (the file is stored with the job), now or inside `window`. */
  hub_run: boolean;
  /** The off-peak window of a scheduled job (wall clock in its time zone); null: any time. */
  window: HistoryWindow | null;
  batch_size: number;
  yield_ms: number;
  /** Why the hub stopped it (status failed), as the error said. */
  last_error: string | null;
}

export interface HistoryRunResult extends HistoryJob {
  already_imported: boolean;
  /** Entries this run posted (0 when everything was there). */
  posted_now: number;
}

export interface HistoryProgress {
  import_id: number;
  done_sales: number;
  total_sales: number;
}

export const JOB_COLUMNS = `import_id::int AS import_id, file_name, total_sales, total_lines, next_line, done_sales, posted_entries, status, created_by,
  hub_run, window_start, window_end, time_zone, batch_size, yield_ms, last_error,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at`;

export function toJob(r: Record<string, unknown>): HistoryJob {
  return {
    hub_run: r.hub_run === true, window: r.window_start ? { start: String(r.window_start), end: String(r.window_end), time_zone: String(r.time_zone) } : null,
    batch_size: Number(r.batch_size), yield_ms: Number(r.yield_ms), last_error: r.last_error == null ? null : String(r.last_error),
    import_id: Number(r.import_id), file_name: String(r.file_name), total_sales: Number(r.total_sales), total_lines: Number(r.total_lines), next_line: Number(r.next_line),
    done_sales: Number(r.done_sales), posted_entries: Number(r.posted_entries), status: r.status as HistoryStatus, created_by: String(r.created_by), created_at: String(r.created_at), updated_at: String(r.updated_at),
  };
}

/** Longest stretch of checking or posting between two turns of the event loop. */
export const SLICE_MS = 5;

/**
 * Hands the event loop back once SLICE_MS of work has passed. A register's push needs several
 * turns of the loop (socket frame, each query of its transaction, the ack), and each may wait
 * for one slice: counting lines instead (every 200) made a slice as long as 200 sales take,
 * hundreds of milliseconds on a loaded machine, and the 1,000,000-sale benchmark measured live
 * pushes of 22 s during the whole-file check.
 */
class TimeSlice {
  private since = performance.now();
  async pass(): Promise<void> {
    if (performance.now() - this.since < SLICE_MS) return;
    await new Promise((r) => setImmediate(r));
    this.since = performance.now();
  }
}

/** Checks every line; returns the count of sales and lines. Throws BooksInputError naming the first bad line. */
export async function checkWhole(db: Queryable, bytes: Uint8Array, chart: Chart): Promise<{ sales: number; lines: number }> {
  const stores = new Set((await db.query<{ store_id: string }>(`SELECT store_id FROM stores`)).rows.map((r) => r.store_id));
  const seen = new Map<string, number>();
  const slice = new TimeSlice();
  let sales = 0;
  let last = 0;
  try {
    for (const { line, text } of jsonLines(bytes)) {
      last = line;
      // The hub serves registers from this same event loop: let them in every few milliseconds.
      await slice.pass();
      const { sale } = postHistoryLine(parseHistoryJson(text, line), line, chart);
      if (!stores.has(sale.store_id)) throw new HistoryLineError(line, `store ${sale.store_id} does not exist in the hub`);
      const key = `${sale.store_id}\u0000${sale.id}`;
      const first = seen.get(key);
      if (first !== undefined) throw new HistoryLineError(line, `sale ${sale.id} of ${sale.store_id} is also on line ${first}`);
      seen.set(key, line);
      sales += 1;
    }
  } catch (e) {
    if (e instanceof HistoryLineError) throw new BooksInputError('BAD_HISTORY_LINE', e.message);
    throw e;
  }
  if (sales === 0) throw new BooksInputError('EMPTY_FILE', 'the file holds no sales');
  return { sales, lines: last };
}

async function insertEntries(tx: Queryable, entries: readonly JournalEntry[], chartVersion: number | null): Promise<number> {
  if (entries.length === 0) return 0;
  const ins = await tx.query<{ entry_id: string }>(
    `INSERT INTO ledger_entries (entry_id, event_id, store_id, terminal_id, seq, event_type, date, memo, chart_version)
     SELECT x.entry_id, NULL, x.store_id, x.terminal_id, NULL, x.event_type, x.date, x.memo, $2::int
       FROM jsonb_to_recordset($1::jsonb) AS x(entry_id text, store_id text, terminal_id text, event_type text, date date, memo text)
     ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id`,
    [JSON.stringify(entries.map((e) => ({ entry_id: e.entry_id, store_id: e.source.store_id, terminal_id: e.source.terminal_id, event_type: e.source.type, date: e.date, memo: e.memo }))), chartVersion],
  );
  const fresh = new Set(ins.rows.map((r) => r.entry_id));
  if (fresh.size === 0) return 0;
  const lines = entries.filter((e) => fresh.has(e.entry_id)).flatMap((e) => e.lines.map((l, i) => ({ entry_id: e.entry_id, line_no: i, ...l })));
  await tx.query(
    `INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit, dimensions)
     SELECT x.entry_id, x.line_no, x.account, x.currency, x.debit, x.credit, x.dimensions
       FROM jsonb_to_recordset($1::jsonb) AS x(entry_id text, line_no int, account text, currency text, debit bigint, credit bigint, dimensions jsonb)`,
    [JSON.stringify(lines)],
  );
  return fresh.size;
}

export interface HistoryRunOptions {
  batch_size?: number;
  /** Sleep between batches, so live ingest keeps its latency (measured in bench/history-import.ts). */
  yield_ms?: number;
  /** Stops after the current batch with status `paused` (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** Asked between batches: a status to stop with (the hub: `window_paused` when the window closed, `scheduled` when it shuts down), or null to go on. */
  stopWith?: () => HistoryStatus | null;
  onProgress?: (p: HistoryProgress) => void;
}

async function readJob(db: Queryable, where: string, value: unknown): Promise<HistoryJob | null> {
  const found = await db.query<Record<string, unknown>>(`SELECT ${JOB_COLUMNS} FROM history_imports WHERE ${where} = $1`, [value]);
  return found.rows[0] ? toJob(found.rows[0]) : null;
}

export function fileSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Runs a history file now, in this process (the CLI): creates the job or resumes it. */
export async function runHistoryImport(db: Db, charts: ChartSource, input: HistoryRunOptions & { bytes: Uint8Array; file_name?: string; by: string }): Promise<HistoryRunResult> {
  if (input.bytes.byteLength > MAX_HISTORY_BYTES) throw new BooksInputError('FILE_TOO_LARGE', `at most ${MAX_HISTORY_BYTES} bytes; split the history into several files`);
  const hash = fileSha256(input.bytes);
  let job = await readJob(db, 'content_sha256', hash);
  if (job?.status === 'done') return { ...job, already_imported: true, posted_now: 0 };
  if (job?.hub_run) throw new BooksInputError('HUB_RUN', `history import ${job.import_id} of this file is run by the hub (${job.window ? `inside ${job.window.start}-${job.window.end} ${job.window.time_zone}` : 'now'}, status ${job.status}); follow it with \`books history list\``);
  if (!job) {
    const { chart } = await chartNow(charts, db);
    const { sales, lines } = await checkWhole(db, input.bytes, chart);
    await db.query(
      `INSERT INTO history_imports (content_sha256, file_name, format, total_sales, total_lines, status, created_by) VALUES ($1, $2, 'jsonl', $3, $4, 'running', $5) ON CONFLICT (content_sha256) DO NOTHING`,
      [hash, (input.file_name ?? '').slice(0, 500), sales, lines, input.by],
    );
  } else {
    await db.query(`UPDATE history_imports SET status = 'running', updated_at = now() WHERE import_id = $1`, [job.import_id]);
  }
  job = (await readJob(db, 'content_sha256', hash))!;
  return continueHistoryJob(db, charts, job, input.bytes, input);
}

/**
 * The batch loop of a job whose status is already `running` (set by whoever started it):
 * from `next_line` to the end, or until a pause request, the signal or `stopWith` stops it
 * between batches. Errors propagate; the caller decides what they mean for the job.
 */
export async function continueHistoryJob(db: Db, charts: ChartSource, started: HistoryJob, bytes: Uint8Array, input: HistoryRunOptions): Promise<HistoryRunResult> {
  const batchSize = Math.min(Math.max(input.batch_size ?? 1_000, 1), MAX_BATCH);
  // One run posts with the map current when it starts (a resumed run: when it resumes).
  const { chart, version: chartVersion } = await chartNow(charts, db);
  let job = started;
  const id = job.import_id;
  let postedNow = 0;
  let pending: Array<{ line: number; raw: unknown }> = [];
  let lastLine = job.next_line - 1;

  const flush = async (nextLine: number): Promise<boolean> => {
    const lines = pending;
    pending = [];
    // Sales already in the ledger (an earlier run, another file) are not posted again; looking
    // them up first also spares posting them in memory. Posting happens before the
    // transaction, yielding to the event loop between chunks (live ingest shares it); the
    // insert below skips any entry that appeared meanwhile.
    const ids = lines.map((l) => historyEntryId(l.raw) ?? '');
    const there = new Set((await db.query<{ entry_id: string }>(`SELECT entry_id FROM ledger_entries WHERE entry_id = ANY($1::text[])`, [ids])).rows.map((r) => r.entry_id));
    const entries: JournalEntry[] = [];
    const slice = new TimeSlice();
    for (let i = 0; i < lines.length; i++) {
      await slice.pass();
      if (!there.has(ids[i]!)) entries.push(...postHistoryLine(lines[i]!.raw, lines[i]!.line, chart).entries);
    }
    return db.transaction(async (tx) => {
      // Only the runner that holds the resume point it started from may advance it: a
      // second runner of the same file finds the point moved and stops.
      const cur = await tx.query<{ next_line: number; status: string }>(`SELECT next_line, status FROM history_imports WHERE import_id = $1 FOR UPDATE`, [id]);
      if (Number(cur.rows[0]!.next_line) !== job!.next_line) throw new BooksInputError('CONCURRENT_RUN', `history import ${id} is being run by someone else`);
      const posted = await insertEntries(tx, entries, chartVersion);
      postedNow += posted;
      await tx.query(
        // A hub's run renews its lease with every batch (schedule.ts: an expired lease is a dead runner).
        `UPDATE history_imports SET next_line = $2, done_sales = done_sales + $3, posted_entries = posted_entries + $4, updated_at = now(),
           lease_until = CASE WHEN hub_run THEN now() + make_interval(secs => ${LEASE_SECONDS}) END WHERE import_id = $1`,
        [id, nextLine, lines.length, posted],
      );
      job = { ...job!, next_line: nextLine, done_sales: job!.done_sales + lines.length, posted_entries: job!.posted_entries + posted };
      return cur.rows[0]!.status === 'pause_requested';
    });
  };


  const stop = async (status: HistoryStatus): Promise<HistoryRunResult> => {
    // Only a job still running is set: a pause asked for meanwhile is kept as a person's pause.
    await db.query(`UPDATE history_imports SET status = CASE WHEN status = 'pause_requested' THEN 'paused' ELSE $2::text END, lease_until = NULL, updated_at = now() WHERE import_id = $1`, [id, status]);
    return { ...(await readJob(db, 'import_id', id))!, already_imported: false, posted_now: postedNow };
  };

  for (const { line, text } of jsonLines(bytes, job.next_line)) {
    pending.push({ line, raw: parseHistoryJson(text, line) });
    lastLine = line;
    if (pending.length >= batchSize) {
      const pauseRequested = await flush(line + 1);
      input.onProgress?.({ import_id: id, done_sales: job.done_sales, total_sales: job.total_sales });
      if (pauseRequested || input.signal?.aborted) return stop('paused');
      const other = input.stopWith?.();
      if (other) return stop(other);
      if (input.yield_ms && input.yield_ms > 0) await new Promise((r) => setTimeout(r, Math.min(input.yield_ms!, 60_000)));
    }
  }
  if (pending.length > 0) {
    await flush(lastLine + 1);
    input.onProgress?.({ import_id: id, done_sales: job.done_sales, total_sales: job.total_sales });
  }
  await db.query(`UPDATE history_imports SET status = 'done', next_line = GREATEST(next_line, total_lines + 1), lease_until = NULL, last_error = NULL, updated_at = now() WHERE import_id = $1`, [id]);
  return { ...(await readJob(db, 'import_id', id))!, already_imported: false, posted_now: postedNow };
}

/**
 * Asks a running import to stop after its current batch; a hub job waiting for its window (or
 * failed) is paused at once, so its window no longer starts it. False: nothing to pause.
 */
export async function requestHistoryPause(db: Queryable, importId: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE history_imports SET status = CASE WHEN status = 'running' THEN 'pause_requested' ELSE 'paused' END, updated_at = now()
      WHERE import_id = $1 AND (status = 'running' OR (hub_run AND status IN ('scheduled', 'window_paused', 'failed')))`,
    [importId],
  );
  return r.rowCount > 0;
}

/**
 * Gives a paused or failed hub job back to the hub's scheduler (it starts inside its next
 * window, or at once without one). A job the CLI ran is resumed by running its file again.
 */
export async function resumeHistoryImport(db: Queryable, importId: number): Promise<HistoryJob> {
  const job = await readJob(db, 'import_id', importId);
  if (!job) throw new BooksInputError('UNKNOWN_IMPORT', `no history import ${importId}`);
  if (!job.hub_run) throw new BooksInputError('NOT_HUB_RUN', `history import ${importId} was run from the CLI and its file is not in the hub: run \`tillstream books history import ${job.file_name || '<file>'}\` again to resume it`);
  const r = await db.query(`UPDATE history_imports SET status = 'scheduled', last_error = NULL, lease_until = NULL, updated_at = now() WHERE import_id = $1 AND status IN ('paused', 'failed')`, [importId]);
  if (r.rowCount === 0) throw new BooksInputError('NOT_PAUSED', `history import ${importId} is ${job.status}, not paused or failed`);
  return (await readJob(db, 'import_id', importId))!;
}

export async function listHistoryImports(db: Queryable, opts: { before?: number; limit?: number } = {}): Promise<HistoryJob[]> {
  const r = await db.query<Record<string, unknown>>(
    `SELECT ${JOB_COLUMNS} FROM history_imports WHERE ($1::bigint IS NULL OR import_id < $1) ORDER BY import_id DESC LIMIT $2`,
    [opts.before ?? null, Math.min(Math.max(opts.limit ?? 100, 1), 1000)],
  );
  return r.rows.map(toJob);
}
