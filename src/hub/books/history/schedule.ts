import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Db, Queryable } from '../../db/db';
import { isTransientDbError } from '../../db/errors';
import { BooksInputError } from '../errors';
import { chartNow, type ChartSource } from '../posting-map';
import { checkWhole, continueHistoryJob, fileSha256, JOB_COLUMNS, LEASE_SECONDS, MAX_BATCH, MAX_HISTORY_BYTES, toJob, type HistoryJob, type HistoryProgress, type HistoryRunResult, type HistoryStatus } from './run';
import { closingAfter, isOpen, nextOpening, type HistoryWindow } from './window';

// Historical imports the hub runs itself (docs/books.md, "Scheduled runs"): now, or only inside
// an off-peak window. Scheduling checks the whole file at once (a bad line is refused while a
// person is there, not at 01:00) and stores it with the job in gzip parts, so whichever hub of
// the chain is up when the window opens can run it, after a restart too. The hub's scheduler
// tick calls runDueHistoryImport: it claims one due job (status and a lease in one UPDATE, so
// two hubs never both run it) and runs it batch by batch; between batches the run stops with
// `window_paused` when the window has closed and with `scheduled` when the hub shuts down, and
// the next tick inside a window resumes it from its resume point.

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Raw bytes per stored part: a part is one row, well under what a bytea parameter should carry. */
const PART_BYTES = 4 * 1024 * 1024;

export interface ScheduledJob extends HistoryJob {
  /** When the hub will start (or resume) it: the window's next opening; null when it is not waiting. */
  next_window_at: string | null;
  /** While it runs inside a window: when that window closes. */
  window_closes_at: string | null;
}

export function withWindowTimes(job: HistoryJob, now: Date): ScheduledJob {
  const waiting = job.hub_run && (job.status === 'scheduled' || job.status === 'window_paused');
  const w = job.window;
  return {
    ...job,
    next_window_at: waiting ? (w ? nextOpening(w, now) : now).toISOString() : null,
    window_closes_at: w && job.status === 'running' && isOpen(w, now) ? closingAfter(w, now).toISOString() : null,
  };
}

async function storeFile(tx: Queryable, importId: number, bytes: Uint8Array): Promise<void> {
  for (let part = 0, at = 0; at < bytes.byteLength; part++, at += PART_BYTES) {
    const gz = await gzipAsync(bytes.subarray(at, Math.min(at + PART_BYTES, bytes.byteLength)));
    await tx.query(`INSERT INTO history_import_parts (import_id, part, gz) VALUES ($1, $2, decode($3, 'base64'))`, [importId, part, gz.toString('base64')]);
  }
}

/** The stored file of a hub job, whole (parts unzipped off the event loop, one at a time). */
export async function readStoredFile(db: Queryable, importId: number): Promise<Buffer> {
  const parts = await db.query<{ part: number }>(`SELECT part FROM history_import_parts WHERE import_id = $1 ORDER BY part`, [importId]);
  const out: Buffer[] = [];
  for (const { part } of parts.rows) {
    const r = await db.query<{ b64: string }>(`SELECT encode(gz, 'base64') AS b64 FROM history_import_parts WHERE import_id = $1 AND part = $2`, [importId, part]);
    out.push(await gunzipAsync(Buffer.from(r.rows[0]!.b64, 'base64')));
  }
  return Buffer.concat(out);
}

/**
 * Schedules a history file for the hub: checked whole now, stored with the job, status
 * `scheduled`. `window` null: the hub starts it at its next scheduler tick. A file the CLI
 * started and paused becomes a hub job from its resume point; a file already done answers
 * already_imported.
 */
export async function scheduleHistoryImport(
  db: Db,
  charts: ChartSource,
  input: { bytes: Uint8Array; file_name?: string; by: string; window: HistoryWindow | null; batch_size?: number; yield_ms?: number },
): Promise<HistoryJob & { already_imported: boolean }> {
  if (input.bytes.byteLength > MAX_HISTORY_BYTES) throw new BooksInputError('FILE_TOO_LARGE', `at most ${MAX_HISTORY_BYTES} bytes; split the history into several files`);
  const batchSize = input.batch_size ?? 1_000;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) throw new BooksInputError('BAD_BATCH_SIZE', `batch size must be a whole number from 1 to ${MAX_BATCH}`);
  const yieldMs = input.yield_ms ?? 0;
  if (!Number.isInteger(yieldMs) || yieldMs < 0 || yieldMs > 60_000) throw new BooksInputError('BAD_YIELD', 'yield must be a whole number of milliseconds from 0 to 60000');
  const hash = fileSha256(input.bytes);
  const read = async () => {
    const r = await db.query<Record<string, unknown>>(`SELECT ${JOB_COLUMNS} FROM history_imports WHERE content_sha256 = $1`, [hash]);
    return r.rows[0] ? toJob(r.rows[0]) : null;
  };
  const existing = await read();
  if (existing?.status === 'done') return { ...existing, already_imported: true };
  if (existing?.hub_run) throw new BooksInputError('ALREADY_SCHEDULED', `this file is history import ${existing.import_id} (${existing.status}); pause or resume it instead`);
  if (existing && existing.status !== 'paused') throw new BooksInputError('CONCURRENT_RUN', `history import ${existing.import_id} of this file is ${existing.status} in the CLI; pause it first`);
  let counts: { sales: number; lines: number } | null = null;
  if (!existing) counts = await checkWhole(db, input.bytes, (await chartNow(charts, db)).chart);
  const w = input.window;
  await db.transaction(async (tx) => {
    let id: number;
    if (existing) {
      const r = await tx.query(
        `UPDATE history_imports SET hub_run = true, status = 'scheduled', window_start = $2, window_end = $3, time_zone = $4, batch_size = $5, yield_ms = $6, updated_at = now()
          WHERE import_id = $1 AND status = 'paused' AND NOT hub_run`,
        [existing.import_id, w?.start ?? null, w?.end ?? null, w?.time_zone ?? null, batchSize, yieldMs],
      );
      if (r.rowCount === 0) throw new BooksInputError('CONCURRENT_RUN', `history import ${existing.import_id} changed meanwhile; try again`);
      id = existing.import_id;
    } else {
      const r = await tx.query<{ import_id: number }>(
        `INSERT INTO history_imports (content_sha256, file_name, format, total_sales, total_lines, status, created_by, hub_run, window_start, window_end, time_zone, batch_size, yield_ms)
         VALUES ($1, $2, 'jsonl', $3, $4, 'scheduled', $5, true, $6, $7, $8, $9, $10) ON CONFLICT (content_sha256) DO NOTHING RETURNING import_id::int AS import_id`,
        [hash, (input.file_name ?? '').slice(0, 500), counts!.sales, counts!.lines, input.by, w?.start ?? null, w?.end ?? null, w?.time_zone ?? null, batchSize, yieldMs],
      );
      if (!r.rows[0]) throw new BooksInputError('CONCURRENT_RUN', 'this file was scheduled or started by someone else meanwhile');
      id = r.rows[0].import_id;
    }
    // In the same transaction: a job never becomes due with half its file stored.
    await storeFile(tx, id, input.bytes);
  });
  return { ...(await read())!, already_imported: false };
}

export interface DueRunOptions {
  /** The scheduler's clock (tests inject one). */
  now: () => Date;
  /** True once the hub is shutting down: the run stops after its batch, resumable. */
  isClosing: () => boolean;
  onProgress?: (p: HistoryProgress) => void;
  /** Says what the run did (started, stopped, failed), for the hub's log. */
  onEvent?: (e: { import_id: number; event: 'started' | 'stopped' | 'failed'; status?: HistoryStatus; error?: string }) => void;
}

/**
 * Claims one hub job that may run now (its window open, or none) and runs it until it is done
 * or stopped. Null when nothing is due. A job whose runner died (its lease ran out) is due again.
 */
export async function runDueHistoryImport(db: Db, charts: ChartSource, opts: DueRunOptions): Promise<HistoryRunResult | null> {
  // A pause asked of a runner that died is granted.
  await db.query(`UPDATE history_imports SET status = 'paused', lease_until = NULL, updated_at = now() WHERE hub_run AND status = 'pause_requested' AND lease_until < now()`);
  const candidates = await db.query<Record<string, unknown>>(
    `SELECT ${JOB_COLUMNS} FROM history_imports
      WHERE hub_run AND (status IN ('scheduled', 'window_paused') OR (status = 'running' AND lease_until < now())) ORDER BY import_id LIMIT 50`,
  );
  const now = opts.now();
  const due = candidates.rows.map(toJob).find((j) => !j.window || isOpen(j.window, now));
  if (!due) return null;
  const claimed = await db.query(
    `UPDATE history_imports SET status = 'running', lease_until = now() + make_interval(secs => ${LEASE_SECONDS}), last_error = NULL, updated_at = now()
      WHERE import_id = $1 AND hub_run AND (status IN ('scheduled', 'window_paused') OR (status = 'running' AND lease_until < now()))`,
    [due.import_id],
  );
  if (claimed.rowCount === 0) return null; // another hub took it first
  opts.onEvent?.({ import_id: due.import_id, event: 'started' });
  try {
    const job = toJob((await db.query<Record<string, unknown>>(`SELECT ${JOB_COLUMNS} FROM history_imports WHERE import_id = $1`, [due.import_id])).rows[0]!);
    const bytes = await readStoredFile(db, job.import_id);
    const w = job.window;
    const result = await continueHistoryJob(db, charts, job, bytes, {
      batch_size: job.batch_size,
      yield_ms: job.yield_ms,
      onProgress: opts.onProgress,
      // Between batches: a closing hub leaves the job to the next one; a closed window, to its next opening.
      stopWith: () => (opts.isClosing() ? 'scheduled' : w && !isOpen(w, opts.now()) ? 'window_paused' : null),
    });
    opts.onEvent?.({ import_id: due.import_id, event: 'stopped', status: result.status });
    return result;
  } catch (e) {
    const error = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
    // Another runner holds it (it took over after this one's lease ran out): leave it to that one.
    // A transient database fault (a deadlock, a dropped connection, a failover) is not the
    // file's fault: every batch is one transaction, so the job is due again from its last
    // committed batch at the scheduler's next tick (its window permitting). Anything else waits
    // for a person (failed, with the reason).
    if (!(e instanceof BooksInputError && e.code === 'CONCURRENT_RUN')) {
      const retry = isTransientDbError(e);
      await db.query(`UPDATE history_imports SET status = CASE WHEN status = 'pause_requested' THEN 'paused' ELSE $3::text END, last_error = $2, lease_until = NULL, updated_at = now() WHERE import_id = $1`, [
        due.import_id,
        retry ? `retrying after a database fault: ${error}`.slice(0, 1000) : error,
        retry ? 'scheduled' : 'failed',
      ]);
    }
    opts.onEvent?.({ import_id: due.import_id, event: 'failed', error });
    return null;
  }
}
