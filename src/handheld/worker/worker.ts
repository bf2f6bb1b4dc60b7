import sqlite3InitModule, { type Sqlite3Static } from '@sqlite.org/sqlite-wasm';
import { z } from 'zod';
import { dispatch, type CommandName } from '../../core/register-api';
import { Journal, initJournalDatabase } from '../../sync/journal/journal';
import { HubSync } from '../../sync/uplink/hub-sync';
import type { RegisterConfig } from '../../main/register/config';
import { hashPinWith, noblePinScrypt, purePinCheck } from '../../main/register/pin-check';
import { receiptText } from '../../core/receipt';
import { RegisterService } from '../../main/register/service';
import { pageRequestSchema, type DeviceView, type LinkView, type PageRequest, type WorkerMessage } from '../messages';
import { HandheldDevices } from './devices';
import { WasmSqlDb } from './wasm-sql';

// The handheld register: the countertop register's engine (RegisterService), journal
// (Journal, the same migrations, triggers and hash chain) and uplink (HubSync), composed in a
// dedicated worker. The worker is where OPFS gives synchronous file access
// (FileSystemSyncAccessHandle, through SQLite's opfs-sahpool VFS), so a sale is committed
// and flushed to the device's storage before the page is told "done", exactly as on the
// countertop. Nothing here is a second implementation of selling or syncing.

/** The dedicated worker's scope (the project's TypeScript lib is the DOM's). */
const scope = self as unknown as { postMessage(m: unknown): void; onmessage: ((ev: MessageEvent) => void) | null; location: Location; crypto: Crypto };

const APP_VERSION = '0.1.0-handheld';
/** How often the link and the queue are checked (ms); the page may ask for a shorter one (tests). */
const DEFAULT_MONITOR_MS = 3000;
const VFS_DIRECTORY = '.tillstream-handheld';

const enrollmentSchema = z.object({
  hub_url: z.string().url(),
  token: z.string().min(1).max(512),
  store_id: z.string().min(1).max(64),
  terminal_id: z.string().min(1).max(64),
  store_name: z.string().min(1).max(64),
  currency: z.string().regex(/^[A-Z]{3}$/),
  cashiers: z.array(z.object({ cashier_id: z.string(), name: z.string(), role: z.enum(['cashier', 'manager']), pin_hash: z.string() })).min(1).max(50),
  enrolled_at: z.string(),
});
type Enrollment = z.infer<typeof enrollmentSchema>;

const enrollReplySchema = z.object({
  token: z.string().min(1).max(512),
  store_id: z.string().min(1).max(64),
  terminal_id: z.string().min(1).max(64),
  replacement: z.boolean().optional(),
  store_name: z.string().min(1).max(200).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
});

function post(m: WorkerMessage): void {
  scope.postMessage(m);
}

interface Running {
  enrollment: Enrollment;
  journal: Journal;
  sync: HubSync;
  service: RegisterService;
  devices: HandheldDevices;
}

let sqlite3: Sqlite3Static | null = null;
let pool: Awaited<ReturnType<Sqlite3Static['installOpfsSAHPoolVfs']>> | null = null;
let deviceDb: WasmSqlDb | null = null;
let running: Running | null = null;
let monitorMs = DEFAULT_MONITOR_MS;

async function storage(): Promise<{ sqlite3: Sqlite3Static; pool: NonNullable<typeof pool>; deviceDb: WasmSqlDb }> {
  if (sqlite3 && pool && deviceDb) return { sqlite3, pool, deviceDb };
  sqlite3 = await sqlite3InitModule();
  // opfs-sahpool: synchronous access handles, no SharedArrayBuffer (no cross-origin isolation
  // needed); one tab at a time holds the pool, which is what a register wants anyway.
  pool = await sqlite3.installOpfsSAHPoolVfs({ directory: VFS_DIRECTORY, initialCapacity: 8 });
  deviceDb = openDb('/device.sqlite');
  deviceDb.exec('CREATE TABLE IF NOT EXISTS device (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  return { sqlite3, pool, deviceDb };
}

function openDb(name: string): WasmSqlDb {
  const db = new pool!.OpfsSAHPoolDb(name);
  // A commit is flushed to the access handle before it returns (the VFS's xSync); rollback
  // journal, since this VFS has no shared memory for WAL.
  db.exec('PRAGMA journal_mode = TRUNCATE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;');
  return new WasmSqlDb(sqlite3!, db);
}

function readEnrollment(db: WasmSqlDb): Enrollment | null {
  const r = db.prepare("SELECT value FROM device WHERE key = 'enrollment'").get() as { value: string } | undefined;
  if (!r) return null;
  const p = enrollmentSchema.safeParse(JSON.parse(r.value));
  if (!p.success) throw new Error(`this device's enrollment record does not parse: ${p.error.message}`);
  return p.data;
}

function configFor(e: Enrollment): RegisterConfig {
  return {
    terminal_id: e.terminal_id,
    store_id: e.store_id,
    store_name: e.store_name.slice(0, 64),
    store_lines: [],
    currency: e.currency,
    locale: 'en-US',
    language: 'en',
    journal_path: journalName(e),
    hub: { url: e.hub_url, token: e.token },
    cashiers: e.cashiers,
    discount_limit_pct: 10,
    cash_quick_amounts: [500, 1000, 2000, 5000],
    no_receipt_return_limit: 0,
    void_line_needs_manager: true,
    device_config: null,
    card_processor: 'separate',
    app_version: APP_VERSION,
  };
}

function journalName(e: Enrollment): string {
  return `/journal-${e.store_id}-${e.terminal_id}.sqlite`;
}

function linkView(r: Running): LinkView {
  const s = r.sync.status;
  return {
    state: s.state,
    unsynced: s.unsyncedCount,
    oldest_unsynced_at: s.oldestUnsyncedAt,
    head: s.head,
    applied_through: s.appliedThrough,
    change_cursor: s.changeCursor,
    last_error: s.lastError,
    checked_at: new Date().toISOString(),
  };
}

async function start(e: Enrollment): Promise<Running> {
  const db = openDb(journalName(e));
  initJournalDatabase(db, e.terminal_id, e.store_id, journalName(e));
  const journal = new Journal(db, `opfs:${journalName(e)}`, e.terminal_id, e.store_id, () => new Date());
  const sync = new HubSync({
    journal,
    url: e.hub_url,
    token: e.token,
    // The browser owns TLS (the page and the hub share an origin); nothing to add.
    transport: { socketOptions: {}, describeConnectError: () => null },
    appVersion: APP_VERSION,
    cashiers: e.cashiers.map((c) => ({ cashier_id: c.cashier_id, name: c.name })),
    monitorIntervalMs: monitorMs,
    // A phone on shop Wi-Fi: a link that stops answering is given up quickly and retried.
    ackTimeoutMs: 4000,
    connectTimeoutMs: 3000,
    backoff: { baseMs: 250, maxMs: 3000 },
    probeLink: true,
  });
  const devices = new HandheldDevices({ receipt: (doc) => post({ push: 'receipt', receipt: doc, text: receiptText(doc) }) });
  const service = new RegisterService({ config: configFor(e), journal, devices, sync, pins: purePinCheck });
  service.subscribe((stream, data) => post({ push: 'stream', stream, data }));
  const r: Running = { enrollment: e, journal, sync, service, devices };
  sync.on('status', () => post({ push: 'link', link: linkView(r) }));
  sync.start();
  return r;
}

function deviceView(e: Enrollment | null): DeviceView {
  return { enrolled: !!e, terminal_id: e?.terminal_id ?? null, store_id: e?.store_id ?? null, store_name: e?.store_name ?? null, currency: e?.currency ?? null, storage: 'opfs-sahpool' };
}

async function enroll(code: string, cashier: { cashier_id: string; name: string; pin: string }): Promise<DeviceView> {
  const { deviceDb: db } = await storage();
  if (readEnrollment(db)) throw Object.assign(new Error('this device is already enrolled'), { code: 'ALREADY_ENROLLED' });
  const hubUrl = scope.location.origin;
  const res = await fetch(`${hubUrl}/api/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: code.trim().toUpperCase() }) });
  const body: unknown = await res.json().catch(() => null);
  if (res.status !== 201 && res.status !== 200) {
    const msg = (body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
    throw Object.assign(new Error(`the hub refused the enrollment code: ${msg}`), { code: 'ENROLL_REFUSED' });
  }
  const reply = enrollReplySchema.parse(body);
  if (reply.replacement) throw Object.assign(new Error('a replacement code takes over a countertop register’s chain; enroll a handheld with a new terminal’s code'), { code: 'ENROLL_REFUSED' });
  if (!reply.currency || !reply.store_name) throw Object.assign(new Error('the hub did not say the store’s name and currency (older hub?)'), { code: 'ENROLL_REFUSED' });
  // The person enrolling becomes the device's manager; the PIN is kept only as its scrypt hash.
  const salt = scope.crypto.getRandomValues(new Uint8Array(16));
  const e: Enrollment = {
    hub_url: hubUrl,
    token: reply.token,
    store_id: reply.store_id,
    terminal_id: reply.terminal_id,
    store_name: reply.store_name.slice(0, 64),
    currency: reply.currency,
    cashiers: [{ cashier_id: cashier.cashier_id, name: cashier.name, role: 'manager', pin_hash: hashPinWith(noblePinScrypt, cashier.pin, 16384, salt) }],
    enrolled_at: new Date().toISOString(),
  };
  db.prepare("INSERT INTO device (key, value) VALUES ('enrollment', ?)").run(JSON.stringify(e));
  running = await start(e);
  return deviceView(e);
}

async function handle(req: PageRequest): Promise<void> {
  try {
    switch (req.op) {
      case 'init': {
        const { deviceDb: db } = await storage();
        const e = readEnrollment(db);
        if (e && !running) running = await start(e);
        post({ id: req.id, ok: true, result: deviceView(e) });
        if (running) post({ push: 'link', link: linkView(running) });
        return;
      }
      case 'enroll':
        post({ id: req.id, ok: true, result: await enroll(req.code, req.cashier) });
        return;
      case 'call': {
        if (!running) throw Object.assign(new Error('enroll this device first'), { code: 'NOT_ENROLLED' });
        post({ id: req.id, wire: await dispatch(running.service, { kind: 'call', id: req.id, name: req.name as CommandName, params: req.params }) });
        return;
      }
      case 'confirmCard':
        if (!running) throw Object.assign(new Error('enroll this device first'), { code: 'NOT_ENROLLED' });
        running.devices.confirmSeparateCard(req.amount, req.currency);
        post({ id: req.id, ok: true, result: null });
        return;
      case 'exportJournal': {
        if (!running) throw Object.assign(new Error('enroll this device first'), { code: 'NOT_ENROLLED' });
        // Every commit is flushed (rollback journal, synchronous=FULL): the file alone is the whole journal.
        const bytes = (await storage()).pool.exportFile(journalName(running.enrollment));
        post({ id: req.id, ok: true, result: bytes });
        return;
      }
      case 'link':
        post({ id: req.id, ok: true, result: running ? linkView(running) : null });
        return;
    }
  } catch (err) {
    const e = err as Error & { code?: string };
    post({ id: req.id, ok: false, error: { code: typeof e.code === 'string' ? e.code : 'HANDHELD_ERROR', message: String(e.message ?? err).slice(0, 500) } });
  }
}

scope.onmessage = (ev: MessageEvent) => {
  const parsed = pageRequestSchema.safeParse(ev.data);
  if (!parsed.success) {
    const id = typeof (ev.data as { id?: unknown })?.id === 'number' ? (ev.data as { id: number }).id : -1;
    post({ id, ok: false, error: { code: 'BAD_REQUEST', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500) } });
    return;
  }
  void handle(parsed.data);
};

// The page says how often to check the link (a test uses a short interval) before init.
const params = new URL(scope.location.href).searchParams;
const m = Number(params.get('monitor_ms'));
if (Number.isInteger(m) && m >= 200 && m <= 60_000) monitorMs = m;
