import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import { GENESIS_HASH, storeIdSchema, terminalIdSchema, useNativeSha256Hex, type JournalEvent } from '../../core/protocol';
import { initJournalDatabase, Journal, readBase, rowToEvent, verifyDatabase, type JournalRow, type OpenJournalOptions, type StoredRejection, type VerifyResult } from './journal';

// The register's journal on Node: better-sqlite3 on a file of the register's own, WAL with
// synchronous=FULL. Opening, the read-only checks store IT runs (`tillstream journal verify`,
// `status`, `export`) live here; the journal itself (journal.ts) holds no Node.

const openPaths = new Set<string>();

// The chain's SHA-256 by node:crypto on Node (the same hex as core's TypeScript; see
// src/core/protocol/sha256-native.test.ts): the hash was a fifth of a journal commit's CPU.
useNativeSha256Hex((text) => createHash('sha256').update(text, 'utf8').digest('hex'));

/**
 * WAL pages past which SQLite checkpoints inside the commit that crosses them: the bound on the
 * WAL when the register never goes idle (a catalog snapshot, a burst of writes with no pause).
 * At the default (1,000) a sale's commit ran the checkpoint every ~112th append; the journal now
 * checkpoints itself when idle (below), so this is only the backstop.
 */
export const WAL_CHECKPOINT_BOUND_PAGES = 4_000;
/** How often an idle register checkpoints writes that were not appends (cart saves, sync marks, catalog changes). */
export const WAL_IDLE_SWEEP_MS = 1_000;

function configure(db: Database.Database, inlineCheckpoints: boolean): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`wal_autocheckpoint = ${inlineCheckpoints ? 1000 : WAL_CHECKPOINT_BOUND_PAGES}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // 16 MiB of page cache (default 2 MiB): a chain's catalog is read per scan and keystroke from
  // this file, and the hot pages (indexes, recent products) should stay in memory.
  db.pragma('cache_size = -16000');
  const mode = db.pragma('journal_mode', { simple: true });
  if (mode !== 'wal') throw new Error(`could not put the journal in WAL mode (got ${String(mode)})`);
}

/**
 * The journal holds every sale of the till: only the register's user may read it. A folder we
 * create is 700 (one that exists already is the owner's choice and left alone); the database
 * file is created 600 before SQLite opens it, and SQLite gives its -wal and -shm files the
 * database file's mode. A journal made by an older version is narrowed to 600 as well.
 */
function createPrivately(file: string): void {
  const dir = path.dirname(file);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  if (process.platform === 'win32') return;
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
}

/**
 * The journal's WAL checkpoints, off the cashier's path. A commit is durable once its frames are
 * in the WAL and fsynced (synchronous=FULL); the checkpoint (copying them into the database
 * file) only keeps the WAL short. SQLite runs it inside the commit that crosses
 * wal_autocheckpoint, i.e. inside a sale. Here it runs as its own task once the append that
 * wrote the frames has returned (setImmediate: after the sale's caller has its event, before
 * the next input), PASSIVE (it never waits for a reader: the CLI's verify or status may hold
 * a snapshot), then one small commit starts the WAL again from its first frame, so the WAL
 * header's extra fsync is paid here and not by the next sale. Other writes are swept once a
 * second when something changed; the backstop is SQLite's own checkpoint at
 * WAL_CHECKPOINT_BOUND_PAGES. Close checkpoints and removes the WAL (SQLite, last connection).
 */
class IdleCheckpointer {
  private scheduled = false;
  private stopped = false;
  private lastChanges = -1;
  private readonly changes: Database.Statement;
  private readonly restart: () => void;
  private readonly sweep: NodeJS.Timeout;

  constructor(private readonly db: Database.Database) {
    this.changes = db.prepare('SELECT total_changes()').pluck();
    // A write that leaves no row behind but dirties a page (an UPDATE to the same value writes
    // no frame): it puts the new WAL's header and its fsync here.
    const put = db.prepare("INSERT INTO meta (key, value) VALUES ('wal_restart', '')");
    const drop = db.prepare("DELETE FROM meta WHERE key = 'wal_restart'");
    this.restart = db.transaction(() => {
      put.run();
      drop.run();
    });
    this.sweep = setInterval(() => this.sweepIfChanged(), WAL_IDLE_SWEEP_MS);
    this.sweep.unref();
  }

  /** After an append: checkpoint as soon as the event loop is free. Appends in one task share one checkpoint. */
  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  private sweepIfChanged(): void {
    if (this.stopped) return;
    if ((this.changes.get() as number) !== this.lastChanges) this.run();
  }

  run(): void {
    if (this.stopped || !this.db.open || this.db.inTransaction) return;
    try {
      const [r] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      // Everything copied and nobody reading the WAL: the next write starts it over, and the
      // first frame of a new WAL fsyncs its header once more. Take that here.
      if (r && r.log > 0 && r.checkpointed === r.log) this.restart();
      this.lastChanges = this.changes.get() as number;
    } catch {
      // SQLITE_BUSY or a closing database: the next append, sweep or the backstop checkpoints.
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.sweep);
  }
}

export interface OpenNodeJournalOptions extends OpenJournalOptions {
  /**
   * SQLite's automatic checkpoint inside the commit every 1,000 WAL pages, as before the idle
   * checkpointer. For the benchmark's honesty note only.
   */
  inlineCheckpoints?: boolean;
}

/** Opens (creating if needed) the register database, applying migrations in a transaction. */
export function openJournal(filePath: string, opts: OpenNodeJournalOptions): Journal {
  const terminalId = terminalIdSchema.parse(opts.terminalId);
  const storeId = storeIdSchema.parse(opts.storeId);
  const resolved = path.resolve(filePath);
  if (openPaths.has(resolved)) throw new Error(`journal ${resolved} is already open in this process (open it once, in the main process)`);
  createPrivately(resolved);
  const db = new Database(resolved);
  try {
    configure(db, opts.inlineCheckpoints === true);
    initJournalDatabase(db, terminalId, storeId, resolved);
  } catch (err) {
    db.close();
    throw err;
  }
  openPaths.add(resolved);
  const ckpt = opts.inlineCheckpoints === true ? null : new IdleCheckpointer(db);
  // A WAL left by a kill is recovered when the database is first read; copy it in now, not in the first sale.
  ckpt?.run();
  const journal = new Journal(db, resolved, terminalId, storeId, opts.now ?? (() => new Date()), () => {
    ckpt?.stop();
    openPaths.delete(resolved);
  });
  if (ckpt) journal.on('appended', () => ckpt.schedule());
  return journal;
}

/** Read-only verification of a journal file, for `tillstream journal verify`. */
export function verifyJournalFile(filePath: string): VerifyResult & { terminalId: string | null } {
  const db = new Database(filePath, { readonly: true, fileMustExist: true });
  try {
    const t = (() => {
      try {
        return (db.prepare("SELECT value FROM meta WHERE key = 'terminal_id'").get() as { value: string } | undefined)?.value ?? null;
      } catch {
        return null;
      }
    })();
    return { ...verifyDatabase(db), terminalId: t };
  } finally {
    db.close();
  }
}

export interface JournalFileStatus {
  terminalId: string | null;
  storeId: string | null;
  head: { seq: number; hash: string };
  appliedThrough: number;
  unsyncedCount: number;
  oldestUnsyncedAt: string | null;
  changeCursor: number;
  lastSyncedAt: string | null;
  lastError: string | null;
  rejections: StoredRejection[];
  openSale: boolean;
}

/** Read-only sync status of a journal file, for store IT (`tillstream journal status`). */
export function readJournalStatus(filePath: string): JournalFileStatus {
  const db = new Database(filePath, { readonly: true, fileMustExist: true });
  try {
    const meta = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value ?? null;
    const head = (db.prepare('SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined) ?? readBase(db) ?? { seq: 0, hash: GENESIS_HASH };
    const st = db.prepare('SELECT applied_through, change_cursor, last_synced_at, last_error FROM sync_state WHERE id = 1').get() as
      { applied_through: number; change_cursor: number; last_synced_at: string | null; last_error: string | null };
    const oldest = db.prepare('SELECT occurred_at FROM journal WHERE seq = ?').get(st.applied_through + 1) as { occurred_at: string } | undefined;
    return {
      terminalId: meta('terminal_id'),
      storeId: meta('store_id'),
      head,
      appliedThrough: st.applied_through,
      unsyncedCount: Math.max(0, head.seq - st.applied_through),
      oldestUnsyncedAt: oldest?.occurred_at ?? null,
      changeCursor: st.change_cursor,
      lastSyncedAt: st.last_synced_at,
      lastError: st.last_error,
      rejections: db.prepare('SELECT seq, event_id, code, reason, rejected_at, acknowledged_at FROM rejections ORDER BY seq LIMIT 1000').all() as StoredRejection[],
      openSale: db.prepare('SELECT 1 FROM open_sale WHERE id = 1').get() !== undefined,
    };
  } finally {
    db.close();
  }
}

/** Most events one export carries (the hub's salvage import takes as many). */
export const MAX_EXPORT_EVENTS = 5_000;

/**
 * The events a register never delivered (after the hub's last acknowledged mark), read-only,
 * for HQ's salvage import when the device is retired (`tillstream journal export`). The chain
 * is verified first: an edited file is not exported.
 */
export function exportUnsynced(filePath: string, now: Date = new Date()): {
  format: 'tillstream-journal-export';
  version: 1;
  terminal_id: string;
  store_id: string;
  exported_at: string;
  applied_through: number;
  events: JournalEvent[];
} {
  const v = verifyJournalFile(filePath);
  if (!v.ok) throw new Error(`${filePath}: the journal does not verify (${v.message}); not exporting`);
  const db = new Database(filePath, { readonly: true, fileMustExist: true });
  try {
    const meta = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    const st = db.prepare('SELECT applied_through FROM sync_state WHERE id = 1').get() as { applied_through: number };
    const rows = db.prepare('SELECT * FROM journal WHERE seq > ? ORDER BY seq LIMIT ?').all(st.applied_through, MAX_EXPORT_EVENTS + 1) as JournalRow[];
    if (rows.length > MAX_EXPORT_EVENTS) throw new Error(`${filePath}: more than ${MAX_EXPORT_EVENTS} unsynced events; export in parts is not supported`);
    return {
      format: 'tillstream-journal-export',
      version: 1,
      terminal_id: meta('terminal_id') ?? '',
      store_id: meta('store_id') ?? '',
      exported_at: now.toISOString(),
      applied_through: st.applied_through,
      events: rows.map(rowToEvent),
    };
  } finally {
    db.close();
  }
}
