import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { io as ioClient } from 'socket.io-client';
import { openDb, type Db } from '../db/db';
import { migrate } from '../db/migrate';
import { MSG, type JournalEvent } from '../../core/protocol';
import { checkInvariants, enrollRegister, seedStore } from './hub-fixture';
import { FaultProxy } from './fault-proxy';
import { randomSchema } from './test-db';
import { spawnHub, type ChildHub } from './spawn-hub';
import type { RegisterSim } from './register-sim';
import type { Loose } from './loose';

// The soak: registers sell continuously while faults are injected between them and the hub
// and into the hub itself, then every invariant the product promises is checked.
//
// Faults (seeded, so a failing run can be replayed):
//   cut        one register's connection reset mid-whatever (TCP proxy)
//   stall      one register's packets lost for 0.5–6 s, then resumed or cut
//   delay      one register's traffic 20–400 ms late for a while
//   restart    a register "killed": its link dropped without a goodbye, back after 0.1–1.5 s
//              with its journal (durable) and nothing else; unacked events are resent
//   resend     on its next session a register resends up to 20 events the hub already has
//   backend    every Postgres backend of the hub terminated (Postgres only)
//   hub_kill   the hub process SIGKILLed mid-ingest and started again (Postgres); on PGlite,
//              whose files a SIGKILL may leave unusable, a SIGTERM restart instead
// A register process killed with SIGKILL mid-commit is tested with the real register in
// tests/sync/kill9*.test.ts; here the registers are light clients so that many run at once.

export type FaultKind = 'cut' | 'stall' | 'delay' | 'restart' | 'resend' | 'backend' | 'hub_kill';

export interface SoakOptions {
  /** Real Postgres; without it the hub runs on PGlite in a temporary directory. */
  databaseUrl?: string;
  faults: number;
  /** Spread the faults over this long; default: one fault every 400 ms. */
  minutes?: number;
  registers?: number;
  stores?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  backend: 'pg' | 'pglite';
  elapsedMs: number;
  faults: Record<FaultKind, number>;
  faultsTotal: number;
  sales: number;
  appliedEvents: number;
  lost: number;
  doubled: number;
  rejected: number;
  ledgerEntries: number;
  balanced: boolean;
  stockMismatches: string[];
  caughtUp: boolean;
  hubRestarts: number;
  backendsTerminated: number;
  sessionErrors: Record<string, number>;
  drainMs: number;
}

const SKUS = ['A', 'B', 'C', 'D', 'E', 'F'];
const OPENING_UNITS = 1_000_000;
const PUSH_TIMEOUT_MS = 10_000; // the reference register's ack timeout (docs 4.2)
const CONNECT_TIMEOUT_MS = 8_000;
const MAX_BATCH = 100;
const MAX_HUB_KILLS_PER_MINUTE = 3;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class SoakRegister {
  synced = 0;
  resendNext = 0;
  downUntil = 0;
  stopped = false;
  private session = 0;

  constructor(
    readonly sim: RegisterSim,
    readonly proxy: FaultProxy,
    private readonly errors: Map<string, number>,
    private readonly rand: () => number,
  ) {}

  get head(): number {
    return this.sim.journal.length;
  }

  /** Killed: the link goes without a goodbye; nothing but the journal survives. */
  kill(downMs: number): void {
    this.session += 1;
    this.proxy.cut();
    this.sim.socket?.removeAllListeners();
    this.sim.socket?.io.engine?.close();
    this.sim.socket = null;
    this.downUntil = Date.now() + downMs;
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      if (Date.now() < this.downUntil) {
        await sleep(this.downUntil - Date.now());
        continue;
      }
      const session = ++this.session;
      if (process.env.SOAK_DEBUG) console.log('session', session, this.sim.terminalId);
      try {
        await this.sessionOnce(session);
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'transport';
        if (process.env.SOAK_DEBUG) console.log('session error', code, String(err).slice(0, 200), String((err as { description?: { message?: string } }).description?.message ?? (err as { description?: unknown }).description ?? ''));
        this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
      }
      this.sim.socket?.disconnect();
      this.sim.socket = null;
      if (!this.stopped) await sleep(30 + this.rand() * 300);
    }
  }

  private async sessionOnce(session: number): Promise<void> {
    const live = () => session === this.session && !this.stopped;
    const s = ioClient(this.proxy.url, { transports: ['websocket'], auth: { token: this.sim.token }, reconnection: false, forceNew: true, timeout: 4_000 });
    this.sim.socket = s;
    // The manager's timeout covers the transport only: a link cut or stalled before the
    // namespace handshake would otherwise leave this session waiting for ever.
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(Object.assign(new Error('connect timed out'), { code: 'connect' })), CONNECT_TIMEOUT_MS);
      s.once('connect', () => (clearTimeout(t), resolve()));
      s.once('connect_error', (err) => (clearTimeout(t), reject(Object.assign(err, { code: 'connect' }))));
      s.once('disconnect', () => (clearTimeout(t), reject(Object.assign(new Error('disconnected while connecting'), { code: 'connect' }))));
    });
    if (process.env.SOAK_DEBUG) console.log('connected', this.sim.terminalId);
    const hello: Loose = await s.timeout(PUSH_TIMEOUT_MS).emitWithAck(MSG.hello, { protocol: 1, terminal_id: this.sim.terminalId, app_version: 'soak', change_cursor: 0 });
    if (!hello.ok) throw Object.assign(new Error(hello.error.code), { code: hello.error.code });
    if (process.env.SOAK_DEBUG) console.log('hello', JSON.stringify(hello).slice(0, 200));
    let through: number = hello.applied_through;
    if (through > this.head) throw Object.assign(new Error('hub ahead of journal'), { code: 'DIVERGED' });
    this.synced = through; // the hub is the authority, even when its mark went down (docs 4.1)
    while (live()) {
      let from = through + 1;
      if (this.resendNext > 0 && through > 0) {
        from = Math.max(1, through - this.resendNext + 1);
        this.resendNext = 0;
      }
      if (from > this.head) {
        await sleep(25);
        if (!s.connected) throw Object.assign(new Error('disconnected'), { code: 'transport' });
        continue;
      }
      const batch: JournalEvent[] = this.sim.journal.slice(from - 1, Math.min(this.head, from - 1 + MAX_BATCH));
      const ack: Loose = await s.timeout(PUSH_TIMEOUT_MS).emitWithAck(MSG.pushEvents, { terminal_id: this.sim.terminalId, events: batch });
      if (!ack.ok) throw Object.assign(new Error(ack.error.code), { code: ack.error.code });
      if (ack.rejected.length) throw Object.assign(new Error(JSON.stringify(ack.rejected)), { code: `REJECTED:${ack.rejected[0].code}` });
      if (ack.applied_through > batch[batch.length - 1]!.seq) throw Object.assign(new Error('ack beyond batch'), { code: 'PROTOCOL' });
      if (ack.applied_through < through) throw Object.assign(new Error('mark went back'), { code: 'MARK_BACK' });
      through = ack.applied_through;
      this.synced = through;
    }
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rand = mulberry32(seed);
  const log = opts.log ?? (() => undefined);
  const debug = process.env.SOAK_DEBUG ? log : () => undefined;
  const registersN = opts.registers ?? 8;
  const storesN = opts.stores ?? 2;
  const paceMs = opts.minutes ? (opts.minutes * 60_000) / opts.faults : 400;
  const pgUrl = opts.databaseUrl;
  const schema = randomSchema();
  const appName = `tssoak_${schema}`;
  const dataDir = pgUrl ? undefined : mkdtempSync(path.join(tmpdir(), 'tillstream-soak-'));
  const hubDbUrl = pgUrl ? `${pgUrl}${pgUrl.includes('?') ? '&' : '?'}application_name=${appName}` : undefined;
  const openSetup = (): Promise<Db> => openDb(pgUrl ? { databaseUrl: pgUrl, schema } : { dataDir, schema });

  const opening: Record<string, Record<string, number>> = {};
  const sims: RegisterSim[] = [];
  {
    const db = await openSetup();
    try {
      await migrate(db);
      for (let s = 1; s <= storesN; s++) {
        const id = `SOAK-${s}`;
        opening[id] = Object.fromEntries(SKUS.map((k) => [k, OPENING_UNITS]));
        await seedStore(db, id, opening[id]!);
      }
      for (let r = 1; r <= registersN; r++) sims.push(await enrollRegister(db, `SOAK-${((r - 1) % storesN) + 1}`, `SOAK-T${r}`));
    } finally {
      await db.close();
    }
  }

  const hubOpts = pgUrl ? { databaseUrl: hubDbUrl, schema, shutdownGraceMs: 1000 } : { dataDir, schema, shutdownGraceMs: 1000 };
  debug('soak: setup done');
  let hub: ChildHub = await spawnHub(hubOpts);
  debug(`soak: hub at ${hub.url}`);
  const portOf = (h: ChildHub) => Number(new URL(h.url).port);
  const errors = new Map<string, number>();
  const regs: SoakRegister[] = [];
  for (const sim of sims) regs.push(new SoakRegister(sim, await FaultProxy.start(portOf(hub)), errors, rand));
  const admin = pgUrl ? new pg.Client({ connectionString: pgUrl }) : null;
  admin?.on('error', () => undefined);
  await admin?.connect();

  const faults: Record<FaultKind, number> = { cut: 0, stall: 0, delay: 0, restart: 0, resend: 0, backend: 0, hub_kill: 0 };
  let backendsTerminated = 0;
  let hubRestarts = 0;
  let lastHubKill = 0;
  let selling = true;
  const started = Date.now();

  // Each register sells at its own pace; its journal is the durable record.
  const sellers = regs.map(async (r) => {
    let n = 0;
    while (selling) {
      const items = [{ sku: SKUS[Math.floor(rand() * SKUS.length)]!, units: 1 + Math.floor(rand() * 3), unit_price: 100 + Math.floor(rand() * 900) }];
      r.sim.sell(items);
      n += 1;
      await sleep(20 + rand() * 180);
    }
    return n;
  });
  const runners = regs.map((r) => r.run());

  const restartHub = async (signal: 'SIGKILL' | 'SIGTERM') => {
    if (signal === 'SIGKILL') hub.proc.kill('SIGKILL');
    else await hub.stop();
    await hub.exited;
    hub = await spawnHub(hubOpts);
    for (const r of regs) r.proxy.setTarget(portOf(hub));
    hubRestarts += 1;
  };

  const pickKind = (): FaultKind => {
    const x = rand();
    const hubKillOk = Date.now() - lastHubKill > 60_000 / MAX_HUB_KILLS_PER_MINUTE;
    if (x < 0.03 && hubKillOk) return 'hub_kill';
    if (x < 0.12) return pgUrl ? 'backend' : 'cut';
    if (x < 0.35) return 'cut';
    if (x < 0.5) return 'stall';
    if (x < 0.65) return 'delay';
    if (x < 0.82) return 'restart';
    return 'resend';
  };

  try {
    for (let i = 0; i < opts.faults; i++) {
      await sleep(paceMs * (0.5 + rand()));
      const kind = pickKind();
      const r = regs[Math.floor(rand() * regs.length)]!;
      switch (kind) {
        case 'cut':
          r.proxy.cut();
          break;
        case 'stall': {
          const ms = 500 + rand() * 5_500;
          r.proxy.stall(ms);
          if (rand() < 0.5) setTimeout(() => r.proxy.cut(), ms).unref();
          break;
        }
        case 'delay':
          r.proxy.delay(20 + rand() * 380, 500 + rand() * 3_000);
          break;
        case 'restart':
          r.kill(100 + rand() * 1_400);
          break;
        case 'resend':
          r.resendNext = 1 + Math.floor(rand() * 20);
          r.proxy.cut();
          break;
        case 'backend': {
          const { rows } = await admin!.query<{ ok: boolean }>(
            `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`,
            [appName],
          );
          backendsTerminated += rows.filter((x) => x.ok).length;
          break;
        }
        case 'hub_kill':
          lastHubKill = Date.now();
          await restartHub(pgUrl ? 'SIGKILL' : 'SIGTERM');
          break;
      }
      faults[kind] += 1;
      debug(`soak: fault ${i + 1} ${kind} ${r.sim.terminalId}; heads ${regs.map((x) => `${x.synced}/${x.head}`).join(' ')}`);
      if ((i + 1) % 100 === 0) log(`soak: ${i + 1}/${opts.faults} faults, ${regs.reduce((s, x) => s + x.head, 0)} sales, ${hubRestarts} hub restarts`);
    }
  } finally {
    selling = false;
  }
  const sales = (await Promise.all(sellers)).reduce((a, b) => a + b, 0);

  // Heal everything and let every register drain: a bounded wait, then the verdict.
  const drainStart = Date.now();
  for (const r of regs) r.proxy.heal();
  const DRAIN_LIMIT_MS = 120_000;
  while (Date.now() - drainStart < DRAIN_LIMIT_MS && regs.some((r) => r.synced < r.head)) await sleep(100);
  const drainMs = Date.now() - drainStart;
  debug(`soak: errors ${JSON.stringify(Object.fromEntries(errors))}`);
  debug(`soak: drained in ${drainMs} ms; heads ${regs.map((x) => `${x.synced}/${x.head}`).join(' ')}`);
  const caughtUp = regs.every((r) => r.synced === r.head);
  for (const r of regs) r.stopped = true;
  for (const r of regs) r.kill(0);
  await Promise.all(runners);
  for (const r of regs) await r.proxy.close();
  await hub.stop();
  await admin?.end();

  const db = await openSetup();
  try {
    const per = await db.query<{ terminal_id: string; n: number; distinct_seq: number; max: number }>(
      `SELECT terminal_id, count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seq, coalesce(max(seq), 0)::int AS max FROM journal_events GROUP BY 1`,
    );
    const byTerminal = new Map(per.rows.map((x) => [x.terminal_id, x]));
    let lost = 0;
    let doubled = 0;
    let applied = 0;
    for (const r of regs) {
      const row = byTerminal.get(r.sim.terminalId);
      applied += row?.n ?? 0;
      lost += r.head - (row?.distinct_seq ?? 0);
      doubled += (row?.n ?? 0) - (row?.distinct_seq ?? 0);
    }
    const rejected = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM event_rejections`)).rows[0]!.n);
    const ledgerEntries = Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`)).rows[0]!.n);
    const inv = await checkInvariants(db, opening);
    return {
      seed,
      backend: pgUrl ? 'pg' : 'pglite',
      elapsedMs: Date.now() - started,
      faults,
      faultsTotal: Object.values(faults).reduce((a, b) => a + b, 0),
      sales,
      appliedEvents: applied,
      lost,
      doubled: doubled + inv.duplicates,
      rejected,
      ledgerEntries,
      balanced: inv.balanced,
      stockMismatches: inv.mismatches,
      caughtUp,
      hubRestarts,
      backendsTerminated,
      sessionErrors: Object.fromEntries(errors),
      drainMs,
    };
  } finally {
    if (pgUrl) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
