// Historical import beside live registers. Prints, per backend (PGlite; Postgres with
// DATABASE_URL):
//   figure: import throughput (sales/s) of `tillstream books history import`'s job;
//   floor:  the same sales checked and posted in memory only, twice as the job does (parse,
//           check, post by core; no database): what the import cannot beat; ratio import/floor;
//   live ingest: latency (p50/p95/max) of single-sale batches pushed by 2 registers over real
//           sockets, without the import and during it; ratio = with / without.
// Usage: node bin/run-ts.mjs bench/history-import.ts [sales=1000000] [yield-ms=0]
import { loadavg } from 'node:os';
import { openDb } from '../src/hub/db/db';
import { migrate } from '../src/hub/db/migrate';
import { randomSchema } from '../src/hub/testing/test-db';
import { enrollRegister, seedStore, startTestHub } from '../src/hub/testing/hub-fixture';
import { defaultChart } from '../src/core/ledger/default-charts';
import { historyFile } from '../src/hub/books/testing/history-gen';
import { jsonLines, parseHistoryJson, postHistoryLine } from '../src/hub/books/history/format';
import { runHistoryImport } from '../src/hub/books/history/run';

const SALES = Number(process.argv[2] ?? 1_000_000);
const YIELD_MS = Number(process.argv[3] ?? 0);
const chart = defaultChart('us');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function liveLatency(hub: { url: string }, regs: Awaited<ReturnType<typeof enrollRegister>>[], until: () => boolean, minSamples: number, lat: number[] = []): Promise<number[]> {
  await Promise.all(
    regs.map(async (r) => {
      while (!until() || lat.length < minSamples) {
        r.sell([{ sku: 'SKU-1', units: 1, unit_price: 199 }]);
        const t0 = performance.now();
        const ack = await r.push(r.journal.slice(-1), 120_000);
        if (!ack.ok) throw new Error('live push refused');
        lat.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 20));
      }
    }),
  );
  void hub;
  return lat;
}

async function run(name: string, opts: { databaseUrl?: string }) {
  const file = historyFile({ count: SALES, seed: 5, stores: ['H1', 'H2'] });
  let t0 = performance.now();
  for (const { line, text } of jsonLines(file)) postHistoryLine(parseHistoryJson(text, line), line, chart);
  const floorS = (performance.now() - t0) / 1000;

  const schema = randomSchema();
  const db = await openDb({ ...opts, schema });
  try {
    await migrate(db);
    for (const s of ['H1', 'H2', 'LIVE']) await seedStore(db, s, s === 'LIVE' ? { 'SKU-1': 1_000_000 } : {});
    const hub = await startTestHub(db);
    const regs = [await enrollRegister(db, 'LIVE', 'LIVE-1'), await enrollRegister(db, 'LIVE', 'LIVE-2')];
    for (const r of regs) await r.connect(hub.url);
    let stop = false;
    const quiet = await liveLatency(hub, regs, () => true, 200);
    process.stderr.write(`${name} floor ${(2 * floorS).toFixed(1)} s; live without import p50 ${pct(quiet, 50).toFixed(1)} / p95 ${pct(quiet, 95).toFixed(1)} / max ${Math.max(...quiet).toFixed(0)} ms; load ${loadavg()[0]!.toFixed(2)}\n`);
    t0 = performance.now();
    const busySoFar: number[] = [];
    const during = liveLatency(hub, regs, () => stop, 50, busySoFar);
    // A line per 5 % on stderr (elapsed, rate, live pushes so far), so a run cut short still tells what it reached.
    let lastPct = 0;
    const onProgress = (p: { done_sales: number; total_sales: number }) => {
      const percent = Math.floor((p.done_sales * 100) / p.total_sales);
      if (percent < lastPct + 5) return;
      lastPct = percent;
      const s = (performance.now() - t0) / 1000;
      process.stderr.write(`${name} ${new Date().toISOString()} ${p.done_sales}/${p.total_sales} sales, ${s.toFixed(0)} s, ${(p.done_sales / s).toFixed(0)} sales/s; live so far p50 ${pct(busySoFar, 50).toFixed(1)} / p95 ${pct(busySoFar, 95).toFixed(1)} / max ${Math.max(...busySoFar).toFixed(0)} ms (${busySoFar.length} pushes); load ${loadavg()[0]!.toFixed(2)}\n`);
    };
    const result = await runHistoryImport(db, chart, { bytes: file, by: 'bench', batch_size: 1_000, yield_ms: YIELD_MS, onProgress });
    const importS = (performance.now() - t0) / 1000;
    stop = true;
    const busy = await during;
    if (result.status !== 'done' || result.posted_entries !== SALES) throw new Error(`import did not finish: ${JSON.stringify(result)}`);
    console.log(`${name.padEnd(8)} import ${SALES} sales (yield ${YIELD_MS} ms): ${importS.toFixed(1)} s, ${(SALES / importS).toFixed(0)} sales/s`);
    console.log(`${name.padEnd(8)} floor (check + post in memory, twice as the job does): ${(2 * floorS).toFixed(1)} s; ratio import/floor ${(importS / (2 * floorS)).toFixed(2)}`);
    console.log(`${name.padEnd(8)} live ingest latency without import: p50 ${pct(quiet, 50).toFixed(1)} ms, p95 ${pct(quiet, 95).toFixed(1)} ms, max ${Math.max(...quiet).toFixed(1)} ms (${quiet.length} pushes)`);
    console.log(`${name.padEnd(8)} load average (1 min) at the end: ${loadavg()[0]!.toFixed(2)}`);
    console.log(`${name.padEnd(8)} live ingest latency during import:  p50 ${pct(busy, 50).toFixed(1)} ms, p95 ${pct(busy, 95).toFixed(1)} ms, max ${Math.max(...busy).toFixed(1)} ms (${busy.length} pushes); ratio p95 ${(pct(busy, 95) / pct(quiet, 95)).toFixed(2)}`);
    for (const r of regs) r.close();
    await hub.close();
    if (opts.databaseUrl) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  } finally {
    await db.close();
  }
}

if (process.env.DATABASE_URL) await run('postgres', { databaseUrl: process.env.DATABASE_URL });
else await run('pglite', {});
process.exit(0);
