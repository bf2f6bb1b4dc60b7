import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEnrollmentCode, createStore, redeemEnrollmentCode, startHub } from '../src/hub';
import { openJournal, SyncClient } from '../src/sync';
import { openBenchDb } from './table/common';
import { seedHubCatalog } from './table/rows-register';

// The paged snapshot of a chain-sized catalog (default 1,000,000 SKUs) to a new register, with
// the memory each side needs: the hub in this process (RSS sampled every 100 ms while it serves
// the pages), the register in its own process (real journal and SyncClient; its peak RSS).
// usage: node bin/run-ts.mjs bench/catalog-snapshot.ts [skus]   (Postgres with DATABASE_URL)
// The register half: node bin/run-ts.mjs bench/catalog-snapshot.ts --register <url> <token> <store> <file>

const MiB = 2 ** 20;

async function register(url: string, token: string, storeId: string, file: string): Promise<void> {
  const journal = openJournal(file, { terminalId: `${storeId}-T1`, storeId });
  const client = new SyncClient({ journal, url, token, appVersion: 'bench', monitorIntervalMs: 200, ackTimeoutMs: 120_000 });
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const t0 = performance.now();
  await new Promise<void>((resolve) => client.on('snapshot', () => resolve()).start());
  const ms = performance.now() - t0;
  client.stop();
  clearInterval(sample);
  const n = journal.catalogSize();
  journal.close();
  console.log(`REGISTER ${JSON.stringify({ products: n, seconds: ms / 1000, peakRssMiB: Math.round(Math.max(peak, process.resourceUsage().maxRSS * 1024) / MiB) })}`);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-snapshot-'));
  const bdb = await openBenchDb({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(dir, 'pg') });
  const hub = await startHub({ db: bdb.db, port: 0, host: '127.0.0.1', logLevel: 'silent' });
  try {
    const storeId = `SN${Date.now() % 100000}`;
    await createStore(hub.db, { store_id: storeId, name: 'bench', currency: 'USD' });
    const s0 = performance.now();
    await seedHubCatalog(hub.db, [storeId], n);
    await hub.db.query(`UPDATE stores SET change_cursor = 1 WHERE store_id = $1`, [storeId]);
    console.log(`seeded ${n} products and prices in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    const cred = await redeemEnrollmentCode(hub.db, (await createEnrollmentCode(hub.db, { store_id: storeId, terminal_id: `${storeId}-T1` })).code);
    global.gc?.();
    const idle = process.memoryUsage().rss;
    let peak = idle;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'bench/catalog-snapshot.ts', '--register', hub.url, cred.token, storeId, path.join(dir, 'register.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    await new Promise((r) => child.on('exit', r));
    clearInterval(sample);
    const reg = JSON.parse(/^REGISTER (.*)$/m.exec(out)?.[1] ?? 'null') as { products: number; seconds: number; peakRssMiB: number } | null;
    if (!reg || reg.products !== n) throw new Error(`register holds ${reg?.products} products, expected ${n}: ${out.slice(-500)}`);
    console.log(`${n.toLocaleString('en')} SKUs to a new register in ${reg.seconds.toFixed(1)} s (${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'})`);
    console.log(`hub RSS: ${Math.round(idle / MiB)} MiB before, peak ${Math.round(peak / MiB)} MiB while serving the pages (+${Math.round((peak - idle) / MiB)} MiB)`);
    console.log(`register peak RSS: ${reg.peakRssMiB} MiB`);
  } finally {
    await hub.close();
    await bdb.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--register') await register(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6]!);
else await main();
