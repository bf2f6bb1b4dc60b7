import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { MAX_MESSAGE_BYTES, MSG, pushEventsRequestSchema } from '../../src/core/protocol';
import type { HubSync } from '../../src/sync/uplink/hub-sync';

/** A 3-line sale as the register journals it (core's SaleCompletedPayload shape). */
export function salePayload(storeId: string, terminalId: string, i: number): Record<string, unknown> {
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

/** An ack-only hub: validates each batch as the hub does and stores nothing (the register side's own ceiling). */
export async function ackOnlyHub(storeId: string): Promise<{ url: string; close: () => Promise<void> }> {
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
    socket.on(MSG.changesApplied, (_req: unknown, ack: (r: unknown) => void) => ack({ ok: true }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => io.close(() => r())) };
}

export async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function drained(client: HubSync, timeoutMs = 10 * 60_000): Promise<void> {
  const errors = new Set<string>();
  await until(
    () => {
      const st = client.status;
      if (process.env.BENCH_DEBUG && st.lastError && !errors.has(st.lastError)) {
        errors.add(st.lastError);
        console.error(`sync error: ${st.lastError}`);
      }
      return st.unsyncedCount === 0;
    },
    timeoutMs,
    () => `not drained: ${JSON.stringify(client.status)}`,
  );
}

/** A fresh hub database: a random schema on DATABASE_URL's Postgres (dropped after), else in-memory PGlite. */
export async function openBenchDb(env: { databaseUrl?: string; dataDir?: string }): Promise<{ db: import('../../src/hub/db/db').Db; schema: string; dispose: () => Promise<void> }> {
  const { openDb } = await import('../../src/hub/db/db');
  const { migrate } = await import('../../src/hub/db/migrate');
  const { randomSchema } = await import('../../src/hub/testing/test-db');
  const schema = randomSchema();
  const db = await openDb(env.databaseUrl ? { databaseUrl: env.databaseUrl, schema } : { schema, dataDir: env.dataDir });
  await migrate(db);
  return {
    db,
    schema,
    async dispose() {
      if (env.databaseUrl) await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await db.close();
    },
  };
}

export const backendName = (env: { databaseUrl?: string }): string => (env.databaseUrl ? 'Postgres' : 'PGlite');
