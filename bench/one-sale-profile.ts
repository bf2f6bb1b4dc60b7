// Where one sale's time goes at the hub (the sale-applied row's path, issue 18): one register
// of a 10-register store pushes a one-sale batch at a time (the next after the ack and a pause,
// so sales never overlap), through the real hub's socket. Each sale's time is cut at: socket.io
// hands the packet to the hub (recv) → the batch's transaction asks for a connection (tx) →
// BEGIN done (begin) → each statement → the batch's work done (fn) → COMMIT done (commit) → the
// ack at the register (ack) → the stock change at the store's 9 other registers (stock, the
// last of them). Prints p50/p99 of each step and of each statement. Postgres when DATABASE_URL
// is set, else PGlite.
// Usage: N=400 GAP=40 node bin/run-ts.mjs bench/one-sale-profile.ts
import { MSG } from '../src/core/protocol';
import type { Db, Queryable, QueryOptions } from '../src/hub/db/db';
import { seedStore, startTestHub } from '../src/hub/testing/hub-fixture';
import { openBenchDb } from './table/common';
import { enrollMany } from './table/load';
import os from 'node:os';

const N = Number(process.env.N ?? 400);
const GAP = Number(process.env.GAP ?? 40);
const WARM = Number(process.env.WARM ?? 50);

interface Trace { recv?: number; tx?: number; begin?: number; fn?: number; commit?: number; stmts: Array<{ k: string; ms: number }> }
let cur: Trace | null = null;
const label = (sql: string) => {
  const s = sql.replace(/\s+/g, ' ').trim();
  const m = /^(WITH \w+ AS \(\s*\w+ (?:INTO )?\w+|SELECT [^,]{0,30}|INSERT INTO \w+|UPDATE \w+|\w+)/i.exec(s);
  return (m?.[0] ?? s).slice(0, 60);
};

function wrap(db: Db): Db {
  const wq = (q: Queryable): Queryable => ({
    exec: (sql) => q.exec(sql),
    async query<T extends Record<string, unknown>>(sql: string, p?: unknown[], o?: QueryOptions) {
      const t = performance.now();
      const tr = cur;
      try {
        return await q.query<T>(sql, p, o);
      } finally {
        tr?.stmts.push({ k: label(sql), ms: performance.now() - t });
      }
    },
  });
  return {
    kind: db.kind,
    query: (sql, p, o) => db.query(sql, p, o),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tr = cur;
      if (tr) tr.tx ??= performance.now();
      return db
        .transaction(async (tx) => {
          if (tr) tr.begin ??= performance.now();
          try {
            return await fn(wq(tx));
          } finally {
            if (tr) tr.fn = performance.now();
          }
        })
        .finally(() => {
          if (tr) tr.commit = performance.now();
        });
    },
  } as Db;
}

const env = { databaseUrl: process.env.DATABASE_URL };
const bdb = await openBenchDb(env);
const rows: Array<Record<string, number>> = [];
const stmtStats = new Map<string, number[]>();
try {
  const skus = Array.from({ length: 100 }, (_, i) => `LS-${i}`);
  await seedStore(bdb.db, 'L000', Object.fromEntries(skus.map((k) => [k, 1_000_000_000])));
  const hub = await startTestHub(wrap(bdb.db), { schedulerIntervalMs: 60_000 });
  hub.io.on('connection', (s) => s.use((_packet, next) => {
    if (cur && cur.recv === undefined) cur.recv = performance.now();
    next();
  }));
  const regs = await enrollMany(bdb.db, ['L000'], 10);
  for (const r of regs) await r.connect(hub.url);
  let stockAt: number[] = [];
  for (const r of regs) r.socket!.on(MSG.changes, () => stockAt.push(performance.now()));
  for (let i = 0; i < N + WARM; i++) {
    const r = regs[i % regs.length]!;
    const e = r.sell([{ sku: skus[i % skus.length]!, units: 1, unit_price: 199 }]);
    stockAt = [];
    const tr: Trace = { stmts: [] };
    cur = tr;
    const t0 = performance.now();
    const ack = (await r.push([e], 60_000)) as { ok: boolean; applied_through?: number };
    const tAck = performance.now();
    if (!ack.ok || ack.applied_through !== e.seq) throw new Error(`not applied: ${JSON.stringify(ack)}`);
    const deadline = performance.now() + 2000;
    while (stockAt.length < regs.length - 1 && performance.now() < deadline) await new Promise((res) => setImmediate(res));
    cur = null;
    if (i < WARM) continue;
    const tStock = Math.max(...stockAt);
    rows.push({
      'push→recv': tr.recv! - t0,
      'recv→tx (parse, queue, prepare)': tr.tx! - tr.recv!,
      'tx→begin (connect+BEGIN)': tr.begin! - tr.tx!,
      'begin→fn end (statements + JS)': tr.fn! - tr.begin!,
      '  of which statements': tr.stmts.reduce((s, x) => s + x.ms, 0),
      'fn end→COMMIT done': tr.commit! - tr.fn!,
      'COMMIT→ack at register': tAck - tr.commit!,
      'total push→ack': tAck - t0,
      'ack→stock at last other register': tStock - tAck,
      'push→stock (last)': tStock - t0,
      statements: tr.stmts.length,
    });
    for (const s of tr.stmts) {
      const l = stmtStats.get(s.k) ?? [];
      l.push(s.ms);
      stmtStats.set(s.k, l);
    }
    await new Promise((res) => setTimeout(res, GAP));
  }
  for (const r of regs) r.close();
  await hub.close();
} finally {
  await bdb.dispose();
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))]!;
};
console.log(`${N} one-sale pushes, ${env.databaseUrl ? 'Postgres' : 'PGlite'}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`${'step'.padEnd(40)}   p50 ms   p90 ms   p99 ms   mean`);
for (const k of Object.keys(rows[0]!)) {
  const xs = rows.map((r) => r[k]!);
  console.log(`${k.padEnd(40)} ${pct(xs, 50).toFixed(2).padStart(8)} ${pct(xs, 90).toFixed(2).padStart(8)} ${pct(xs, 99).toFixed(2).padStart(8)} ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2).padStart(8)}`);
}
console.log('statements (per batch: count, p50, p99 ms)');
for (const [k, xs] of [...stmtStats].sort((a, b) => pct(b[1], 50) - pct(a[1], 50))) {
  console.log(`  ${(xs.length / N).toFixed(2).padStart(5)} ${pct(xs, 50).toFixed(2).padStart(7)} ${pct(xs, 99).toFixed(2).padStart(7)}  ${k}`);
}
