// The hub's ingest path without sockets: ingestBatch called directly, every statement counted
// and timed. Prints catch-up throughput (4 registers of one store, batches of 500, at once), the
// latency of one-sale batches (4 registers at once) and the statements a batch runs, slowest
// first. Postgres when DATABASE_URL is set, else PGlite.
// Usage: PER=2000 N1=200 node bin/run-ts.mjs bench/ingest-statements.ts
import '../src/hub/server'; // installs Node's SHA-256 for the hash chain, as the hub does
import { openBenchDb } from './table/common';
import { seedStore } from '../src/hub/testing/hub-fixture';
import { enrollMany } from './table/load';
import { ingestBatch } from '../src/hub/ingest';
import { versionedProcessor } from '../src/hub/core-processor';
import { PostingMaps } from '../src/hub/books/posting-map';
import type { Db, Queryable } from '../src/hub/db/db';
import { defaultChart } from '../src/core/ledger/default-charts';
import os from 'node:os';

const counts = { stmts: 0, txs: 0 };
const stmtLog = new Map<string, { n: number; ms: number }>();
function wrap(db: Db): Db {
  const rec = (sql: string, ms: number) => { counts.stmts++; const k = sql.replace(/\s+/g, ' ').slice(0, 70); const s = stmtLog.get(k) ?? { n: 0, ms: 0 }; s.n++; s.ms += ms; stmtLog.set(k, s); };
  const wq = (q: Queryable): Queryable => ({ exec: q.exec.bind(q), async query(sql: string, p?: unknown[]) { const t = performance.now(); try { return await q.query(sql, p) as never; } finally { rec(sql, performance.now() - t); } } });
  return { ...db, kind: db.kind, query: wq(db).query, exec: db.exec.bind(db), transaction: (fn) => { counts.txs++; return db.transaction((tx) => fn(wq(tx))); }, close: db.close.bind(db) } as Db;
}
const env = { databaseUrl: process.env.DATABASE_URL };
const bdb = await openBenchDb(env);
try {
  const db = wrap(bdb.db);
  const skus = Array.from({ length: 20 }, (_, i) => `SKU-${i}`);
  await seedStore(bdb.db, 'BENCH', Object.fromEntries(skus.map((s) => [s, 1_000_000_000])));
  const regs = await enrollMany(bdb.db, ['BENCH'], 4);
  const proc = versionedProcessor(new PostingMaps(defaultChart('us')));
  const N1 = Number(process.env.N1 ?? 200), PER = Number(process.env.PER ?? 2000);
  for (const [i, r] of regs.entries()) for (let n = 0; n < PER + N1; n++) r.sell([{ sku: skus[(n * 7 + i) % 20]!, units: 1, unit_price: 199 }, { sku: skus[(n * 3 + i) % 20]!, units: 2, unit_price: 99 }]);
  const ctx = (r: (typeof regs)[0]) => ({ terminal_id: r.terminalId, store_id: 'BENCH', processor: proc });
  // catch-up: 4 registers, batches of 500, concurrently
  counts.stmts = 0; stmtLog.clear();
  const t0 = performance.now();
  await Promise.all(regs.map(async (r) => { for (let i = 0; i < PER; i += 500) { const res = await ingestBatch(db, ctx(r), r.journal.slice(i, i + 500)); if (res.rejected.length) throw new Error(JSON.stringify(res.rejected[0])); } }));
  const s = (performance.now() - t0) / 1000;
  console.log(`catch-up: ${(4 * PER / s).toFixed(0)} sales/s (${s.toFixed(2)} s), ${counts.stmts} statements, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  // one-sale batches: each register sends its sales one at a time, concurrently
  counts.stmts = 0; stmtLog.clear();
  const lat: number[] = [];
  await Promise.all(regs.map(async (r) => { for (let i = PER; i < PER + N1; i++) { const t = performance.now(); await ingestBatch(db, ctx(r), [r.journal[i]!]); lat.push(performance.now() - t); } }));
  lat.sort((a, b) => a - b);
  console.log(`one-sale: p50 ${lat[Math.floor(lat.length / 2)]!.toFixed(2)} ms p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(2)} ms, ${(counts.stmts / lat.length).toFixed(1)} statements/batch`);
  for (const [k, v] of [...stmtLog].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`  ${String(v.n).padStart(5)} ${(v.ms / v.n).toFixed(2).padStart(7)} ms  ${k}`);
} finally { await bdb.dispose(); }
