import type { Server, Socket } from 'socket.io';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  MAX_MESSAGE_BYTES,
  MAX_PUSHES_IN_FLIGHT,
  MSG,
  pullChangesRequestSchema,
  changesAppliedRequestSchema,
  pushEventsRequestSchema,
  snapshotRequestSchema,
  snapshotPageRequestSchema,
  HUB_CAPABILITIES,
  saleLookupRequestSchema,
  cardLookupRequestSchema,
  customerCreateRequestSchema,
  customerLookupRequestSchema,
  tenderReleaseRequestSchema,
  tenderReserveRequestSchema,
  totalsReportRequestSchema,
  statusReportRequestSchema,
  type Alert,
  type JournalEvent,
  type ProtocolError,
  type RejectedEvent,
  type StoreChange,
} from '../core/protocol';
import type { Db } from './db/db';
import { authenticate, type Principal } from './auth';
import { SESSION_COOKIE } from './users';
import type { AuthThrottle } from './auth-throttle';
import { latestCursor, pullChanges, storeSnapshot } from './changes';
import { storeSnapshotPage } from './snapshot-page';
import { helloAtHubSchema } from './hello-cashiers';
import { parsePushRequest } from './push-envelope';
import { CredentialRevokedError, ingestBatch, IngestUnavailableError, prepareIngest } from './ingest';
import { lookupSale } from './sale-lookup';
import { signedAmount } from './sales-figures';
import { lookupCard, storeCurrency } from './value/lookups';
import { release, reserve } from './value/reservations';
import { createCustomer, lookupCustomers } from './value/customers';
import { describeDbError, isTransientDbError } from './db/errors';
import type { EventProcessor } from './processor';
import { checkSignedBatchClaims, SignatureError, verifyBatchSignature, type DeviceKeyRow } from './integrity/device-keys';
import { writeAlerts } from './alerts';
import type { SyncAuditLog, SyncAuditRecord } from './integrity/audit-log';
import { checkTotalsReport, TotalsConflictError } from './integrity/register-totals';
import { jsonUtf8Bytes } from './json-size';

// The register side of the hub: authenticated sockets, one handler per message, every
// request validated and size-checked, every failure an error ack (never a crash).
//
// Work in flight is bounded, per hub process (each batch holds up to MAX_MESSAGE_BYTES of
// message and its parsed form): each terminal has at most MAX_QUEUED_BATCHES_PER_TERMINAL
// pushes queued or running; at most MAX_APPLYING_BATCHES_PER_HUB batches are applying (the
// first of their terminal's queue: gap check, parse, transaction), and at most
// MAX_WAITING_BATCHES_PER_HUB are waiting behind a batch of their terminal (a pipelining
// register's second, prepared while the first is in its transaction). So the hub holds at most
// MAX_APPLYING_BATCHES_PER_HUB + MAX_WAITING_BATCHES_PER_HUB batches (64, 256 MiB of
// messages), Postgres works on at most MAX_APPLYING_BATCHES_PER_HUB, and as many registers
// may pipeline their catch-up as may push one at a time. Beyond a bound a push is answered
// BUSY at once, before it is measured or parsed (the register backs off, or after a BUSY of
// a batch sent behind another goes on one batch at a time: sync-protocol 4.2). A waiting batch
// becomes applying when the one ahead of it is answered, without a new check: that one leaves
// the applying count as it joins it — unless first batches of other terminals were refused an
// applying place meanwhile: then it gives the place up (answered BUSY at its turn, changing
// nothing), so registers catching up do not keep every place through their whole backlog while
// the others are refused. A batch that starts beyond the terminal's applied_through + 1 (a
// gap) is answered from one indexed read, before it is parsed or hashed (no read when the
// socket's last known mark rules a gap out).
//
// A register may pipeline: send the next batch before the previous one's ack (sync-protocol
// 4.2). A batch's place in its terminal's queue is taken on arrival. One that arrives with a
// batch of its terminal ahead of it is parsed and prepared (hashes, payload checks:
// prepareIngest) at once, while that one is in its transaction, then waits for its answer;
// its gap check is made only then, against the mark the batch ahead left, so after a batch
// that failed or applied partly the one behind it is answered with the mark, changing nothing.

/** What a register may have in flight (the protocol's bound): one more is answered BUSY. */
export const MAX_QUEUED_BATCHES_PER_TERMINAL = MAX_PUSHES_IN_FLIGHT;
/** Batches applying at once in a hub process (the first of each terminal's queue): bounds Postgres work and memory. */
export const MAX_APPLYING_BATCHES_PER_HUB = 32;
/**
 * Batches waiting behind one of their terminal (prepared, held until it is answered) in a hub
 * process: bounds the memory pipelining adds. 32 lets every applying terminal have its second
 * batch waiting (MAX_APPLYING_BATCHES_PER_HUB × (MAX_QUEUED_BATCHES_PER_TERMINAL − 1)).
 */
export const MAX_WAITING_BATCHES_PER_HUB = 32;

export const storeRoom = (storeId: string) => `store:${storeId}`;
export const credRoom = (credentialId: number) => `cred:${credentialId}`;
export const HQ_ROOM = 'hq';
export const hqStoreRoom = (storeId: string) => `hq:${storeId}`;

export interface SocketDeps {
  io: Server;
  db: Db;
  log: Logger;
  processor: EventProcessor;
  snapshotThreshold: number;
  isClosing: () => boolean;
  track: <T>(p: Promise<T>) => Promise<T>;
  /** Failed-credential throttle shared with the HTTP API (auth-throttle.ts). */
  authThrottle?: Pick<AuthThrottle, 'check' | 'failed'>;
  /** Test hook: runs after a batch commits, before its ack (crash injection). */
  afterCommit?: (info: { terminal_id: string; applied_through: number }) => void;
  /** Test hook: runs after a reservation's transaction commits, before its ack (crash injection). */
  afterReserve?: (info: { terminal_id: string; status: string }) => void;
  /**
   * Overrides of the in-flight bounds (tests): perTerminal (MAX_QUEUED_BATCHES_PER_TERMINAL),
   * perHub (applying, MAX_APPLYING_BATCHES_PER_HUB), perHubWaiting (MAX_WAITING_BATCHES_PER_HUB).
   */
  limits?: { perTerminal?: number; perHub?: number; perHubWaiting?: number };
  /** The sync audit log (integrity/audit-log.ts): every connect, hello, push, ack, rejection, error and disconnect. */
  audit?: SyncAuditLog;
}

/** At most this many rejection rows per batch in the audit log; the rest are summed in one row. */
const MAX_AUDITED_REJECTIONS = 50;

type Ack = (response: unknown) => void;
const errAck = (code: ProtocolError['code'], message: string) => ({ ok: false as const, error: { code, message } });

function describeIssues(err: z.ZodError): string {
  const i = err.issues[0]!;
  const path = i.path.map(String).join('.');
  const more = err.issues.length > 1 ? ` (+${err.issues.length - 1} more)` : '';
  return `${path || '(message)'}: ${i.message}${more}`;
}

export function publishChanges(io: Server, changes: StoreChange[]): void {
  const byStore = new Map<string, StoreChange[]>();
  for (const c of changes) {
    const list = byStore.get(c.store_id) ?? [];
    list.push(c);
    byStore.set(c.store_id, list);
  }
  for (const [storeId, list] of byStore) {
    list.sort((a, b) => a.cursor - b.cursor);
    for (let i = 0; i < list.length; i += 1000) io.to(storeRoom(storeId)).emit(MSG.changes, { store_id: storeId, changes: list.slice(i, i + 1000) });
  }
}

export function publishAlerts(io: Server, alerts: Alert[]): void {
  for (const a of alerts) io.to([storeRoom(a.store_id), HQ_ROOM, hqStoreRoom(a.store_id)]).emit(MSG.alert, a);
}

/**
 * The adapter class each hub's Server was made with when that is socket.io's in-memory one
 * (noteInMemoryAdapter, called by server.ts right after `new Server`, before any Redis adapter
 * is attached). Only with that very adapter does a room with no socket here mean nobody
 * anywhere hears an emit to it; a cluster adapter (Redis) may reach sockets on other hubs.
 */
const inMemoryAdapters = new WeakMap<Server, unknown>();

/** Notes `io`'s adapter as the in-memory one: call right after `new Server(…)` without an `adapter` option. */
export function noteInMemoryAdapter(io: Server): void {
  inMemoryAdapters.set(io, io.of('/').adapter.constructor);
}

/** True when an emit to `rooms` would reach no socket: the in-memory adapter, and none of the rooms holds one. */
export function nobodyInRooms(io: Server, rooms: readonly string[]): boolean {
  const adapter = io.of('/').adapter;
  if (adapter.constructor !== inMemoryAdapters.get(io)) return false;
  for (const r of rooms) if ((adapter.rooms.get(r)?.size ?? 0) > 0) return false;
  return true;
}

export function publishJournal(io: Server, events: JournalEvent[]): void {
  // The same row as GET /api/events (amount signed: a refund is negative), so the console
  // can put a live event straight into its lists and figures.
  // With no HQ console on this hub (and no adapter that could reach one on another hub) the
  // rows are not built: in a register catch-up that was ~4 % of the hub's CPU for nobody.
  const anyoneAtHq = !nobodyInRooms(io, [HQ_ROOM]);
  for (const e of events) {
    if (!anyoneAtHq && nobodyInRooms(io, [hqStoreRoom(e.store_id)])) continue;
    const { amount, currency } = signedAmount(e.type, e.payload);
    const cashier = (e.payload as { cashier_id?: unknown }).cashier_id;
    io.to([HQ_ROOM, hqStoreRoom(e.store_id)]).emit('journal', {
      event_id: e.event_id,
      receipt_no: `${e.terminal_id}-${String(e.seq).padStart(6, '0')}`,
      store_id: e.store_id,
      terminal_id: e.terminal_id,
      seq: e.seq,
      type: e.type,
      occurred_at: e.occurred_at,
      received_at: new Date().toISOString(),
      amount,
      currency,
      cashier_id: typeof cashier === 'string' ? cashier : null,
    });
  }
}

/** The console's session id from a WebSocket upgrade's cookie, when the request comes from the hub's own page. */
export function consoleSession(headers: Record<string, string | string[] | undefined>): string | null {
  const cookie = headers.cookie;
  const origin = headers.origin;
  const host = headers.host;
  if (typeof cookie !== 'string' || typeof origin !== 'string' || typeof host !== 'string') return null;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return null;
  }
  if (originHost !== host) return null;
  const m = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]{8,200})(?:;|$)`).exec(cookie);
  return m ? m[1]! : null;
}

export function installSocketHandlers(deps: SocketDeps): void {
  const { io, db, log } = deps;
  // One batch at a time per terminal in this process, in arrival order (`tail`: settles when the
  // last admitted batch is answered; `batches`: those admitted and not answered, in arrival
  // order, the first applying, the rest waiting); across hubs the terminal row lock serializes.
  const terminalQueues = new Map<string, { tail: Promise<void>; batches: Array<{ waiting: boolean; yielded: boolean }> }>();
  let hubApplying = 0;
  let hubWaiting = 0;
  // First batches answered BUSY because every applying place was taken, not yet made up for
  // (at most perHub): while there are any, a batch waiting behind its terminal's does not take
  // the place that one leaves but gives it up (answered BUSY at its turn), so registers catching
  // up cannot hold every place for their whole backlog while the others are refused.
  let refusedFirsts = 0;
  const perTerminal = deps.limits?.perTerminal ?? MAX_QUEUED_BATCHES_PER_TERMINAL;
  const perHub = deps.limits?.perHub ?? MAX_APPLYING_BATCHES_PER_HUB;
  const perHubWaiting = deps.limits?.perHubWaiting ?? MAX_WAITING_BATCHES_PER_HUB;

  io.use((socket, next) => {
    if (deps.isClosing()) return next(new Error('UNAVAILABLE'));
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const source = socket.handshake.address;
    // The HQ console's live feed carries no token: the browser sends its session cookie with
    // the WebSocket upgrade. Only from the hub's own origin (no cross-site socket hijacking).
    // A session id is 256 random bits and never counted, so a console behind the same address
    // as a register retrying a revoked token (a store's NAT) is not locked out with it.
    const session = token === undefined ? consoleSession(socket.handshake.headers) : null;
    // Failed credentials are throttled per source like the HTTP API's (auth-throttle.ts).
    if (session === null) {
      try {
        deps.authThrottle?.check('register_credential', source);
      } catch (err) {
        return next(Object.assign(new Error('LOCKED_OUT'), { data: { message: (err as Error).message } }));
      }
    }
    (session !== null ? authenticate(db, session, 'session') : authenticate(db, typeof token === 'string' ? token : null))
      .then((p) => {
        if (!p) {
          if (token !== undefined) deps.authThrottle?.failed('register_credential', source);
          return next(new Error('UNAUTHORIZED'));
        }
        socket.data.principal = p;
        next();
      })
      .catch((err) => {
        log.error({ err }, 'socket authentication failed');
        next(new Error('UNAVAILABLE'));
      });
  });

  io.on('connection', (socket: Socket) => {
    const p = socket.data.principal as Principal;
    // Rooms are joined here, server-side only: a client has no message to join any room.
    const rooms = [credRoom(p.credential_id)];
    if (p.kind === 'register') rooms.push(storeRoom(p.store_id));
    else if (p.role === 'admin' || p.role === 'hq') rooms.push(HQ_ROOM);
    else rooms.push(...p.store_ids.map(hqStoreRoom));
    socket.join(rooms);
    log.info({ kind: p.kind, who: p.kind === 'register' ? p.terminal_id : p.user_id, sid: socket.id }, 'socket connected');
    socket.on('disconnect', (reason) => {
      log.info({ sid: socket.id, reason }, 'socket disconnected');
      if (p.kind === 'register') audit({ kind: 'disconnect', detail: reason });
    });
    if (p.kind !== 'register') return;
    function audit(r: Omit<SyncAuditRecord, 'terminal_id' | 'store_id' | 'sid'>): void {
      if (p.kind === 'register') deps.audit?.record({ terminal_id: p.terminal_id, store_id: p.store_id, sid: socket.id, ...r });
    }
    audit({ kind: 'connect', detail: `from ${socket.handshake.address}` });
    /**
     * The terminal's mark as this socket last read or acked it (-1: not known yet). Marks
     * normally only move up, so a push starting at or below it + 1 cannot be a gap and needs no
     * read of it; after a database restore a stale mark only skips this pre-check (the walk in
     * the transaction reads the real mark and finds the gap).
     */
    let knownThrough = -1;
    /**
     * The gap answer of a push starting at `seq`, or null when it may apply: nothing in a batch
     * past applied_through + 1 can apply, so it is answered with the mark and the register
     * resends from it. One indexed read, none when the socket's known mark rules a gap out.
     */
    const gapAnswer = async (seq: number | null): Promise<{ ok: true; applied_through: number; rejected: [] } | null> => {
      if (seq === null || seq <= 1 || seq <= knownThrough + 1) return null;
      const { rows } = await db.query<{ applied_through: number }>(`SELECT applied_through FROM terminals WHERE terminal_id = $1`, [p.terminal_id]);
      const through = Number(rows[0]?.applied_through ?? 0);
      knownThrough = Math.max(knownThrough, through);
      return seq > through + 1 ? { ok: true, applied_through: through, rejected: [] } : null;
    };
    /** HQ hears of a refused signature (repeats fold per terminal). */
    const raiseSignatureAlert = (message: string): void => {
      if (p.kind !== 'register') return;
      const draft = { cause: `signature_refused:${p.terminal_id}`, kind: 'signature_refused' as const, store_id: p.store_id, terminal_id: p.terminal_id, message: `${p.terminal_id}: batch refused: ${message}`.slice(0, 1000), data: { code: 'BAD_SIGNATURE' } };
      void deps.track(db.transaction((tx) => writeAlerts(tx, [draft]))).then((alerts) => publishAlerts(io, alerts), (err: unknown) => log.warn({ err }, 'signature alert not written'));
    };
    /** Seqs of a push, read without parsing it (for the audit row of a refused one too). */
    const seqRange = (raw: unknown): { first_seq: number | null; last_seq: number | null; events: number | null } => {
      const events = (raw as { events?: unknown } | null)?.events;
      if (!Array.isArray(events) || events.length > 10_000) return { first_seq: null, last_seq: null, events: null };
      let min: number | null = null;
      let max: number | null = null;
      for (const e of events) {
        const seq = (e as { seq?: unknown } | null)?.seq;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) continue;
        min = min === null ? seq : Math.min(min, seq);
        max = max === null ? seq : Math.max(max, seq);
      }
      return { first_seq: min, last_seq: max, events: events.length };
    };
    /** The audit rows of one answered request: errors of any message, and push/ack/rejections of events.push. */
    const auditAnswer = (name: string, raw: unknown, res: unknown, startedAt: number, bytes: number | null): void => {
      const duration_ms = Math.round(performance.now() - startedAt);
      const error = (res as { ok?: unknown; error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (name === MSG.pushEvents) audit({ kind: 'push', ...seqRange(raw), bytes, duration_ms });
      if ((res as { ok?: unknown } | null)?.ok === false && error) {
        audit({ kind: 'error', code: String(error.code), detail: `${name}: ${String(error.message)}`, duration_ms });
        return;
      }
      if (name === MSG.hello) {
        const h = res as { applied_through?: number; snapshot_required?: boolean };
        const req = raw as { app_version?: unknown; change_cursor?: unknown };
        audit({ kind: 'hello', applied_through: h.applied_through ?? null, detail: `app ${String(req.app_version).slice(0, 64)}, change_cursor ${String(req.change_cursor)}${h.snapshot_required ? ', snapshot required' : ''}` });
      } else if (name === MSG.pushEvents) {
        const a = res as { applied_through: number; rejected: RejectedEvent[] };
        audit({ kind: 'ack', applied_through: a.applied_through, events: a.rejected.length, detail: a.rejected.length ? `${a.rejected.length} rejected` : null });
        for (const r of a.rejected.slice(0, MAX_AUDITED_REJECTIONS)) audit({ kind: 'rejection', first_seq: r.seq, last_seq: r.seq, code: r.code, detail: r.reason });
        if (a.rejected.length > MAX_AUDITED_REJECTIONS) audit({ kind: 'rejection', code: 'MORE', detail: `${a.rejected.length - MAX_AUDITED_REJECTIONS} more rejections in this batch` });
      }
    };

    /** A slot of bounded work, taken before anything else is done with a message. */
    interface Slot {
      /** Frees the slot (once; later calls do nothing). */
      release(): void;
      /** Settles when every message admitted before this one in its queue was answered (a push: its terminal's queue). */
      ahead: Promise<void>;
      /** Whether a message was ahead of this one when it was admitted. */
      queued: boolean;
      /** Whether it gave its place up to registers that were refused one (answered BUSY at its turn). */
      yielded(): boolean;
    }
    interface Guard {
      /** Takes a slot or throws BusyError. */
      admit(): Slot;
      /** A cheap answer from the raw message (before it is measured or parsed), or null to go on. */
      early(raw: unknown, slot: Slot): Promise<unknown>;
    }
    /** `parse`: the request's parse when not `schema.safeParse` (it must answer exactly as that does). */
    const handle = <S extends z.ZodType>(
      name: string,
      schema: S,
      fn: (req: z.infer<S>, slot: Slot | null) => Promise<unknown>,
      guard?: Guard,
      parse?: (raw: unknown) => z.ZodSafeParseResult<z.infer<S>>,
    ) => {
      socket.on(name, (...args: unknown[]) => {
        const ack = args[args.length - 1];
        if (typeof ack !== 'function') {
          log.warn({ sid: socket.id, msg: name }, 'message without acknowledgement ignored');
          return;
        }
        const startedAt = performance.now();
        let bytes: number | null = null;
        const reply = (res: unknown): void => {
          try {
            auditAnswer(name, args[0], res, startedAt, bytes);
          } catch (err) {
            log.warn({ err, msg: name }, 'sync audit record failed');
          }
          (ack as Ack)(res);
        };
        if (args.length !== 2) return reply(errAck('BAD_REQUEST', `${name}: expected one request object and an acknowledgement`));
        if (deps.isClosing()) return reply(errAck('UNAVAILABLE', 'hub is shutting down; retry on another hub'));
        const fail = (err: unknown) => {
          if (err instanceof ForbiddenError) return reply(errAck('FORBIDDEN', err.message));
          if (err instanceof BusyError) return reply(errAck('BUSY', err.message));
          if (err instanceof SignatureError) {
            reply(errAck('BAD_SIGNATURE', err.message));
            raiseSignatureAlert(err.message);
            return;
          }
          if (err instanceof CredentialRevokedError) {
            reply(errAck('UNAUTHORIZED', err.message));
            socket.disconnect(true);
            return;
          }
          if (err instanceof IngestUnavailableError) return reply(errAck('UNAVAILABLE', err.message));
          if (err instanceof TotalsConflictError) return reply(errAck('CONFLICT', err.message));
          if (isTransientDbError(err)) {
            log.warn({ err: describeDbError(err), msg: name, terminal: p.terminal_id }, 'database unavailable');
            return reply(errAck('UNAVAILABLE', `${name}: database unavailable, retry later`));
          }
          log.error({ err, msg: name, terminal: p.terminal_id }, 'handler failed');
          reply(errAck('INTERNAL', `${name}: internal error`));
        };
        let slot: Slot | null = null;
        try {
          slot = guard ? guard.admit() : null;
        } catch (err) {
          return fail(err);
        }
        const run = async (): Promise<unknown> => {
          if (guard && slot) {
            const early = await guard.early(args[0], slot);
            if (early !== null) return early;
          }
          let size: number;
          try {
            // Buffer.byteLength(JSON.stringify(args[0]) ?? ''), counted without writing the text.
            size = jsonUtf8Bytes(args[0]);
          } catch {
            return errAck('BAD_REQUEST', `${name}: request is not JSON-serializable`);
          }
          bytes = size;
          if (size > MAX_MESSAGE_BYTES) return errAck('TOO_LARGE', `${name}: message is ${size} bytes, limit ${MAX_MESSAGE_BYTES}`);
          const parsed: z.ZodSafeParseResult<z.infer<S>> = parse ? parse(args[0]) : schema.safeParse(args[0]);
          if (!parsed.success) return errAck('BAD_REQUEST', `${name}: ${describeIssues(parsed.error)}`);
          return fn(parsed.data, slot);
        };
        deps.track(run()).then(
          (r) => {
            slot?.release();
            reply(r);
          },
          (err: unknown) => {
            slot?.release();
            fail(err);
          },
        );
      });
    };

    handle(MSG.hello, helloAtHubSchema, async (req) => {
      if (req.terminal_id !== p.terminal_id) throw new ForbiddenError(`hello: this credential is for terminal ${p.terminal_id}, not ${req.terminal_id}`);
      // The cashiers' names (optional; a hello without them keeps the ones the hub has).
      const cashiers = req.cashiers ? JSON.stringify(Object.fromEntries(req.cashiers.map((c) => [c.cashier_id, c.name]))) : null;
      const { rows } = await db.query<{ applied_through: number; applied_hash: string | null }>(
        `UPDATE terminals SET last_seen_at = now(), app_version = $2, change_cursor = $3, change_cursor_at = now(),
                cashiers = coalesce($4::jsonb, cashiers), cashiers_at = CASE WHEN $4::jsonb IS NULL THEN cashiers_at ELSE now() END
          WHERE terminal_id = $1 RETURNING applied_through, applied_hash`,
        [p.terminal_id, req.app_version, req.change_cursor, cashiers],
      );
      const latest = await latestCursor(db, p.store_id);
      const behind = latest - req.change_cursor;
      const through = Number(rows[0]?.applied_through ?? 0);
      knownThrough = Math.max(knownThrough, through);
      return {
        ok: true,
        store_id: p.store_id,
        applied_through: through,
        applied_hash: rows[0]?.applied_hash ?? null,
        latest_change_cursor: latest,
        // New register, far behind, or ahead of the hub (restored hub database): start from a snapshot.
        snapshot_required: (req.change_cursor === 0 && latest > 0) || behind > deps.snapshotThreshold || behind < 0,
        server_time: new Date().toISOString(),
        capabilities: [HUB_CAPABILITIES.snapshotPage, HUB_CAPABILITIES.pushPipeline],
      };
    });

    /** Lowest seq in a push, read without parsing it (null: let the schema say what is wrong). */
    const firstSeq = (raw: unknown): number | null => {
      const events = (raw as { events?: unknown } | null)?.events;
      if (!Array.isArray(events) || events.length === 0 || events.length > 10_000) return null;
      let min = Infinity;
      for (const e of events) {
        const seq = (e as { seq?: unknown } | null)?.seq;
        if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) return null;
        min = Math.min(min, seq);
      }
      return min;
    };

    handle(
      MSG.pushEvents,
      pushEventsRequestSchema,
      async (req, slot) => {
        if (req.terminal_id !== p.terminal_id) throw new ForbiddenError(`events.push: this credential is for terminal ${p.terminal_id}, not ${req.terminal_id}`);
        const foreign = req.events.find((e) => e.terminal_id !== p.terminal_id || e.store_id !== p.store_id);
        if (foreign) {
          throw new ForbiddenError(
            `events.push: event seq ${foreign.seq} is for ${foreign.store_id}/${foreign.terminal_id}; this credential may only write ${p.store_id}/${p.terminal_id}`,
          );
        }
        // A forged batch costs little: a credential with a device key (fixed for its life) must
        // sign each batch, and a batch unsigned or whose signature names other seqs or another
        // head hash is refused here, before it is hashed or its payloads parsed (the same
        // refusal the check with the key would give in the transaction).
        if (p.device_key) checkSignedBatchClaims(p, req.events, req.signature);
        // The device signature is checked in the batch's transaction, with the key read with the
        // terminal row, before anything is applied: a forged or unsigned batch changes nothing.
        const signature = { verify: (key: DeviceKeyRow | undefined) => verifyBatchSignature(key, { terminal_id: p.terminal_id, credential_id: p.credential_id }, req.events, req.signature) };
        const ctx = { terminal_id: p.terminal_id, store_id: p.store_id, credential_id: p.credential_id, processor: deps.processor, log, signature };
        // The batch's CPU work now: when a batch of this terminal is ahead of it in the queue,
        // this overlaps that one's time in Postgres instead of following it.
        const prepared = prepareIngest(ctx, req.events);
        // In order, after the batch ahead (answered, whatever its answer): the gap check against
        // the mark it left (it may have failed or applied partly), then this batch's transaction.
        await slot!.ahead;
        if (slot!.yielded()) throw new BusyError('events.push: other registers are waiting for a place at the hub; this batch gave its place up — go on from the mark with one batch in flight');
        const gap = await gapAnswer(prepared.sorted[0]!.seq);
        if (gap) return gap;
        const result = await ingestBatch(db, ctx, prepared);
        knownThrough = Math.max(knownThrough, result.applied_through);
        deps.afterCommit?.({ terminal_id: p.terminal_id, applied_through: result.applied_through });
        publishChanges(io, result.changes);
        publishAlerts(io, result.alerts);
        publishJournal(io, result.applied);
        if (result.rejected.length) log.warn({ terminal: p.terminal_id, rejected: result.rejected.map((r) => ({ seq: r.seq, code: r.code })) }, 'events rejected');
        return { ok: true, applied_through: result.applied_through, rejected: result.rejected };
      },
      {
        admit() {
          const q = terminalQueues.get(p.terminal_id) ?? { tail: Promise.resolve(), batches: [] };
          if (q.batches.length >= perTerminal) throw new BusyError(`events.push: ${q.batches.length} batches of ${p.terminal_id} are already in flight; wait for their acks`);
          // Behind a batch of its terminal it waits (memory only, bounded on its own); first in
          // its queue it applies (Postgres work). Each bound is checked where the batch starts.
          const queued = q.batches.length > 0;
          if (queued && hubWaiting >= perHubWaiting) {
            throw new BusyError(`events.push: the hub has ${hubWaiting} batches waiting behind another of their terminal; send one at a time or retry shortly`);
          }
          if (!queued && hubApplying >= perHub) {
            refusedFirsts = Math.min(perHub, refusedFirsts + 1);
            throw new BusyError(`events.push: the hub has ${hubApplying} batches applying; retry shortly`);
          }
          const entry = { waiting: queued, yielded: false };
          q.batches.push(entry);
          if (queued) hubWaiting += 1;
          else hubApplying += 1;
          terminalQueues.set(p.terminal_id, q);
          // The batch's place in its terminal's queue is taken here, on arrival: its turn comes
          // when every batch admitted before it was answered (applied, refused or answered early).
          const ahead = q.tail;
          let answered!: () => void;
          const mine = new Promise<void>((resolve) => (answered = resolve));
          q.tail = ahead.then(() => mine);
          let released = false;
          return {
            ahead,
            queued,
            yielded: () => entry.yielded,
            release() {
              if (released) return;
              released = true;
              q.batches.splice(q.batches.indexOf(entry), 1);
              if (entry.waiting) hubWaiting -= 1;
              else hubApplying -= 1;
              // The next of its terminal, now first, applies: it takes the place this one left
              // (so the applying count cannot pass its bound), unless registers were refused a
              // place meanwhile — then it gives the place up and is answered BUSY at its turn,
              // changing nothing. (A waiting batch answered early, refused on its own fields,
              // leaves a batch still applying first.)
              const next = q.batches[0];
              if (next && next.waiting && !next.yielded) {
                if (refusedFirsts === 0 && hubApplying < perHub) {
                  next.waiting = false;
                  hubWaiting -= 1;
                  hubApplying += 1;
                } else {
                  next.yielded = true;
                  refusedFirsts = Math.max(0, refusedFirsts - 1);
                }
              }
              if (q.batches.length === 0 && terminalQueues.get(p.terminal_id) === q) terminalQueues.delete(p.terminal_id);
              answered();
            },
          };
        },
        async early(raw, slot) {
          // A batch of this terminal ahead of it (a pipelining register): the mark is not final
          // until that one is answered, so the gap check waits for it (in the handler above).
          if (slot.queued) return null;
          // No gap possible: no read (a stale mark only costs a batch walked to its gap).
          return gapAnswer(firstSeq(raw));
        },
      },
      // A hand-written walk of the envelope on the common path, zod for the rest and for every refusal (push-envelope.ts).
      parsePushRequest,
    );

    handle(MSG.pullChanges, pullChangesRequestSchema, async (req) => {
      // Pulling after a cursor says the register applied everything up to it (the propagation view).
      await db.query(`UPDATE terminals SET change_cursor = $2, change_cursor_at = now(), last_seen_at = now() WHERE terminal_id = $1 AND change_cursor < $2`, [
        p.terminal_id,
        req.after_cursor,
      ]);
      const r = await pullChanges(db, p.store_id, req.after_cursor, req.limit);
      return { ok: true, ...r };
    });

    handle(MSG.changesApplied, changesAppliedRequestSchema, async (req) => {
      const { rows } = await db.query<{ store_change_cursor: string }>(
        `UPDATE terminals t SET change_cursor = $2, change_cursor_at = now(), last_seen_at = now()
           FROM stores s WHERE t.terminal_id = $1 AND s.store_id = t.store_id AND $2 <= s.change_cursor
         RETURNING s.change_cursor::text AS store_change_cursor`,
        [p.terminal_id, req.change_cursor],
      );
      if (!rows[0]) return errAck('BAD_REQUEST', `changes.applied: change_cursor ${req.change_cursor} is beyond the store's change log`);
      // The propagation view updates live: HQ sees which register has which change.
      io.to([HQ_ROOM, hqStoreRoom(p.store_id)]).emit('terminal.applied', {
        store_id: p.store_id,
        terminal_id: p.terminal_id,
        change_cursor: req.change_cursor,
        store_change_cursor: Number(rows[0].store_change_cursor),
        at: new Date().toISOString(),
      });
      return { ok: true };
    });

    // The old single-message snapshot, still answered for registers that do not page (4.5).
    handle(MSG.snapshot, snapshotRequestSchema, async () => db.transaction((tx) => storeSnapshot(tx, p.store_id)));
    handle(MSG.snapshotPage, snapshotPageRequestSchema, async (req) => storeSnapshotPage(db, p.store_id, req));
    handle(MSG.saleLookup, saleLookupRequestSchema, (req) => lookupSale(db, p.store_id, req));

    // Customers, points and gift cards (docs/loyalty.md). Requests carry personal data: log ids only.
    handle(MSG.cardLookup, cardLookupRequestSchema, (req) => lookupCard(db, req.gift_card_id));
    handle(MSG.tenderReserve, tenderReserveRequestSchema, async (req) => {
      const ack = await reserve(db, { store_id: p.store_id, terminal_id: p.terminal_id, currency: await storeCurrency(db, p.store_id) }, req);
      deps.afterReserve?.({ terminal_id: p.terminal_id, status: ack.ok ? ack.status : 'error' });
      return ack;
    });
    handle(MSG.tenderRelease, tenderReleaseRequestSchema, async (req) => ({
      ok: true,
      released: await release(db, { store_id: p.store_id, terminal_id: p.terminal_id }, req.sale_id, req.tender_id),
    }));
    handle(MSG.customerLookup, customerLookupRequestSchema, async (req) => ({ ok: true, customers: await lookupCustomers(db, req) }));
    // Register-reported totals (docs/sync-protocol.md 4.4b): compared with what the hub applied.
    handle(MSG.totalsReport, totalsReportRequestSchema, async (req) => {
      if (req.terminal_id !== p.terminal_id) throw new ForbiddenError(`totals.report: this credential is for terminal ${p.terminal_id}, not ${req.terminal_id}`);
      const verdict = await checkTotalsReport(db, { terminal_id: p.terminal_id, store_id: p.store_id }, req);
      publishAlerts(io, verdict.alerts);
      return verdict.ack;
    });
    // Register-reported status (docs/sync-protocol.md 4.4c): kept as the register's last word, shown to HQ.
    handle(MSG.statusReport, statusReportRequestSchema, async (req) => {
      if (req.terminal_id !== p.terminal_id) throw new ForbiddenError(`status.report: this credential is for terminal ${p.terminal_id}, not ${req.terminal_id}`);
      const { rows } = await db.query<{ at: Date }>(
        `UPDATE terminals SET reported_status = $2, reported_at = now() WHERE terminal_id = $1 RETURNING reported_at AS at`,
        [p.terminal_id, JSON.stringify(req)],
      );
      return { ok: true as const, received_at: new Date(rows[0]?.at ?? Date.now()).toISOString() };
    });
    handle(MSG.customerCreate, customerCreateRequestSchema, async (req) => ({ ok: true, ...(await createCustomer(db, { by: p.terminal_id, store_id: p.store_id }, req)) }));
  });
}

export class ForbiddenError extends Error {}
/** Too much work in flight (per terminal or per hub): retry after a backoff. */
export class BusyError extends Error {}
