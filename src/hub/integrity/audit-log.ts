import type { Db, Queryable } from '../db/db';
import { storableText } from '../ingest';

// The sync audit log (issue 15): what happened on each register's link, in the order the hub
// saw it — connect, hello, every push (seqs, bytes, duration), its ack, each rejection, every
// error answer and the disconnect. It answers "was this register offline, when did it catch
// up, what was refused" without reading process logs.
//
// Recording never waits on the database and never fails a request: rows go to a bounded
// in-memory queue written by one flush at a time (so the table keeps the order of record()),
// and what does not fit in the queue is counted and written as one 'error' row. Retention is
// bounded twice: rows older than maxAgeDays and rows beyond maxRowsPerTerminal (newest kept)
// are pruned by prune(), which the hub's scheduler runs.

export const SYNC_AUDIT_KINDS = ['connect', 'hello', 'push', 'ack', 'rejection', 'disconnect', 'error'] as const;
export type SyncAuditKind = (typeof SYNC_AUDIT_KINDS)[number];

export interface SyncAuditRecord {
  terminal_id: string;
  store_id: string;
  kind: SyncAuditKind;
  sid?: string | null;
  first_seq?: number | null;
  last_seq?: number | null;
  events?: number | null;
  bytes?: number | null;
  duration_ms?: number | null;
  applied_through?: number | null;
  code?: string | null;
  detail?: string | null;
}

export interface SyncAuditRow extends Required<SyncAuditRecord> {
  audit_id: number;
  at: string;
}

export interface SyncAuditRetention {
  /** Newest rows kept per terminal (default 10 000). */
  maxRowsPerTerminal: number;
  /** Rows older than this are pruned (default 30 days). */
  maxAgeDays: number;
}

export const DEFAULT_SYNC_AUDIT_RETENTION: SyncAuditRetention = { maxRowsPerTerminal: 10_000, maxAgeDays: 30 };
/** Rows waiting for the database; beyond it records are counted, not kept. */
export const MAX_QUEUED_AUDIT_ROWS = 20_000;
/** Rows per INSERT. */
const FLUSH_CHUNK = 1000;
const DETAIL_MAX = 500;

interface Queued extends SyncAuditRecord {
  at: string;
}

export interface SyncAuditLogOptions {
  retention?: Partial<SyncAuditRetention>;
  /** How long a record may wait before it is written (default 100 ms). */
  flushMs?: number;
  maxQueued?: number;
  onError?: (err: unknown) => void;
}

export class SyncAuditLog {
  private queue: Queued[] = [];
  private dropped: { count: number; terminal_id: string; store_id: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  readonly retention: SyncAuditRetention;
  private readonly flushMs: number;
  private readonly maxQueued: number;

  constructor(
    private readonly db: Db,
    private readonly opts: SyncAuditLogOptions = {},
  ) {
    this.retention = { ...DEFAULT_SYNC_AUDIT_RETENTION, ...opts.retention };
    if (!(this.retention.maxRowsPerTerminal >= 1) || !(this.retention.maxAgeDays > 0)) throw new Error('sync audit retention must keep at least one row and a positive age');
    this.flushMs = opts.flushMs ?? 100;
    this.maxQueued = opts.maxQueued ?? MAX_QUEUED_AUDIT_ROWS;
  }

  record(r: SyncAuditRecord): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped = { count: (this.dropped?.count ?? 0) + 1, terminal_id: r.terminal_id, store_id: r.store_id };
    } else {
      this.queue.push({ ...r, detail: r.detail == null ? null : storableText(r.detail, DETAIL_MAX), at: new Date().toISOString() });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Writes what is queued (after any flush already running); resolves when it is written. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeQueued()).catch((err: unknown) => this.opts.onError?.(err));
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0 || this.dropped) {
      const rows = this.queue.splice(0, FLUSH_CHUNK);
      if (this.dropped && this.queue.length === 0) {
        const d = this.dropped;
        this.dropped = null;
        rows.push({ terminal_id: d.terminal_id, store_id: d.store_id, kind: 'error', code: 'AUDIT_DROPPED', detail: `${d.count} audit records were not kept: more than ${this.maxQueued} waited for the database`, at: new Date().toISOString() });
      }
      if (rows.length === 0) return;
      await this.db.query(
        `INSERT INTO sync_audit (terminal_id, store_id, at, kind, sid, first_seq, last_seq, events, bytes, duration_ms, applied_through, code, detail)
         SELECT e->>'terminal_id', e->>'store_id', (e->>'at')::timestamptz, e->>'kind', e->>'sid', (e->>'first_seq')::bigint, (e->>'last_seq')::bigint,
                (e->>'events')::int, (e->>'bytes')::int, (e->>'duration_ms')::int, (e->>'applied_through')::bigint, e->>'code', e->>'detail'
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n)
          ORDER BY n`,
        [JSON.stringify(rows)],
      );
    }
  }

  /** Deletes rows beyond the retention bounds; returns how many. */
  async prune(): Promise<number> {
    return pruneSyncAudit(this.db, this.retention);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
  }
}

export async function pruneSyncAudit(db: Queryable, r: SyncAuditRetention): Promise<number> {
  const old = await db.query(`DELETE FROM sync_audit WHERE at < now() - make_interval(days => $1) RETURNING 1`, [r.maxAgeDays]);
  // Per terminal: everything at or below the id of its (max+1)-th newest row.
  const over = await db.query(
    `DELETE FROM sync_audit s
      USING (SELECT t.terminal_id,
                    (SELECT a.audit_id FROM sync_audit a WHERE a.terminal_id = t.terminal_id ORDER BY a.audit_id DESC OFFSET $1 LIMIT 1) AS cutoff
               FROM (SELECT terminal_id FROM sync_audit GROUP BY terminal_id HAVING count(*) > $1) t) c
      WHERE s.terminal_id = c.terminal_id AND s.audit_id <= c.cutoff
      RETURNING 1`,
    [r.maxRowsPerTerminal],
  );
  return old.rows.length + over.rows.length;
}

export interface SyncAuditQuery {
  terminal_id: string;
  /** From this time on (inclusive). */
  since?: string;
  /** Before this time (exclusive). */
  until?: string;
  /** Rows after this audit_id (paging). */
  after_id?: number;
  limit: number;
}

export const SYNC_AUDIT_COLUMNS = `audit_id::text AS audit_id, terminal_id, store_id, at, kind, sid, first_seq::text AS first_seq, last_seq::text AS last_seq,
  events, bytes, duration_ms, applied_through::text AS applied_through, code, detail`;

export function toSyncAuditRow(r: Record<string, unknown>): SyncAuditRow {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    audit_id: Number(r.audit_id),
    terminal_id: String(r.terminal_id),
    store_id: String(r.store_id),
    at: new Date(r.at as string).toISOString(),
    kind: r.kind as SyncAuditKind,
    sid: (r.sid as string | null) ?? null,
    first_seq: num(r.first_seq),
    last_seq: num(r.last_seq),
    events: num(r.events),
    bytes: num(r.bytes),
    duration_ms: num(r.duration_ms),
    applied_through: num(r.applied_through),
    code: (r.code as string | null) ?? null,
    detail: (r.detail as string | null) ?? null,
  };
}

/** A terminal's audit rows in the order the hub recorded them. */
export async function querySyncAudit(db: Queryable, q: SyncAuditQuery): Promise<SyncAuditRow[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${SYNC_AUDIT_COLUMNS}
       FROM sync_audit
      WHERE terminal_id = $1 AND ($2::timestamptz IS NULL OR at >= $2) AND ($3::timestamptz IS NULL OR at < $3) AND audit_id > $4
      ORDER BY sync_audit.audit_id LIMIT $5`,
    [q.terminal_id, q.since ?? null, q.until ?? null, q.after_id ?? 0, q.limit],
  );
  return rows.map(toSyncAuditRow);
}

/** One line of `tillstream audit log`. */
export function formatAuditRow(r: SyncAuditRow): string {
  const parts = [r.at, r.kind.padEnd(10)];
  if (r.first_seq !== null) parts.push(`seq ${r.first_seq}${r.last_seq !== null && r.last_seq !== r.first_seq ? `-${r.last_seq}` : ''}`);
  if (r.events !== null) parts.push(`${r.events} events`);
  if (r.bytes !== null) parts.push(`${r.bytes} bytes`);
  if (r.duration_ms !== null) parts.push(`${r.duration_ms} ms`);
  if (r.applied_through !== null) parts.push(`applied_through ${r.applied_through}`);
  if (r.code !== null) parts.push(r.code);
  if (r.detail !== null) parts.push(r.detail);
  return parts.join('  ');
}
