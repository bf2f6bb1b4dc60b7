import Database from 'better-sqlite3';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import {
  GENESIS_HASH,
  MAX_MESSAGE_BYTES,
  MSG,
  bodyOf,
  hashEvent,
  helloRequestSchema,
  journalEventSchema,
  pullChangesRequestSchema,
  pushEventsRequestSchema,
  snapshotRequestSchema,
  type JournalEvent,
  type RejectedEvent,
  type StoreChange,
} from '../../src/core/protocol';

// A small hub that speaks the sync protocol faithfully, so the register side can be tested
// before (and beside) the real hub: it authenticates each register by its token, applies
// each (terminal, seq) exactly once in one SQLite transaction, acks "applied through N"
// only after the commit, rejects bad events permanently while still advancing the mark,
// keeps a per-store change log with a cursor, and serves pulls and snapshots.

export interface TestTerminal {
  token: string;
  terminal_id: string;
  store_id: string;
}

export interface TestHubOptions {
  /** SQLite file for the hub's store (':memory:' by default). Reuse it to "restart" the hub. */
  dbPath?: string;
  port?: number;
  terminals: TestTerminal[];
  /** Changes at or below this cursor are compacted: a register behind it must snapshot. */
  compactedThrough?: number;
}

export interface TestHub {
  url: string;
  port: number;
  io: Server;
  db: Database.Database;
  /** Appends a store change and pushes it to the store's room. */
  publishChange(storeId: string, kind: StoreChange['kind'], payload: Record<string, unknown>): StoreChange;
  /** Adds a change to the log without pushing it (to make a register see a gap). */
  appendChangeSilently(storeId: string, kind: StoreChange['kind'], payload: Record<string, unknown>): StoreChange;
  events(terminalId: string): (JournalEvent & { status: string; reject_code: string | null })[];
  appliedThrough(terminalId: string): number;
  /** Fault injection: commit the next n pushes but never send their acks. */
  dropAcks(n: number): void;
  /** Fault injection: the next n pushes fail before the commit (nothing applied, error ack). */
  failBeforeCommit(n: number): void;
  /** Fault injection: events whose payload has this key set to true are rejected as INVALID_PAYLOAD. */
  rejectKey: string;
  setCompactedThrough(cursor: number): void;
  /** How many events.push requests were served, and how many events were seen again (resends). */
  stats: { pushes: number; resent: number; connections: number };
  connectedSockets(): number;
  close(): Promise<void>;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    terminal_id TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, reject_code TEXT, reject_reason TEXT,
    PRIMARY KEY (terminal_id, seq));
  CREATE TABLE IF NOT EXISTS marks (terminal_id TEXT PRIMARY KEY, applied_through INTEGER NOT NULL, applied_hash TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS changes (store_id TEXT NOT NULL, cursor INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (store_id, cursor));
`;

type Ack = (res: unknown) => void;

export async function startTestHub(opts: TestHubOptions): Promise<TestHub> {
  const db = new Database(opts.dbPath ?? ':memory:');
  if (opts.dbPath) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
  }
  db.exec(SCHEMA);
  let compactedThrough = opts.compactedThrough ?? 0;
  let dropAcks = 0;
  let failBeforeCommit = 0;
  const stats = { pushes: 0, resent: 0, connections: 0 };
  const rejectKey = 'test_hub_reject';
  const byToken = new Map(opts.terminals.map((t) => [t.token, t]));

  const http: HttpServer = createServer();
  const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: MAX_MESSAGE_BYTES });

  const mark = (terminal: string): { applied_through: number; applied_hash: string } =>
    (db.prepare('SELECT applied_through, applied_hash FROM marks WHERE terminal_id = ?').get(terminal) as { applied_through: number; applied_hash: string } | undefined) ??
    { applied_through: 0, applied_hash: GENESIS_HASH };
  const latestCursor = (store: string): number =>
    (db.prepare('SELECT MAX(cursor) AS c FROM changes WHERE store_id = ?').get(store) as { c: number | null }).c ?? 0;
  const changesAfter = (store: string, after: number, limit: number): StoreChange[] =>
    (db.prepare('SELECT * FROM changes WHERE store_id = ? AND cursor > ? ORDER BY cursor LIMIT ?').all(store, after, limit) as {
      store_id: string; cursor: number; kind: StoreChange['kind']; payload: string; created_at: string;
    }[]).map((r) => ({ ...r, payload: JSON.parse(r.payload) as Record<string, unknown> }));

  const bad = (ack: Ack, code: string, message: string): void => ack({ ok: false, error: { code, message } });

  const apply = db.transaction((terminal: string, store: string, events: JournalEvent[]) => {
    let { applied_through: through, applied_hash: lastHash } = mark(terminal);
    const rejected: RejectedEvent[] = [];
    const insert = db.prepare('INSERT INTO events (terminal_id, seq, event_id, hash, body, status, reject_code, reject_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    for (const e of events) {
      if (e.seq <= through) {
        stats.resent += 1;
        continue; // already applied: exactly once
      }
      if (e.seq !== through + 1) break; // a gap: the ack tells the register where to resume
      let reject: RejectedEvent | null = null;
      const other = db.prepare('SELECT hash FROM events WHERE event_id = ?').get(e.event_id) as { hash: string } | undefined;
      if (other) reject = { seq: e.seq, event_id: e.event_id, code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH', reason: 'event_id already used' };
      else if (e.terminal_id !== terminal || e.store_id !== store) reject = { seq: e.seq, event_id: e.event_id, code: 'FORBIDDEN', reason: 'not this terminal' };
      else if (e.prev_hash !== lastHash) reject = { seq: e.seq, event_id: e.event_id, code: 'CHAIN_BROKEN', reason: `prev_hash ${e.prev_hash} != ${lastHash}` };
      else if (hashEvent(e.prev_hash, bodyOf(e)) !== e.hash) reject = { seq: e.seq, event_id: e.event_id, code: 'HASH_MISMATCH', reason: 'hash does not match content' };
      else if (e.payload[rejectKey] === true) reject = { seq: e.seq, event_id: e.event_id, code: 'INVALID_PAYLOAD', reason: 'rejected by test rule' };
      insert.run(terminal, e.seq, other ? `${e.event_id}#dup${e.seq}` : e.event_id, e.hash, JSON.stringify(e), reject ? 'rejected' : 'applied', reject?.code ?? null, reject?.reason ?? null);
      if (reject) rejected.push(reject);
      through = e.seq;
      lastHash = e.hash;
    }
    db.prepare('INSERT INTO marks (terminal_id, applied_through, applied_hash) VALUES (?, ?, ?) ON CONFLICT(terminal_id) DO UPDATE SET applied_through = excluded.applied_through, applied_hash = excluded.applied_hash')
      .run(terminal, through, lastHash);
    return { through, rejected };
  });

  const addChange = (storeId: string, kind: StoreChange['kind'], payload: Record<string, unknown>): StoreChange => {
    const c: StoreChange = { store_id: storeId, cursor: latestCursor(storeId) + 1, kind, payload, created_at: new Date().toISOString() };
    db.prepare('INSERT INTO changes (store_id, cursor, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)').run(c.store_id, c.cursor, c.kind, JSON.stringify(payload), c.created_at);
    return c;
  };

  const snapshot = (store: string) => {
    const all = changesAfter(store, 0, 1_000_000);
    const prices = new Map<string, Record<string, unknown>>();
    const catalog = new Map<string, Record<string, unknown>>();
    const promotions = new Map<string, Record<string, unknown>>();
    const stock = new Map<string, { sku: string; on_hand: { units: number; scale: number } }>();
    const tax: Record<string, unknown> = {};
    const config: Record<string, unknown> = {};
    for (const c of all) {
      const p = c.payload;
      const upsertOrDelete = (m: Map<string, Record<string, unknown>>, k: unknown): void => {
        if (p.deleted) m.delete(String(k));
        else m.set(String(k), p);
      };
      if (c.kind === 'price') upsertOrDelete(prices, p.sku);
      if (c.kind === 'catalog') upsertOrDelete(catalog, p.sku);
      if (c.kind === 'promotion') upsertOrDelete(promotions, p.id);
      if (c.kind === 'stock') stock.set(String(p.sku), { sku: String(p.sku), on_hand: p.on_hand as { units: number; scale: number } });
      if (c.kind === 'tax') Object.assign(tax, p);
      if (c.kind === 'config') Object.assign(config, p);
    }
    return {
      ok: true as const, store_id: store, cursor: latestCursor(store),
      catalog: [...catalog.values()], prices: [...prices.values()], promotions: [...promotions.values()],
      stock: [...stock.values()], tax, config,
    };
  };

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    const t = typeof token === 'string' ? byToken.get(token) : undefined;
    if (!t) return next(new Error('UNAUTHORIZED: unknown register credential'));
    socket.data.terminal = t;
    next();
  });

  io.on('connection', (socket: Socket) => {
    stats.connections += 1;
    const t = socket.data.terminal as TestTerminal;
    void socket.join(`store:${t.store_id}`);
    socket.on(MSG.hello, (req: unknown, ack: Ack) => {
      if (typeof ack !== 'function') return;
      const p = helloRequestSchema.safeParse(req);
      if (!p.success) return bad(ack, 'BAD_REQUEST', p.error.message);
      if (p.data.terminal_id !== t.terminal_id) return bad(ack, 'FORBIDDEN', 'terminal_id does not match the credential');
      const m = mark(t.terminal_id);
      const latest = latestCursor(t.store_id);
      ack({
        ok: true, store_id: t.store_id, applied_through: m.applied_through,
        applied_hash: m.applied_through > 0 ? m.applied_hash : null,
        latest_change_cursor: latest,
        snapshot_required: p.data.change_cursor < compactedThrough || p.data.change_cursor > latest,
        server_time: new Date().toISOString(),
      });
    });
    socket.on(MSG.pushEvents, (req: unknown, ack: Ack) => {
      if (typeof ack !== 'function') return;
      const p = pushEventsRequestSchema.safeParse(req);
      if (!p.success) return bad(ack, 'BAD_REQUEST', p.error.message.slice(0, 500));
      if (p.data.terminal_id !== t.terminal_id) return bad(ack, 'FORBIDDEN', 'terminal_id does not match the credential');
      stats.pushes += 1;
      if (failBeforeCommit > 0) {
        failBeforeCommit -= 1;
        return bad(ack, 'UNAVAILABLE', 'test hub: failing before commit');
      }
      const { through, rejected } = apply.immediate(t.terminal_id, t.store_id, p.data.events);
      // Committed. Only now may the register hear about it.
      if (dropAcks > 0) {
        dropAcks -= 1;
        return;
      }
      ack({ ok: true, applied_through: through, rejected: rejected.filter((r) => r.seq <= through) });
    });
    socket.on(MSG.pullChanges, (req: unknown, ack: Ack) => {
      if (typeof ack !== 'function') return;
      const p = pullChangesRequestSchema.safeParse(req);
      if (!p.success) return bad(ack, 'BAD_REQUEST', p.error.message);
      const latest = latestCursor(t.store_id);
      if (p.data.after_cursor < compactedThrough) return ack({ ok: true, changes: [], latest_change_cursor: latest, snapshot_required: true });
      ack({ ok: true, changes: changesAfter(t.store_id, p.data.after_cursor, p.data.limit), latest_change_cursor: latest, snapshot_required: false });
    });
    socket.on(MSG.snapshot, (req: unknown, ack: Ack) => {
      if (typeof ack !== 'function') return;
      if (!snapshotRequestSchema.safeParse(req ?? {}).success) return bad(ack, 'BAD_REQUEST', 'snapshot.get takes {}');
      ack(snapshot(t.store_id));
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    io,
    db,
    rejectKey,
    stats,
    publishChange(storeId, kind, payload) {
      const c = addChange(storeId, kind, payload);
      io.to(`store:${storeId}`).emit(MSG.changes, { store_id: storeId, changes: [c] });
      return c;
    },
    appendChangeSilently: addChange,
    events(terminalId) {
      return (db.prepare('SELECT body, status, reject_code FROM events WHERE terminal_id = ? ORDER BY seq').all(terminalId) as { body: string; status: string; reject_code: string | null }[])
        .map((r) => ({ ...journalEventSchema.parse(JSON.parse(r.body)), status: r.status, reject_code: r.reject_code }));
    },
    appliedThrough: (terminalId) => mark(terminalId).applied_through,
    dropAcks(n) {
      dropAcks = n;
    },
    failBeforeCommit(n) {
      failBeforeCommit = n;
    },
    setCompactedThrough(c) {
      compactedThrough = c;
    },
    connectedSockets: () => io.sockets.sockets.size,
    async close() {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      db.close();
    },
  };
}
