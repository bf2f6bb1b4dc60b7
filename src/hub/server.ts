import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient } from 'redis';
import pino, { type Logger } from 'pino';
import { MAX_FRAME_BYTES, useNativeSha256Hex } from '../core/protocol';
import { defaultChart } from '../core/ledger/default-charts';
import { loadChart } from '../core/ledger/chart';
import { openDb, type Db } from './db/db';
import { expireReservations } from './value/reservations';
import { migrate } from './db/migrate';
import { ensureBootstrapAdmin } from './auth';
import { hubConfigSchema, formatZodError, ConfigError, type HubConfigInput } from './config';
import { createHttpApp, mountRoutes } from './http';
import { readTlsMaterial, TlsConfigError, TlsReloader } from './tls/reload';
import { installSocketHandlers, noteInMemoryAdapter, publishAlerts, publishChanges, type SocketDeps } from './socket';
import { AuthThrottle, DEFAULT_THROTTLE, lockoutAlert, type ThrottleLimits } from './auth-throttle';
import { writeAlerts } from './alerts';
import { publishDueChanges } from './hq-changes';
import { expireHeldDeliveries } from './channels/deliver';
import { versionedProcessor } from './core-processor';
import { PostingMaps } from './books/posting-map';
import type { EventProcessor } from './processor';
import { SyncAuditLog, type SyncAuditRetention } from './integrity/audit-log';
import { runDueHistoryImport } from './books/history/schedule';
import type { HistoryProgress } from './books/history/run';

// Every event's chain hash by node:crypto (the same hex as core's TypeScript, proven by
// src/core/protocol/sha256-native.test.ts): the TypeScript hash was a fifth of ingest's CPU.
useNativeSha256Hex((text) => createHash('sha256').update(text, 'utf8').digest('hex'));

const AUDIT_PRUNE_EVERY_MS = 60_000;

export interface HubOptions extends HubConfigInput {
  /** Use this open database instead of opening one (it is not closed by close()). */
  db?: Db;
  /** Replace the core processor (tests only). */
  processor?: EventProcessor;
  logger?: Logger;
  /** Test hook, see SocketDeps.afterCommit. */
  afterCommit?: (info: { terminal_id: string; applied_through: number }) => void;
  /** Test hook, see SocketDeps.afterReserve. */
  afterReserve?: (info: { terminal_id: string; status: string }) => void;
  /** In-flight bounds of register pushes (tests; defaults in socket.ts). */
  limits?: SocketDeps['limits'];
  /** Failed-credential throttle limits (tests; defaults in auth-throttle.ts). */
  throttle?: Partial<ThrottleLimits>;
  /** Retention of the sync audit log (defaults in integrity/audit-log.ts: 10 000 rows per terminal, 30 days). */
  syncAuditRetention?: Partial<SyncAuditRetention>;
  /** The clock the scheduler reads off-peak windows of historical imports with (tests inject one). */
  clock?: () => Date;
  /** Test hook: after each committed batch of a historical import the hub runs. */
  afterHistoryBatch?: (p: HistoryProgress) => void;
}

export interface HubHandle {
  port: number;
  url: string;
  db: Db;
  io: Server;
  log: Logger;
  /** The Node HTTP(S) server that Fastify and socket.io share. */
  server: import('node:net').Server;
  /** With TLS: re-reads the certificate and key now (SIGHUP does this too); true if the server took a new pair. */
  reloadTls(): boolean;
  /** What registers pin for this hub (`sha256:<hex>`), or null without TLS. */
  tlsPin(): string | null;
  /** Every HTTP route (method and URL pattern), as registered. */
  routes(): Array<{ method: string; url: string }>;
  /** Stops accepting, lets in-flight batches finish (up to shutdownGraceMs), then closes sockets, Redis and the db. */
  close(): Promise<void>;
}

export async function startHub(options: HubOptions = {}): Promise<HubHandle> {
  const { db: givenDb, processor: givenProcessor, logger, afterCommit, afterReserve, limits, throttle, syncAuditRetention, clock, afterHistoryBatch, ...cfgInput } = options;
  const parsed = hubConfigSchema.safeParse(cfgInput);
  if (!parsed.success) throw new ConfigError(formatZodError(parsed.error, 'startHub: '));
  const cfg = parsed.data;
  const log = logger ?? pino({ level: cfg.logLevel, base: { svc: 'hub' } });

  const chart = typeof cfg.chart === 'string' ? defaultChart(cfg.chart) : loadChart(cfg.chart);
  // The configured chart is version 1 of the posting map; HQ saves later versions (books.md).
  const charts = new PostingMaps(chart);
  const processor = givenProcessor ?? versionedProcessor(charts);
  const db =
    givenDb ??
    (await openDb({
      databaseUrl: cfg.databaseUrl,
      dataDir: cfg.dataDir,
      schema: cfg.schema,
      onConnectionError: (err, where) => log.warn({ err: err.message, where }, 'database connection lost; the pool replaces it'),
    }));
  const cleanups: Array<() => Promise<void>> = [];
  if (!givenDb) cleanups.push(() => db.close());
  // What a start that fails half way (a port in use) must stop before the cleanups, or
  // socket.io and the scheduler keep a dead hub's process alive.
  const stopOnFailure: Array<() => Promise<void>> = [];
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
    if (cfg.adminToken) await ensureBootstrapAdmin(db, cfg.adminToken);
    // Version 1 of the posting map is the configured chart; a database that has versions keeps them.
    const map = await charts.current(db);
    if (map.version > 1 || JSON.stringify(map.chart.config) !== JSON.stringify(chart.config)) log.info({ version: map.version }, 'posting map: the database\'s current version is used, not the configured chart');

    let closing = false;
    const inflight = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>): Promise<T> => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
      return p;
    };

    // Lockouts are raised as alerts (folded per cause) and pushed to HQ; io is set just below.
    let ioRef: Server | null = null;
    const authThrottle = new AuthThrottle({ ...DEFAULT_THROTTLE, ...(throttle ?? {}) }, (notice) => {
      log.warn(notice, 'authentication lockout');
      writeAlerts(db, [lockoutAlert(notice)])
        .then((alerts) => ioRef && publishAlerts(ioRef, alerts))
        .catch((err) => log.error({ err }, 'lockout alert not stored'));
    });
    let tlsMaterial;
    try {
      tlsMaterial = cfg.tls ? readTlsMaterial(cfg.tls) : undefined;
    } catch (err) {
      throw err instanceof TlsConfigError ? new ConfigError(err.message) : err;
    }
    const app = await createHttpApp(
      { db, log, isClosing: () => closing, authGate: authThrottle, limits: { rateMax: cfg.httpRateLimit.max, rateWindowMs: cfg.httpRateLimit.windowMs } },
      { tls: tlsMaterial && { cert: tlsMaterial.cert, key: tlsMaterial.key, ...(tlsMaterial.ca ? { ca: tlsMaterial.ca } : {}) }, trustProxy: cfg.trustProxy },
    );
    const http = app.server;
    const tlsReloader = cfg.tls && tlsMaterial ? new TlsReloader(http as unknown as import('node:tls').Server, cfg.tls, tlsMaterial, log) : null;
    if (tlsReloader) {
      tlsReloader.start();
      stopOnFailure.unshift(async () => tlsReloader.close());
    }
    const tlsPin = (): string | null => tlsReloader?.pin ?? null;
    // socket.io attaches to Fastify's own Node server: engine.io takes /socket.io/ requests and
    // upgrades, and hands every other request to Fastify.
    const io = new Server(http, {
      // Above the per-message limit so an oversize message still reaches the handler and gets a
      // TOO_LARGE ack; a frame beyond it closes the connection (docs/security.md).
      maxHttpBufferSize: MAX_FRAME_BYTES,
      serveClient: true,
      cors: { origin: false },
    });
    ioRef = io;
    // The in-memory adapter, until a Redis one is attached below (publishJournal skips rooms
    // with nobody in them only while broadcasts are local).
    noteInMemoryAdapter(io);
    stopOnFailure.unshift(() => new Promise<void>((resolve) => io.close(() => resolve())));
    let attachAdapter: (() => void) | null = null;
    if (cfg.redisUrl) {
      // Named per process so an operator (and the fault test) can find this hub's connections.
      const client = createClient({ url: cfg.redisUrl, name: `tillstream-hub-${process.pid}` });
      client.on('error', (err) => log.error({ err }, 'redis error'));
      // Connected now, so a wrong REDIS_URL fails the start before the port is taken.
      await client.connect();
      attachAdapter = () => io.adapter(createAdapter(client, { streamName: cfg.redisStreamName }));
      cleanups.unshift(async () => {
        await client.quit().catch(() => undefined);
      });
    }
    const audit = new SyncAuditLog(db, { retention: syncAuditRetention, onError: (err) => log.warn({ err }, 'sync audit log could not be written') });
    // Written out before the database closes (cleanups run in order, the database last).
    cleanups.unshift(() => audit.close());
    let lastAuditPrune = 0;
    mountRoutes(app, { db, io, log, processor, charts, clock, isClosing: () => closing, track, tlsPin, updatesDir: cfg.updatesDir, authGate: authThrottle, audit, limits: { rateMax: cfg.httpRateLimit.max, rateWindowMs: cfg.httpRateLimit.windowMs } });
    installSocketHandlers({ io, db, log, processor, snapshotThreshold: cfg.snapshotThreshold, isClosing: () => closing, track, afterCommit, afterReserve, limits, authThrottle, audit });

    // Historical imports the hub runs (books.md, "Scheduled runs"): one at a time per hub, beside
    // the tick, not in it (a run lasts hours; the tick must keep publishing price changes). The
    // run is tracked, so close() waits for its batch and the job is left resumable.
    let historyRun: Promise<unknown> | null = null;
    const now = clock ?? (() => new Date());
    const startDueHistory = () => {
      if (historyRun || closing) return;
      historyRun = track(
        runDueHistoryImport(db, charts, {
          now,
          isClosing: () => closing,
          onProgress: afterHistoryBatch,
          onEvent: (e) => (e.event === 'failed' ? log.error(e, 'historical import failed') : log.info(e, `historical import ${e.event}`)),
        }),
      )
        .catch((err) => log.error({ err }, 'historical import scheduler failed'))
        .finally(() => (historyRun = null));
    };

    let schedulerBusy = false;
    const scheduler = setInterval(() => {
      startDueHistory();
      if (schedulerBusy || closing) return;
      schedulerBusy = true;
      track(publishDueChanges(db))
        .then((changes) => {
          if (changes.length) {
            publishChanges(io, changes);
            log.info({ changes: changes.length }, 'scheduled changes published');
          }
        })
        // Channel deliveries held for an order that never came (or was never paid) expire with an alert.
        .then(() => track(expireHeldDeliveries(db)))
        .then((alerts) => publishAlerts(io, alerts))
        // Reservations whose sale never came: released, with an alert.
        .then(() => track(expireReservations(db)))
        .then((alerts) => {
          if (alerts.length) {
            publishAlerts(io, alerts);
            log.warn({ expired: alerts.length }, 'gift card / points reservations expired');
          }
        })
        // The sync audit log's retention, once a minute.
        .then(async () => {
          if (Date.now() - lastAuditPrune < AUDIT_PRUNE_EVERY_MS) return;
          lastAuditPrune = Date.now();
          const pruned = await track(audit.prune());
          if (pruned) log.info({ pruned }, 'sync audit rows pruned');
        })
        .catch((err) => log.error({ err }, 'scheduler failed'))
        .finally(() => (schedulerBusy = false));
    }, cfg.schedulerIntervalMs);
    scheduler.unref();
    stopOnFailure.unshift(async () => {
      closing = true;
      clearInterval(scheduler);
    });

    await app.listen({ port: cfg.port, host: cfg.host, listenTextResolver: () => '' });
    // The Redis adapter is attached only once the port is ours: its duplicate clients subscribe
    // and poll in the background, and closing it while that subscription is still being set up
    // (a start that fails on a taken port) rejects a promise inside the library that nobody
    // handles. No socket has joined a room yet (joining needs a handshake and an authentication
    // round trip to the database, and this line runs right after listen resolves).
    attachAdapter?.();
    const port = (http.address() as AddressInfo).port;
    const url = `${cfg.tls ? 'https' : 'http'}://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${port}`;
    log.info({ url, db: db.kind, redis: !!cfg.redisUrl }, 'hub listening');

    let closed: Promise<void> | null = null;
    const close = () =>
      (closed ??= (async () => {
        closing = true;
        clearInterval(scheduler);
        tlsReloader?.close();
        // New connections and requests are refused from here on (see isClosing); live sockets stay
        // open until their batches are acked. http.close() is left to io.close(): on Node 20 it
        // would also drop upgraded websocket connections that look idle to the HTTP server.
        const deadline = Date.now() + cfg.shutdownGraceMs;
        while (inflight.size > 0 && Date.now() < deadline) {
          await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => setTimeout(r, 100))]);
        }
        if (inflight.size > 0) log.warn({ inflight: inflight.size }, 'shutdown grace expired with work in flight');
        await drainSockets(io, 2000);
        await new Promise<void>((resolve) => io.close(() => resolve()));
        // io.close() closed the Node server; this runs Fastify's onClose hooks.
        await app.close().catch(() => undefined);
        for (const c of cleanups) await c().catch((err) => log.error({ err }, 'cleanup failed'));
        log.info('hub stopped');
      })());
    return { port, url, db, io, log, close, server: http, routes: () => [...app.routeList], reloadTls: () => tlsReloader?.reload() ?? false, tlsPin };
  } catch (err) {
    for (const stop of stopOnFailure) await stop().catch(() => undefined);
    for (const c of cleanups) await c().catch(() => undefined);
    throw err;
  }
}

/**
 * Waits (bounded) until every engine.io connection has written out its buffered packets:
 * io.close() discards unsent packets, and the last acks of finished batches must not be lost.
 */
async function drainSockets(io: Server, timeoutMs: number): Promise<void> {
  type EngineSocket = { writeBuffer: unknown[]; transport?: { writable?: boolean }; readyState: string };
  const clients = (io.engine as unknown as { clients: Record<string, EngineSocket> }).clients;
  const deadline = Date.now() + timeoutMs;
  const busy = () => Object.values(clients).some((c) => c.readyState === 'open' && (c.writeBuffer.length > 0 || c.transport?.writable === false));
  while (busy() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
