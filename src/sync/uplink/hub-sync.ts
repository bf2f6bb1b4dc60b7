import { EventEmitter } from 'node:events';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import {
  MAX_CHANGES_PER_PULL,
  MAX_EVENTS_PER_BATCH,
  MAX_MESSAGE_BYTES,
  MAX_PUSHES_IN_FLIGHT,
  MSG,
  PROTOCOL_VERSION,
  SIGNATURE_ALG,
  alertSchema,
  changesPushSchema,
  signedBatchText,
  type BatchSignature,
  errorAck,
  helloAckSchema,
  MAX_HELLO_CASHIERS,
  pullChangesAckSchema,
  changesAppliedAckSchema,
  pushEventsAckSchema,
  snapshotAckSchema,
  snapshotPageAckSchema,
  HUB_CAPABILITIES,
  MAX_SNAPSHOT_PAGE_ITEMS,
  SNAPSHOT_SECTIONS,
  saleLookupAckSchema,
  totalsReportAckSchema,
  statusReportAckSchema,
  statusReportRequestSchema,
  STATUS_REPORT_INTERVAL_MS,
  type DeviceReport,
  totalsReportRequestSchema,
  TOTALS_REPORT_INTERVAL_MS,
  type Alert,
  type TotalsReport,
  type TotalsReportAck,
  type JournalEvent,
  type RejectedEvent,
  type StoreChange,
} from '../../core/protocol';
import type { ApplyChangesResult, Journal, SnapshotPageRequest } from '../journal/journal';
import { parseEventPayload, type SaleCompletedPayload, type SalePostVoidedPayload, type SaleRefundedPayload } from '../../core/events';
import { DEFAULT_BACKOFF, fullJitterDelay, type BackoffOptions } from './backoff';
import { journalTotalsReport } from './totals';
import { journalStatusReport } from './status';

// The register's link to the hub, for any runtime: the Electron register (SyncClient in
// sync-client.ts adds Node's TLS trust) and the handheld register in a browser worker (whose
// TLS is the browser's). Nothing here imports Node but the event emitter, which a browser
// bundle takes from the `events` package. Delivery is owned by the journal and the hub's mark, not
// by socket.io: on every connect the register says hello, learns "applied through N" and
// sends the events after N in bounded batches; it marks events synced only when the hub
// acks after its commit. A timeout or disconnect just ends the session; the next connect
// resumes from the hub's mark. The downlink applies store changes with the cursor advance
// in one SQLite transaction and pulls from the cursor on a gap or after a reconnect.

/** How the link reaches the hub on this runtime. */
export interface LinkTransport {
  /** Extra socket.io client options: the pinned CA on Node; none in a browser, whose trust is its own. */
  socketOptions: Record<string, unknown>;
  /** A connect error explained for store IT (a TLS failure), or null to use the plain message. */
  describeConnectError(err: Error): string | null;
}

export interface HubSyncOptions {
  journal: Journal;
  transport: LinkTransport;
  url: string;
  /** The register's own credential from enrollment (sent as auth: { token }). */
  token: string;
  appVersion: string;
  /** How often the monitor checks the link and the queue (per-store setting). Default 5 s. */
  monitorIntervalMs?: number;
  /** How long to wait for any ack before giving up on the session. Default 10 s. */
  ackTimeoutMs?: number;
  /** Handshake timeout. Default 5 s. */
  connectTimeoutMs?: number;
  /**
   * Check a connected link on every monitor tick with nothing to send: a `changes.pull` from
   * the cursor, whose ack must come within ackTimeoutMs (any store changes it returns are
   * applied as usual). A link that silently stopped carrying anything (a phone walking out of
   * Wi-Fi, a context set offline) is then given up within a tick plus the ack timeout, instead
   * of when the transport notices. Default false (a countertop register's link is a cable).
   */
  probeLink?: boolean;
  backoff?: BackoffOptions;
  /** Events per events.push (<= MAX_EVENTS_PER_BATCH). */
  batchSize?: number;
  /**
   * events.push messages sent and not yet answered while catching up (1..MAX_PUSHES_IN_FLIGHT,
   * the default): the hub works on the next batch while the one before is in its transaction
   * (docs/sync-protocol.md 4.2). 1 sends the next batch only after the ack of the one before.
   */
  pushesInFlight?: number;
  /** Rows per snapshot.page (<= MAX_SNAPSHOT_PAGE_ITEMS, the default). */
  snapshotPageItems?: number;
  random?: () => number;
  now?: () => number;
  /**
   * Signs a batch's text with the register's device key (uplink/device-key.ts): set when the
   * register enrolled a key, then every events.push carries its signature. A function, so
   * this client needs no Node crypto.
   */
  sign?: (text: string) => string;
  /**
   * The open shift's running totals to report to the hub every totalsIntervalMs while
   * connected (totals.report, docs/sync-protocol.md 4.4b). Default: folded from the journal
   * (journalTotalsReport); false sends none. A report the hub does not answer (an older hub)
   * changes nothing.
   */
  totals?: ((journal: Journal) => TotalsReport | null) | false;
  /** Default TOTALS_REPORT_INTERVAL_MS (30 s). */
  totalsIntervalMs?: number;
  /**
   * Report this register's status (status.report, docs/sync-protocol.md 4.4c: unsynced
   * events, open shift, app version, devices) after each hello and every statusIntervalMs
   * while connected. Default true; devices come from reportDevices().
   */
  statusReport?: boolean;
  /** Default STATUS_REPORT_INTERVAL_MS (15 s). */
  statusIntervalMs?: number;
  /**
   * The cashiers this register prints on receipts (id and name), sent in every hello so the
   * hub's copy of a receipt names them too (docs/sync-protocol.md 4.1). Never the PINs.
   */
  cashiers?: ReadonlyArray<{ cashier_id: string; name: string }>;
}

export type LinkState = 'stopped' | 'connecting' | 'connected' | 'waiting';

export interface SyncLinkStatus {
  state: LinkState;
  connected: boolean;
  /** Local journal head. */
  head: number;
  /** Hub's "applied through" for this register, as last acknowledged. */
  appliedThrough: number;
  unsyncedCount: number;
  oldestUnsyncedAt: string | null;
  oldestUnsyncedAgeMs: number | null;
  /** Permanent hub rejections a manager has not acknowledged yet. */
  rejectedCount: number;
  changeCursor: number;
  lastSyncedAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** When the next connection attempt is due (while waiting). */
  nextAttemptAt: string | null;
  /** A paged snapshot being taken: rows received of the hub's total (null: none). */
  snapshot: { received: number; total: number } | null;
}

export interface PriceChanged {
  /** The price changes just committed (empty with snapshot = true: re-read the whole price book). */
  changes: StoreChange[];
  snapshot: boolean;
}

export interface SyncClientEvents {
  status: [SyncLinkStatus];
  rejected: [RejectedEvent[]];
  changes: [StoreChange[]];
  'price-changed': [PriceChanged];
  snapshot: [{ cursor: number }];
  alert: [Alert];
  /** The hub's answer to a totals report (agree, differ or pending). */
  totals: [TotalsReportAck];
  error: [Error];
}

export class HubError extends Error {
  constructor(readonly code: string, message: string) {
    super(`hub refused: ${code}: ${message}`);
    this.name = 'HubError';
  }
}

interface Session {
  id: number;
  socket: Socket;
  ready: boolean;
  draining: Promise<void> | null;
  drainAgain: boolean;
  downlink: Promise<void>;
  /** A link probe is in flight. */
  probing?: boolean;
  /** What the hub said it answers beyond protocol 1's first form (hello ack). */
  capabilities?: readonly string[];
  /** The hub answered a pipelined push BUSY: one push in flight for the rest of the session (4.2). */
  pushOneAtATime?: boolean;
  /** A 'changes.applied' report is in flight / another is due after it. */
  reporting?: boolean;
  reportAgain?: boolean;
}

const MAX_PULLS_PER_CATCH_UP = 10_000;
const MAX_SNAPSHOT_PAGES = 100_000;

/** A page item as zod's z.record(z.string(), z.unknown()) takes it: a plain object, not an array. */
function isRecordItem(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * snapshotPageAckSchema as the register parses a page: the same acceptance, but the items are
 * checked in place, not copied one by one (z.record makes a new object of each of a page's
 * 5,000 items: a measured share of a snapshot, docs/performance.md). A `__proto__` key, which
 * z.record drops, is dropped here too.
 */
export const pageAckSchema = snapshotPageAckSchema.extend({
  items: z
    .custom<Record<string, unknown>[]>((v) => Array.isArray(v) && v.length <= MAX_SNAPSHOT_PAGE_ITEMS && v.every(isRecordItem), {
      message: `must be an array of at most ${MAX_SNAPSHOT_PAGE_ITEMS} objects`,
    })
    .transform((items) => (items.some((it) => Object.hasOwn(it, '__proto__')) ? items.map((it) => (Object.hasOwn(it, '__proto__') ? withoutProto(it) : it)) : items)),
});

function withoutProto(it: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(it)) if (k !== '__proto__') out[k] = it[k];
  return out;
}

const isBusy = (err: unknown): boolean => err instanceof HubError && err.code === 'BUSY';

const turn = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

function snapshotStatus(journal: Journal): SyncLinkStatus['snapshot'] {
  const p = journal.snapshotProgress();
  return p ? { received: p.received, total: p.total } : null;
}

export class HubSync extends EventEmitter<SyncClientEvents> {
  private readonly opts: Required<Omit<HubSyncOptions, 'journal' | 'transport' | 'sign'>> & { journal: Journal; sign?: (text: string) => string };
  private readonly transport: LinkTransport;
  private readonly journal: Journal;
  private running = false;
  private session: Session | null = null;
  private sessionSeq = 0;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private monitor: NodeJS.Timeout | null = null;
  private nextAttemptAt: number | null = null;
  private lastError: string | null = null;
  private lastErrorAt: string | null = null;
  private readonly onAppended = (): void => this.kick();
  private lastTotalsAt = 0;
  private reportingTotals = false;
  private lastStatusAt = 0;
  private reportingStatus = false;
  private devices: () => DeviceReport[] = () => [];

  constructor(opts: HubSyncOptions) {
    super();
    const batchSize = opts.batchSize ?? MAX_EVENTS_PER_BATCH;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_EVENTS_PER_BATCH) {
      throw new Error(`batchSize must be 1..${MAX_EVENTS_PER_BATCH}, got ${batchSize}`);
    }
    this.opts = {
      monitorIntervalMs: 5_000,
      ackTimeoutMs: 10_000,
      connectTimeoutMs: 5_000,
      probeLink: false,
      totals: journalTotalsReport,
      totalsIntervalMs: TOTALS_REPORT_INTERVAL_MS,
      statusReport: true,
      statusIntervalMs: STATUS_REPORT_INTERVAL_MS,
      cashiers: [],
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      now: Date.now,
      snapshotPageItems: MAX_SNAPSHOT_PAGE_ITEMS,
      pushesInFlight: MAX_PUSHES_IN_FLIGHT,
      ...opts,
      batchSize,
    };
    if (!(Number.isInteger(this.opts.pushesInFlight) && this.opts.pushesInFlight >= 1 && this.opts.pushesInFlight <= MAX_PUSHES_IN_FLIGHT)) {
      throw new Error(`pushesInFlight must be 1..${MAX_PUSHES_IN_FLIGHT}`);
    }
    if (!(Number.isInteger(this.opts.snapshotPageItems) && this.opts.snapshotPageItems >= 1 && this.opts.snapshotPageItems <= MAX_SNAPSHOT_PAGE_ITEMS)) {
      throw new Error(`snapshotPageItems must be 1..${MAX_SNAPSHOT_PAGE_ITEMS}`);
    }
    if (!(this.opts.monitorIntervalMs >= 10)) throw new Error('monitorIntervalMs must be >= 10');
    if (!(this.opts.totalsIntervalMs >= 10)) throw new Error('totalsIntervalMs must be >= 10');
    this.transport = opts.transport;
    this.journal = opts.journal;
    this.lastError = this.journal.syncState().lastError;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.journal.on('appended', this.onAppended);
    this.monitor = setInterval(() => this.tick(), this.opts.monitorIntervalMs);
    this.connect();
  }

  /** Closes the link. Journal state is untouched; start() resumes from the hub's mark. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.journal.off('appended', this.onAppended);
    if (this.monitor) clearInterval(this.monitor);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.monitor = null;
    this.retryTimer = null;
    this.nextAttemptAt = null;
    this.endSession();
    this.emitStatus();
  }

  /** Ask for a drain now (the journal's 'appended' event does this already). */
  /**
   * Asks the hub for a sale of this store by receipt number and what was already reversed of
   * it ('sale.lookup'). 'unavailable' when there is no live session or the hub cannot answer:
   * the caller decides what a return may do offline. Payloads are checked against core.
   */
  async lookupSale(receiptNo: string): Promise<
    | { status: 'found'; receipt_no: string; sale: SaleCompletedPayload; refunds: SaleRefundedPayload[]; post_void: SalePostVoidedPayload | null }
    | { status: 'not_found' }
    | { status: 'unavailable'; reason: string }
  > {
    const session = this.session;
    if (!session?.ready) return { status: 'unavailable', reason: 'not connected to the hub' };
    let ack;
    try {
      ack = await this.request(session, MSG.saleLookup, { receipt_no: receiptNo }, saleLookupAckSchema);
    } catch (err) {
      return { status: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
    if (!ack.found) return { status: 'not_found' };
    const sale = parseEventPayload('sale.completed', ack.sale);
    if (!sale.ok) return { status: 'unavailable', reason: `hub sent a sale that does not parse: ${sale.error}` };
    const refunds: SaleRefundedPayload[] = [];
    for (const r of ack.refunds) {
      const p = parseEventPayload('sale.refunded', r);
      if (!p.ok) return { status: 'unavailable', reason: `hub sent a refund that does not parse: ${p.error}` };
      refunds.push(p.payload);
    }
    const pv = ack.post_void === null ? null : parseEventPayload('sale.post_voided', ack.post_void);
    if (pv && !pv.ok) return { status: 'unavailable', reason: `hub sent a post-void that does not parse: ${pv.error}` };
    return { status: 'found', receipt_no: ack.receipt_no, sale: sale.payload, refunds, post_void: pv ? pv.payload : null };
  }

  /**
   * One request of the register protocol with its ack checked against `schema` (gift cards,
   * points, customers: docs/loyalty.md). 'unavailable' when there is no live session, the ack
   * times out or the hub answers an error: the caller applies its offline policy.
   */
  async ask<S extends z.ZodType>(name: string, body: unknown, schema: S): Promise<{ status: 'ok'; ack: z.infer<S> } | { status: 'unavailable'; reason: string }> {
    const session = this.session;
    if (!session?.ready) return { status: 'unavailable', reason: 'not connected to the hub' };
    try {
      return { status: 'ok', ack: await this.request(session, name, body, schema) };
    } catch (err) {
      return { status: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Subscribes to status, alerts and snapshots at once; returns the unsubscribe. */
  watch(w: { status?(): void; alert?(a: Alert): void; snapshot?(): void }): () => void {
    const status = () => w.status?.();
    const alert = (a: Alert) => w.alert?.(a);
    const snapshot = () => w.snapshot?.();
    this.on('status', status);
    this.on('alert', alert);
    this.on('snapshot', snapshot);
    return () => {
      this.off('status', status);
      this.off('alert', alert);
      this.off('snapshot', snapshot);
    };
  }

  kick(): void {
    const s = this.session;
    if (s?.ready) void this.drain(s);
    this.emitStatus();
  }

  get status(): SyncLinkStatus {
    const st = this.journal.syncState();
    const head = this.journal.head().seq;
    const un = this.journal.unsynced();
    const now = this.opts.now();
    const state: LinkState = !this.running ? 'stopped' : this.session?.ready ? 'connected' : this.session ? 'connecting' : 'waiting';
    return {
      state,
      connected: state === 'connected',
      head,
      appliedThrough: st.appliedThrough,
      unsyncedCount: un.count,
      oldestUnsyncedAt: un.oldestOccurredAt,
      oldestUnsyncedAgeMs: un.oldestOccurredAt ? Math.max(0, now - Date.parse(un.oldestOccurredAt)) : null,
      rejectedCount: this.journal.unacknowledgedRejectionCount(),
      changeCursor: st.changeCursor,
      lastSyncedAt: st.lastSyncedAt,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      nextAttemptAt: this.nextAttemptAt === null ? null : new Date(this.nextAttemptAt).toISOString(),
      snapshot: snapshotStatus(this.journal),
    };
  }

  private emitStatus(): void {
    try {
      this.emit('status', this.status);
    } catch {
      // A journal closed under us (shutdown) must not crash a timer.
    }
  }

  private tick(): void {
    if (!this.running) return;
    if (!this.session && !this.retryTimer) this.connect();
    else if (this.session?.ready && this.journal.unsynced().count > 0) void this.drain(this.session);
    else if (this.session?.ready && this.opts.probeLink && !this.session.probing) this.probe(this.session);
    if (this.session?.ready) this.reportTotals(this.session);
    if (this.session?.ready) this.reportStatus(this.session);
    this.emitStatus();
  }

  /** Where the status report's devices come from (the register engine's device set). */
  reportDevices(fn: () => DeviceReport[]): void {
    this.devices = fn;
  }

  /** Sends this register's status when the interval has passed or the session is new (status.report). */
  private reportStatus(session: Session, force = false): void {
    if (!this.opts.statusReport || this.reportingStatus) return;
    const now = this.opts.now();
    if (!force && now - this.lastStatusAt < this.opts.statusIntervalMs) return;
    this.lastStatusAt = now;
    let report;
    try {
      report = journalStatusReport(this.journal, this.opts.appVersion, this.devices());
    } catch {
      return; // a journal closed under us (shutdown), or a device set that failed to answer
    }
    if (!statusReportRequestSchema.safeParse(report).success) return;
    this.reportingStatus = true;
    this.request(session, MSG.statusReport, report, statusReportAckSchema)
      // Informative: a refusal or an older hub that does not know the message ends nothing.
      .catch(() => undefined)
      .finally(() => {
        this.reportingStatus = false;
      });
  }

  /** Sends the open shift's totals when the interval has passed (totals.report). */
  private reportTotals(session: Session): void {
    const provider = this.opts.totals;
    if (provider === false || this.reportingTotals) return;
    const now = this.opts.now();
    if (now - this.lastTotalsAt < this.opts.totalsIntervalMs) return;
    this.lastTotalsAt = now;
    let report: TotalsReport | null;
    try {
      report = provider(this.journal);
    } catch {
      return; // a journal closed under us (shutdown)
    }
    if (report === null || !totalsReportRequestSchema.safeParse(report).success) return;
    this.reportingTotals = true;
    this.request(session, MSG.totalsReport, report, totalsReportAckSchema)
      .then((ack) => this.emit('totals', ack))
      // Informative: a refusal or a hub that does not know the message ends nothing.
      .catch(() => undefined)
      .finally(() => {
        this.reportingTotals = false;
      });
  }

  /** One pull from the cursor as a liveness check (probeLink); a missing ack ends the session. */
  private probe(session: Session): void {
    session.probing = true;
    this.enqueueDownlink(session, async () => {
      try {
        await this.catchUp(session, false, null);
      } finally {
        session.probing = false;
      }
    });
  }

  private fail(err: unknown, session: Session | null): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.lastError = e.message;
    this.lastErrorAt = new Date(this.opts.now()).toISOString();
    try {
      this.journal.recordError(e.message);
    } catch {
      // journal closed during shutdown
    }
    if (this.listenerCount('error') > 0) this.emit('error', e);
    if (session && session === this.session) {
      this.endSession();
      this.scheduleRetry();
    }
    this.emitStatus();
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    const delay = fullJitterDelay(this.attempt, this.opts.backoff, this.opts.random);
    this.attempt += 1;
    this.nextAttemptAt = this.opts.now() + delay;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.nextAttemptAt = null;
      this.connect();
    }, delay);
  }

  private endSession(): void {
    const s = this.session;
    if (!s) return;
    this.session = null;
    s.socket.removeAllListeners();
    s.socket.io.removeAllListeners();
    s.socket.disconnect();
  }

  private connect(): void {
    if (!this.running || this.session) return;
    const socket = io(this.opts.url, {
      transports: ['websocket'],
      auth: { token: this.opts.token },
      reconnection: false, // we reconnect ourselves, with full jitter
      forceNew: true,
      timeout: this.opts.connectTimeoutMs,
      ...this.transport.socketOptions,
    });
    const session: Session = { id: ++this.sessionSeq, socket, ready: false, draining: null, drainAgain: false, downlink: Promise.resolve() };
    this.session = session;
    socket.on('connect', () => void this.onConnect(session));
    socket.on('connect_error', (err) =>
      this.fail(
        new Error(
          this.transport.describeConnectError(err) ??
            (err.message === 'UNAUTHORIZED'
              ? "the hub refused this register's credential (UNAUTHORIZED): it was revoked, the terminal replaced by another device or enrolled again; export what this register did not sync with `tillstream journal export`"
              : `cannot connect to hub: ${err.message}`),
        ),
        session,
      ),
    );
    socket.on('disconnect', (reason) => this.fail(new Error(`disconnected from hub: ${reason}`), session));
    socket.on(MSG.changes, (msg: unknown) => this.onChangesPush(session, msg));
    socket.on(MSG.alert, (msg: unknown) => {
      const a = alertSchema.safeParse(msg);
      if (a.success) this.emit('alert', a.data);
    });
    this.emitStatus();
  }

  private request<S extends z.ZodType>(session: Session, name: string, payload: unknown, schema: S): Promise<z.infer<S>> {
    return new Promise((resolve, reject) => {
      if (session !== this.session) return reject(new Error('session ended'));
      const socket = session.socket;
      // Never let socket.io buffer a request for a later connection: delivery is ours.
      if (!socket.connected) return reject(new Error(`${name}: not connected`));
      const onDisconnect = (): void => reject(new Error(`${name}: disconnected before the ack`));
      socket.once('disconnect', onDisconnect);
      socket.timeout(this.opts.ackTimeoutMs).emit(name, payload, (err: Error | null, res: unknown) => {
        socket.off('disconnect', onDisconnect);
        if (err) return reject(new Error(`${name}: no ack within ${this.opts.ackTimeoutMs} ms`));
        const refused = errorAck.safeParse(res);
        if (refused.success) return reject(new HubError(refused.data.error.code, refused.data.error.message));
        const parsed = schema.safeParse(res);
        if (!parsed.success) {
          return reject(new Error(`${name}: malformed ack: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
        }
        resolve(parsed.data);
      });
    });
  }

  private async onConnect(session: Session): Promise<void> {
    try {
      const { changeCursor } = this.journal.syncState();
      const hello = await this.request(session, MSG.hello, {
        protocol: PROTOCOL_VERSION,
        terminal_id: this.journal.terminalId,
        app_version: this.opts.appVersion.slice(0, 64),
        change_cursor: changeCursor,
        ...(this.opts.cashiers.length ? { cashiers: this.opts.cashiers.slice(0, MAX_HELLO_CASHIERS).map((c) => ({ cashier_id: c.cashier_id, name: c.name.slice(0, 64) })) } : {}),
      }, helloAckSchema);
      if (session !== this.session) return;
      if (hello.store_id !== this.journal.storeId) {
        throw new Error(`hub says this register is in store ${hello.store_id}, the journal says ${this.journal.storeId}`);
      }
      if (hello.applied_through > 0) {
        const ours = this.journal.hashAt(hello.applied_through);
        if (ours === null && this.journal.isNew()) {
          throw new Error(`hub has applied through seq ${hello.applied_through} for ${this.journal.terminalId} and this register's journal is new: a replacement device must be enrolled with a replacement code, then it takes over the chain`);
        }
        if (ours === null) throw new Error(`hub has applied through seq ${hello.applied_through}, beyond this register's journal (head ${this.journal.head().seq}): restored or replaced database?`);
        if (hello.applied_hash !== null && hello.applied_hash !== ours) {
          throw new Error(`chain diverged: hub's event ${hello.applied_through} hashes to ${hello.applied_hash}, ours to ${ours}`);
        }
      }
      this.journal.recordHubMark(hello.applied_through);
      session.ready = true;
      this.lastError = null;
      this.journal.recordError(null);
      this.emitStatus();
      this.reportStatus(session, true);
      session.capabilities = hello.capabilities ?? [];
      // Downlink catch-up runs beside the uplink drain; each is serialised on its own. A paged
      // snapshot cut short is finished first, whatever hello says: the projections are only
      // whole again, and the cursor right, after its last page.
      const resume = this.journal.snapshotProgress() !== null;
      this.enqueueDownlink(session, () => this.catchUp(session, hello.snapshot_required || resume, hello.latest_change_cursor));
      await this.drain(session);
      // Back to the shortest backoff only once a session has done its work: a hub that
      // accepts hello but fails every push keeps its registers at a growing distance.
      if (session === this.session) this.attempt = 0;
    } catch (err) {
      this.fail(err, session);
    }
  }

  /** Sends every event after the hub's mark in bounded batches (drainOnce), serialised per session. */
  private drain(session: Session): Promise<void> {
    if (session.draining) {
      session.drainAgain = true;
      return session.draining;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          session.drainAgain = false;
          await this.drainOnce(session);
        } while (session.drainAgain && session === this.session);
      } catch (err) {
        this.fail(err, session);
      } finally {
        session.draining = null;
      }
    };
    session.draining = run();
    return session.draining;
  }

  /**
   * One pass sends batches from the hub's mark, each right after the one before, with up to
   * pushesInFlight unanswered (4.2), and reads their acks in the order it sent them. An ack
   * short of its batch's end (the hub applied it partly, or found a gap) ends the sending: the
   * batches behind it are answered with the mark, having changed nothing; once they are, the
   * next pass starts from the mark. A batch sent behind another and answered BUSY changed
   * nothing either: it ends the sending the same way, and the session sends one batch at a
   * time from then on. Any other error, a BUSY of a batch sent alone, a timeout or a
   * disconnect throws (the session ends; batches still in flight are dropped unread, and the
   * next hello says what the hub has).
   */
  private async drainOnce(session: Session): Promise<void> {
    const head = this.journal.head().seq;
    // Bounded: each pass either advances the mark or throws.
    for (let pass = 0; pass <= head; pass++) {
      if (session !== this.session || !session.ready) return;
      const { appliedThrough } = this.journal.syncState();
      /** `behind`: sent while another push was unanswered (pipelined). */
      const inFlight: Array<{ last: number; behind: boolean; ack: Promise<z.infer<typeof pushEventsAckSchema>> }> = [];
      let sentThrough = appliedThrough;
      let short = false;
      // A hub that does not say it takes pipelined pushes (one before push.pipeline) reads a
      // batch sent behind another against the mark it had on arrival: one in flight there.
      const pipelines = session.capabilities?.includes(HUB_CAPABILITIES.pushPipeline) ?? false;
      const most = (): number => (pipelines && !session.pushOneAtATime ? this.opts.pushesInFlight : 1);
      const send = (): void => {
        while (!short && inFlight.length < most()) {
          const batch = this.boundedBatch(this.journal.eventsAfter(sentThrough, this.opts.batchSize));
          if (batch.length === 0) return;
          const ack = this.request(session, MSG.pushEvents, { terminal_id: this.journal.terminalId, events: batch, ...this.signatureOf(batch) }, pushEventsAckSchema);
          const behind = inFlight.length > 0;
          // Read in order below; one behind a failed batch is never read. A pipelined batch
          // answered BUSY (often before the answer of the one ahead) stops new sends at once.
          ack.catch((err: unknown) => {
            if (behind && isBusy(err)) session.pushOneAtATime = true;
          });
          sentThrough = batch[batch.length - 1]!.seq;
          inFlight.push({ last: sentThrough, behind, ack });
        }
      };
      send();
      if (inFlight.length === 0) return;
      while (inFlight.length > 0) {
        const { last, behind, ack: pending } = inFlight.shift()!;
        let ack: z.infer<typeof pushEventsAckSchema>;
        try {
          ack = await pending;
        } catch (err) {
          // Every ack before this one was read and recorded. A pipelined batch answered BUSY
          // was refused on arrival, changing nothing: like a short ack, send nothing more this
          // pass, read the acks still in flight, and go on from the mark one batch at a time
          // (the hub is at a bound; one in flight is always correct).
          if (!(behind && isBusy(err)) || session !== this.session) throw err;
          session.pushOneAtATime = true;
          short = true;
          continue;
        }
        if (session !== this.session) return;
        if (ack.applied_through > last) throw new Error(`hub acked applied_through ${ack.applied_through} beyond the batch end ${last}`);
        // Never beyond what this ack says: the mark is the hub's word for this batch.
        this.journal.recordHubMark(ack.applied_through, ack.rejected);
        if (ack.rejected.length > 0) this.emit('rejected', ack.rejected);
        this.emitStatus();
        if (ack.applied_through < last) short = true;
        send();
      }
      if (!short) return;
      const now = this.journal.syncState().appliedThrough;
      if (now <= appliedThrough) throw new Error(`hub made no progress on events after ${appliedThrough} (acked ${now})`);
    }
  }

  /** The batch's device signature (docs/sync-protocol.md 4.2a), when this register has a key. */
  private signatureOf(batch: JournalEvent[]): { signature?: BatchSignature } {
    if (!this.opts.sign) return {};
    const first = batch[0]!.seq;
    const last = batch[batch.length - 1]!;
    const sig = this.opts.sign(signedBatchText(this.journal.terminalId, first, last.seq, last.hash));
    return { signature: { alg: SIGNATURE_ALG, first_seq: first, last_seq: last.seq, head_hash: last.hash, sig } };
  }

  /** Keeps a batch under half the message bound (the rest is envelope and headroom). */
  private boundedBatch(events: JournalEvent[]): JournalEvent[] {
    let bytes = 0;
    const out: JournalEvent[] = [];
    for (const e of events) {
      bytes += JSON.stringify(e).length;
      if (out.length > 0 && bytes > MAX_MESSAGE_BYTES / 2) break;
      out.push(e);
    }
    return out;
  }

  // ---- downlink ----

  private enqueueDownlink(session: Session, job: () => Promise<void>): void {
    session.downlink = session.downlink.then(async () => {
      if (session !== this.session) return;
      try {
        await job();
      } catch (err) {
        this.fail(err, session);
      }
    });
  }

  private onChangesPush(session: Session, msg: unknown): void {
    const parsed = changesPushSchema.safeParse(msg);
    if (!parsed.success || parsed.data.store_id !== this.journal.storeId) return; // not ours / malformed: the pull will fix any gap
    this.enqueueDownlink(session, async () => {
      if (!session.ready) return; // catch-up after hello will pull these
      const r = this.journal.applyChanges(parsed.data.changes);
      this.announce(session, r);
      if (r.gap) await this.catchUp(session, false, null);
    });
  }

  private async catchUp(session: Session, snapshotRequired: boolean, latest: number | null): Promise<void> {
    if (snapshotRequired) await this.takeSnapshot(session);
    for (let i = 0; i < MAX_PULLS_PER_CATCH_UP; i++) {
      if (session !== this.session) return;
      const cursor = this.journal.syncState().changeCursor;
      if (latest !== null && cursor >= latest) return;
      const ack = await this.request(session, MSG.pullChanges, { after_cursor: cursor, limit: MAX_CHANGES_PER_PULL }, pullChangesAckSchema);
      if (session !== this.session) return;
      if (ack.snapshot_required) {
        await this.takeSnapshot(session);
        continue;
      }
      const r = this.journal.applyChanges(ack.changes);
      this.announce(session, r);
      if (r.gap) throw new Error(`changes.pull after ${cursor} returned a non-contiguous page`);
      latest = ack.latest_change_cursor;
      if (ack.changes.length === 0 || r.cursor >= latest) return;
    }
    throw new Error(`still behind after ${MAX_PULLS_PER_CATCH_UP} pulls`);
  }

  private async takeSnapshot(session: Session): Promise<void> {
    if (session.capabilities?.includes(HUB_CAPABILITIES.snapshotPage)) {
      if (!(await this.takePagedSnapshot(session))) return;
    } else {
      // An older hub: the whole snapshot in one message (4.5); a paged one cut short is dropped.
      this.journal.abandonSnapshot();
      const snap = await this.request(session, MSG.snapshot, {}, snapshotAckSchema);
      if (session !== this.session) return;
      this.journal.applySnapshot(snap);
    }
    this.reportApplied(session);
    this.emit('snapshot', { cursor: this.journal.syncState().changeCursor });
    this.emit('price-changed', { changes: [], snapshot: true });
    this.emitStatus();
  }

  /**
   * The snapshot in bounded pages (docs/sync-protocol.md 4.5b), from where the journal's
   * progress says (a cut or a restart resumes there). One page is asked for ahead while the
   * one before is written, so the hub's reading and the register's writing overlap; at most
   * two pages are in memory. Each page commits with the progress. False: the session ended.
   */
  private async takePagedSnapshot(session: Session): Promise<boolean> {
    const first = (): SnapshotPageRequest => ({ section: SNAPSHOT_SECTIONS[0], after: '', limit: this.opts.snapshotPageItems });
    const prog = this.journal.snapshotProgress();
    let req: SnapshotPageRequest = prog ? { section: prog.section, after: prog.after, limit: this.opts.snapshotPageItems } : first();
    const ask = (r: SnapshotPageRequest) => {
      const p = this.request(session, MSG.snapshotPage, r, pageAckSchema);
      p.catch(() => undefined); // awaited below; a page asked ahead may be dropped unread
      return p;
    };
    let pending = ask(req);
    this.emitStatus();
    // Bounded: a 1,000,000-SKU store is about 800 pages of 5,000 (prices, stock, catalog).
    for (let pages = 0; pages < MAX_SNAPSHOT_PAGES; pages++) {
      const page = await pending;
      if (session !== this.session) return false;
      const next: SnapshotPageRequest | null = page.next ? { section: page.next.section, after: page.next.after, limit: this.opts.snapshotPageItems } : null;
      if (next) {
        pending = ask(next);
        // Two turns of the event loop before the page's write (a long synchronous task): the
        // request just asked reaches a hub that shares this thread (tests, the bench) and its
        // read starts, so the hub's database works while this page is written.
        await turn();
        await turn();
        if (session !== this.session) return false;
      }
      const r = this.journal.applySnapshotPage(req, page);
      if (r === 'restart') {
        req = first();
        pending = ask(req);
        continue;
      }
      this.emitStatus();
      if (r === 'done') return true;
      req = next!;
    }
    throw new Error(`snapshot not finished after ${MAX_SNAPSHOT_PAGES} pages`);
  }

  /**
   * Tells the hub the last store change applied ('changes.applied'), for HQ's propagation
   * view. Informative and fire-and-forget: one report in flight per session, the latest
   * cursor sent once it is answered; a refusal or timeout changes nothing here.
   */
  private reportApplied(session: Session): void {
    const st = session;
    if (st.reporting) {
      st.reportAgain = true;
      return;
    }
    st.reporting = true;
    const cursor = this.journal.syncState().changeCursor;
    this.request(session, MSG.changesApplied, { change_cursor: cursor }, changesAppliedAckSchema)
      .catch(() => undefined)
      .finally(() => {
        st.reporting = false;
        if (st.reportAgain && session === this.session) {
          st.reportAgain = false;
          this.reportApplied(session);
        }
      });
  }

  private announce(session: Session, r: ApplyChangesResult): void {
    if (r.applied.length === 0) return;
    this.reportApplied(session);
    this.emit('changes', r.applied);
    const prices = r.applied.filter((c) => c.kind === 'price' || c.kind === 'promotion');
    if (prices.length > 0) this.emit('price-changed', { changes: prices, snapshot: false });
    this.emitStatus();
  }
}
