import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { GENESIS_HASH, JOURNAL_SCHEMA_VERSION, MAX_MESSAGE_BYTES, MSG, pushEventsRequestSchema, sealEvent } from '../src/core/protocol';
import { createStore, startHub } from '../src/hub';
import { SyncClient, openJournal } from '../src/sync';

// Register journal figures:
//  1. appends/second of sale.completed events with synchronous=FULL (each append is its own
//     committed, fsynced transaction, as at the till), with latency percentiles, and the
//     hashing cost alone for comparison;
//  2. sales synced/second over loopback: a register with a backlog drains it to the real
//     hub (src/hub on in-memory PGlite, or DATABASE_URL's Postgres) through socket.io.
// usage: node bin/run-ts.mjs bench/journal-append.ts [appends=2000] [synced=2000]

const APPENDS = Number(process.argv[2] ?? 2000);
const SYNCED = Number(process.argv[3] ?? 2000);

function sale(storeId: string, terminalId: string, i: number): Record<string, unknown> {
  const lines = Array.from({ length: 3 }, (_, k) => {
    const unit_price = 100 + ((i * 31 + k * 17) % 900);
    const units = 1 + (k % 2);
    const gross = unit_price * units;
    return {
      line_id: `L${k + 1}`, sku: `SKU${(i + k) % 50}`, description: `Item ${(i + k) % 50}`, category: 'grocery', tax_category: 'food',
      quantity: { units, scale: 0 }, unit: 'each', unit_price, price_source: 'price_book', gross, discounts: [], net: gross, taxes: [], total: gross,
    };
  });
  const total = lines.reduce((s, l) => s + l.total, 0);
  return {
    sale_id: randomUUID(), store_id: storeId, terminal_id: terminalId, shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b', cashier_id: 'emp-1',
    currency: 'USD', price_book_version: 1, lines, totals: { subtotal: total, discount_total: 0, tax_total: 0, total, rounding: 0 }, tax_breakdown: [],
    tenders: [{ tender_id: 'T1', kind: 'cash', amount: total, tendered: total, change: 0 }], change_due: 0, completed_at: new Date().toISOString(),
  };
}

/** An ack-only hub (validates each batch, stores nothing): the register side's own ceiling. */
async function ackOnlyHub(storeId: string): Promise<{ url: string; close: () => Promise<void> }> {
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'], maxHttpBufferSize: MAX_MESSAGE_BYTES });
  let through = 0;
  io.on('connection', (socket) => {
    socket.on(MSG.hello, (_req: unknown, ack: (r: unknown) => void) =>
      ack({ ok: true, store_id: storeId, applied_through: through, applied_hash: null, latest_change_cursor: 0, snapshot_required: false, server_time: new Date().toISOString() }));
    socket.on(MSG.pushEvents, (req: unknown, ack: (r: unknown) => void) => {
      const p = pushEventsRequestSchema.parse(req);
      through = p.events[p.events.length - 1]!.seq;
      ack({ ok: true, applied_through: through, rejected: [] });
    });
    socket.on(MSG.pullChanges, (_req: unknown, ack: (r: unknown) => void) => ack({ ok: true, changes: [], latest_change_cursor: 0, snapshot_required: false }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => io.close(() => r())) };
}

async function drain(client: SyncClient): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`not drained: ${JSON.stringify(client.status)}`)), 10 * 60_000);
    const check = (): void => {
      if (client.status.unsyncedCount === 0) {
        clearTimeout(deadline);
        resolve();
      } else setTimeout(check, 5);
    };
    check();
  });
}

const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-journal-'));
  try {
    // 1. appends
    const j = openJournal(path.join(dir, 'append.db'), { terminalId: 'B1', storeId: 'BS' });
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < APPENDS; i++) {
      const s = performance.now();
      j.appendUnchecked('sale.completed', sale('BS', 'B1', i));
      lat.push(performance.now() - s);
    }
    const appendMs = performance.now() - t0;
    lat.sort((a, b) => a - b);
    const verify0 = performance.now();
    const v = j.verify();
    const verifyMs = performance.now() - verify0;
    j.close();
    if (!v.ok) throw new Error(`chain did not verify: ${JSON.stringify(v)}`);

    let prev = GENESIS_HASH;
    const h0 = performance.now();
    for (let i = 0; i < APPENDS; i++) {
      prev = sealEvent(prev, { version: JOURNAL_SCHEMA_VERSION, terminal_id: 'B1', store_id: 'BS', seq: i + 1, event_id: randomUUID(), type: 'sale.completed', occurred_at: new Date().toISOString(), payload: sale('BS', 'B1', i) }).hash;
    }
    const hashMs = performance.now() - h0;

    console.log(`journal append (synchronous=FULL, WAL, one transaction per sale, 3-line sale): ${APPENDS} appends in ${appendMs.toFixed(0)} ms = ${(APPENDS / (appendMs / 1000)).toFixed(0)} appends/s`);
    console.log(`  latency ms: p50 ${pct(lat, 50).toFixed(2)}  p99 ${pct(lat, 99).toFixed(2)}  max ${lat[lat.length - 1]!.toFixed(2)}`);
    console.log(`  of which canonical JSON + SHA-256 alone: ${(APPENDS / (hashMs / 1000)).toFixed(0)} seals/s (${((hashMs / appendMs) * 100).toFixed(0)}% of append time)`);
    console.log(`  verify of the whole chain: ${verifyMs.toFixed(0)} ms (${(APPENDS / (verifyMs / 1000)).toFixed(0)} events/s)`);

    // 2a. the register side alone: drain to an ack-only hub
    {
      const ackHub = await ackOnlyHub('BS');
      const rj = openJournal(path.join(dir, 'ack.db'), { terminalId: 'B2', storeId: 'BS' });
      for (let i = 0; i < SYNCED; i++) rj.appendUnchecked('sale.completed', sale('BS', 'B2', i));
      const client = new SyncClient({ journal: rj, url: ackHub.url, token: 'x', appVersion: 'bench', monitorIntervalMs: 50, ackTimeoutMs: 120_000 });
      const s0 = performance.now();
      client.start();
      await drain(client);
      const ms = performance.now() - s0;
      client.stop();
      rj.close();
      await ackHub.close();
      console.log(`sync over loopback to an ack-only hub (register side's ceiling: read, serialise, send, validate ack, mark): ${SYNCED} sales in ${ms.toFixed(0)} ms = ${(SYNCED / (ms / 1000)).toFixed(0)} sales synced/s`);
    }

    // 2b. sync over loopback to the real hub
    const hub = await startHub({ port: 0, host: '127.0.0.1', logLevel: 'silent', databaseUrl: process.env.DATABASE_URL });
    try {
      const storeId = `BS${Date.now() % 100000}`;
      await createStore(hub.db, { store_id: storeId, name: 'bench', currency: 'USD' });
      const { createEnrollmentCode, redeemEnrollmentCode } = await import('../src/hub');
      const { code } = await createEnrollmentCode(hub.db, { store_id: storeId, terminal_id: `${storeId}-T1` });
      const cred = await redeemEnrollmentCode(hub.db, code);
      const rj = openJournal(path.join(dir, 'sync.db'), { terminalId: cred.terminal_id, storeId });
      for (let i = 0; i < SYNCED; i++) rj.appendUnchecked('sale.completed', sale(storeId, cred.terminal_id, i));
      const client = new SyncClient({ journal: rj, url: hub.url, token: cred.token, appVersion: 'bench', monitorIntervalMs: 50, ackTimeoutMs: 120_000 });
      const s0 = performance.now();
      client.start();
      await drain(client);
      const syncMs = performance.now() - s0;
      const st = client.status;
      client.stop();
      rj.close();
      console.log(`sync over loopback to the real hub (${hub.db.kind}, ledger + stock posted per sale): ${SYNCED} sales in ${syncMs.toFixed(0)} ms = ${(SYNCED / (syncMs / 1000)).toFixed(0)} sales synced/s, batches of ≤ 500, rejected ${st.rejectedCount}`);
    } finally {
      await hub.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
