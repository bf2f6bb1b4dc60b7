// The export batches' entries looked up by entry_id (migration 030), at a realistic size:
// 200,000 ledger entries exported per_transaction to four targets (800,000 rows of
// export_batch_entries in 800 batches) and 20,000 corrections. EXPLAIN ANALYZE of the queries
// that look entries up, with and without the index (dropped and created again in the same
// scratch schema): the CSV corrections import finding the one batch that holds every entry
// its file names, and the export's "was this entry exported to this target" (served by 006's
// (target, entry_id) index either way).
// Usage: DATABASE_URL=postgres://… node bin/run-ts.mjs bench/books-entry-index.ts [entries]   (Postgres only)
import { openDb } from '../src/hub/db/db';
import { migrate } from '../src/hub/db/migrate';
import { randomSchema } from '../src/hub/testing/test-db';

const ENTRIES = Number(process.argv[2] ?? 200_000);
const TARGETS = 4;
const PER_BATCH = 1_000;
const CORRECTIONS = Math.floor(ENTRIES / 10);

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is needed: the plans are Postgres plans');
  const schema = randomSchema();
  const db = await openDb({ databaseUrl: url, schema });
  try {
    await migrate(db);
    const t0 = performance.now();
    await db.exec(`
      INSERT INTO ledger_entries (entry_id, event_type, date, memo)
        SELECT 'sale-' || lpad(i::text, 8, '0'), 'sale.completed', date '2026-01-01' + (i % 330), '' FROM generate_series(1, ${ENTRIES}) i;
      INSERT INTO export_targets (target, format, mode, created_by)
        SELECT 't' || k, CASE WHEN k % 2 = 0 THEN 'hledger' ELSE 'quickbooks-csv' END, 'per_transaction', 'bench' FROM generate_series(1, ${TARGETS}) k;
      INSERT INTO export_batches (batch_id, target, format, mode, entry_count, chart, content_sha256, created_by)
        SELECT (k - 1) * ${ENTRIES / PER_BATCH} + b, 't' || k, CASE WHEN k % 2 = 0 THEN 'hledger' ELSE 'quickbooks-csv' END, 'per_transaction', ${PER_BATCH}, '{}', '', 'bench'
          FROM generate_series(1, ${TARGETS}) k, generate_series(1, ${ENTRIES / PER_BATCH}) b;
      INSERT INTO export_batch_entries (batch_id, ordinal, target, entry_id)
        SELECT (k - 1) * ${ENTRIES / PER_BATCH} + (i - 1) / ${PER_BATCH} + 1, (i - 1) % ${PER_BATCH}, 't' || k, 'sale-' || lpad(i::text, 8, '0')
          FROM generate_series(1, ${TARGETS}) k, generate_series(1, ${ENTRIES}) i;
      INSERT INTO correction_imports (import_id, batch_id, format, content_sha256, imported_by) VALUES (1, 1, 'quickbooks-csv', 'x', 'bench');
      INSERT INTO ledger_entries (entry_id, event_type, date, memo, adjusts)
        SELECT 'ci1-' || i, 'books.correction', date '2026-01-01', '', 'sale-' || lpad((i * 10)::text, 8, '0') FROM generate_series(1, ${CORRECTIONS}) i;
      INSERT INTO correction_items (import_id, entry_id, outcome, correction_entry_id)
        SELECT 1, 'sale-' || lpad((i * 10)::text, 8, '0'), 'adjusted', 'ci1-' || i FROM generate_series(1, ${CORRECTIONS}) i;
      ANALYZE;
    `);
    const rows = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM export_batch_entries`);
    console.log(`${ENTRIES} entries, ${rows.rows[0]!.n} export_batch_entries rows, ${CORRECTIONS} corrections; loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // A QuickBooks file of one batch of target t3 (entries 100,001…100,300).
    const ids = Array.from({ length: 300 }, (_, i) => `sale-${String(100_001 + i).padStart(8, '0')}`);
    const queries: Array<[string, string, unknown[]]> = [
      ['corrections import: the batch holding every entry of a CSV file (300 ids)',
        `SELECT b.batch_id::text FROM export_batch_entries be JOIN export_batches b ON b.batch_id = be.batch_id
          WHERE be.entry_id = ANY($1::text[]) AND b.format = $2 AND b.mode = 'per_transaction'
          GROUP BY b.batch_id HAVING count(DISTINCT be.entry_id) = $3 ORDER BY b.batch_id LIMIT 3`, [ids, 'quickbooks-csv', ids.length]],
      ['export: was each entry of one day exported to this target',
        `SELECT e.entry_id, EXISTS (SELECT 1 FROM export_batch_entries b WHERE b.target = $1 AND b.entry_id = e.entry_id) AS exported
           FROM ledger_entries e WHERE e.date >= $2::date AND e.date <= $3::date ORDER BY e.date, e.posted_at, e.entry_id LIMIT 1000001`, ['t2', '2026-03-01', '2026-03-01']],
    ];
    const explain = async (label: string) => {
      console.log(`\n== ${label}`);
      for (const [name, sql, params] of queries) {
        let best = Infinity;
        let plan: string[] = [];
        for (let r = 0; r < 5; r++) {
          const p = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
          const lines = p.rows.map((x) => x['QUERY PLAN']);
          const ms = Number(/Execution Time: ([\d.]+) ms/.exec(lines.at(-1)!)![1]);
          if (ms < best) { best = ms; plan = lines; }
        }
        console.log(`-- ${name}: best of 5 ${best.toFixed(2)} ms`);
        for (const l of plan.filter((x) => /Scan|Join|Aggregate|Buffers: shared/.test(x)).slice(0, 8)) console.log(`   ${l.trim().slice(0, 150)}`);
      }
    };
    await db.exec(`DROP INDEX export_batch_entries_entry_id_idx; ANALYZE export_batch_entries;`);
    await explain('before (without migration 030)');
    await db.exec(`CREATE INDEX export_batch_entries_entry_id_idx ON export_batch_entries (entry_id); ANALYZE export_batch_entries;`);
    await explain('after (migration 030)');
  } finally {
    await db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await db.close();
  }
}

await main();
