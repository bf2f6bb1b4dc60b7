// EXPLAIN (ANALYZE, BUFFERS) of the ingest statements on a realistic batch: 4 registers push
// PER sales each in batches of 500, then one more 500-sale batch runs with each of its
// prepared statements explained in place (ledger balance checks made IMMEDIATE first, so the
// constraint triggers' time shows as "Trigger ...: time=… calls=…"), and rolled back.
// Usage: DATABASE_URL=… PER=2000 node bin/run-ts.mjs bench/ingest-explain.ts
import '../src/hub/server';
import { openBenchDb } from './table/common';
import { seedStore } from '../src/hub/testing/hub-fixture';
import { enrollMany } from './table/load';
import { ingestBatch } from '../src/hub/ingest';
import { versionedProcessor } from '../src/hub/core-processor';
import { PostingMaps } from '../src/hub/books/posting-map';
import type { Db, Queryable } from '../src/hub/db/db';
import { defaultChart } from '../src/core/ledger/default-charts';

const bdb = await openBenchDb({ databaseUrl: process.env.DATABASE_URL });
try {
  const skus = Array.from({ length: 20 }, (_, i) => `SKU-${i}`);
  await seedStore(bdb.db, 'BENCH', Object.fromEntries(skus.map((s) => [s, 1_000_000_000])));
  const regs = await enrollMany(bdb.db, ['BENCH'], 4);
  const proc = versionedProcessor(new PostingMaps(defaultChart('us')));
  const PER = Number(process.env.PER ?? 2000);
  for (const [i, r] of regs.entries()) for (let n = 0; n < PER + 500; n++) r.sell([{ sku: skus[(n * 7 + i) % 20]!, units: 1, unit_price: 199 }, { sku: skus[(n * 3 + i) % 20]!, units: 2, unit_price: 99 }]);
  const ctx = (r: (typeof regs)[0]) => ({ terminal_id: r.terminalId, store_id: 'BENCH', processor: proc });
  await Promise.all(regs.map(async (r) => { for (let i = 0; i < PER; i += 500) await ingestBatch(bdb.db, ctx(r), r.journal.slice(i, i + 500)); }));
  await bdb.db.exec('ANALYZE');
  const wrapTx = (q: Queryable): Queryable => ({
    exec: q.exec.bind(q),
    async query(sql: string, p?: unknown[], o?: unknown) {
      if (/^\s*(WITH|SELECT)/.test(sql) && !/SET CONSTRAINTS/.test(sql)) {
        await q.query(`SAVEPOINT x`);
        await q.query(`SET CONSTRAINTS ALL IMMEDIATE`);
        const r = await q.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, p);
        await q.query(`ROLLBACK TO SAVEPOINT x`);
        console.log(`---- ${sql.replace(/\s+/g, ' ').slice(0, 60)}`);
        for (const row of r.rows) console.log(String(Object.values(row)[0]));
      }
      return q.query(sql, p, o as never) as never;
    },
  });
  const r = regs[0]!;
  await bdb.db.transaction(async (tx) => {
    await ingestBatch({ ...bdb.db, query: wrapTx(tx).query, exec: tx.exec.bind(tx), transaction: (fn: (t: Queryable) => Promise<unknown>) => fn(wrapTx(tx)) } as unknown as Db, ctx(r), r.journal.slice(PER, PER + 500));
    throw new Error('rollback');
  }).catch((e) => { if (!String(e).includes('rollback')) throw e; });
} finally { await bdb.dispose(); }
