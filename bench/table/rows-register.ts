import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openJournal, SyncClient } from '../../src/sync';
import { loadCatalogView } from '../../src/main/register/catalog-view';
import { chainBarcode, chainName, chainSku, loadChainCatalog } from '../../src/main/register/catalog-fixture';
import { createEnrollmentCode, createStore, redeemEnrollmentCode, startHub } from '../../src/hub';
import { storeSnapshot } from '../../src/hub/changes';
import { seedStore } from '../../src/hub/testing/hub-fixture';
import { ackOnlyHub, backendName, drained, openBenchDb, salePayload, until } from './common';
import { cpuNote, markWindow, pct, pick, rng, sortNum, timedNow, type RowResult, type Size } from './harness';

function tempDir(): { dir: string; done: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-table-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Register journal commit, synchronous=FULL, p99: journal.append of a 3-line sale (schema check,
 * canonical JSON, SHA-256 chain, event row, a stock movement per line, the open-sale delete (of
 * the cart saved before it, as at the till), one fsynced transaction), interleaved one for one with the floor: a bare better-sqlite3 INSERT of
 * the same row into a table of the same shape, same pragmas, its own fsynced transaction.
 */
export async function journalCommit(size: Size): Promise<RowResult> {
  const n = pick(size, { tiny: 50, quick: 600, full: 2000 });
  const { dir, done } = tempDir();
  try {
    const j = openJournal(path.join(dir, 'journal.db'), { terminalId: 'B1', storeId: 'BS' });
    // For the notes only: the same journal with SQLite's checkpoint inside the commit (as before
    // the idle checkpointer, and as the floor still runs), interleaved in the same loop.
    const inl = openJournal(path.join(dir, 'inline.db'), { terminalId: 'B1', storeId: 'BS', inlineCheckpoints: true });
    const raw = new Database(path.join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec(`CREATE TABLE journal (seq INTEGER PRIMARY KEY, version INTEGER NOT NULL, terminal_id TEXT NOT NULL, store_id TEXT NOT NULL, event_id TEXT NOT NULL UNIQUE,
      type TEXT NOT NULL, occurred_at TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)`);
    const ins = raw.prepare('INSERT INTO journal VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)');
    const fig: number[] = [];
    const floor: number[] = [];
    const inline: number[] = [];
    const warm = Math.min(50, Math.ceil(n / 5));
    for (let i = 0; i < n + warm; i++) {
      const p = salePayload('BS', 'B1', i);
      const text = JSON.stringify(p);
      const moves = (p.lines as { sku: string; quantity: { units: number } }[]).map((l) => ({ sku: l.sku, delta: { units: -l.quantity.units, scale: 0 } }));
      // The register saves the cart on every change, so the sale's append deletes a real open
      // sale (untimed here; without it the delete found no row and wrote nothing).
      j.saveOpenSale({ sale_id: p.sale_id, lines: p.lines });
      inl.saveOpenSale({ sale_id: p.sale_id, lines: p.lines });
      const t0 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      j.append('sale.completed', p as any, { clearOpenSale: true, stockMovements: moves });
      const t1 = performance.now();
      ins.run(i + 1, 'B1', 'BS', randomUUID(), 'sale.completed', new Date().toISOString(), text, 'a'.repeat(64), randomUUID() + randomUUID());
      const t2 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      inl.append('sale.completed', p as any, { clearOpenSale: true, stockMovements: moves });
      const t3 = performance.now();
      if (i >= warm) {
        fig.push(t1 - t0);
        floor.push(t2 - t1);
        inline.push(t3 - t2);
      }
      // Sales are separate inputs at a till: the event loop turns between them (the journal
      // checkpoints there, untimed; the floor and the inline journal checkpoint in their commits).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const v = j.verify();
    j.close();
    inl.close();
    raw.close();
    if (!v.ok) throw new Error('journal chain does not verify after the bench');
    const f = sortNum(fig);
    const fl = sortNum(floor);
    const il = sortNum(inline);
    const ratio = pct(f, 99) / pct(fl, 99);
    return {
      id: 'journal-commit', figure: `register journal commit, synchronous=FULL, p99 (${n} sales)`, value: pct(f, 99), floorValue: pct(fl, 99), unit: 'ms',
      floor: 'bare better-sqlite3 insert, same pragmas', ratio, target: '≤ 1.5×', pass: ratio <= 1.5,
      notes: [
        `p50 ${pct(f, 50).toFixed(3)} ms vs floor p50 ${pct(fl, 50).toFixed(3)} ms (ratio ${(pct(f, 50) / pct(fl, 50)).toFixed(2)})`,
        `the journal checkpoints when idle, the floor inside its commits (SQLite's default); the same journal with SQLite's inline checkpoint, same loop: p99 ${pct(il, 99).toFixed(3)} ms (${(pct(il, 99) / pct(fl, 99)).toFixed(2)}×), p50 ${pct(il, 50).toFixed(3)} ms`,
      ],
    };
  } finally {
    done();
  }
}

/**
 * N queued sales drained after reconnect: a register's journal with N unsynced sales, its real
 * SyncClient, the real hub (Postgres with DATABASE_URL, else PGlite) posting ledger and stock;
 * floor: the same register and client draining to an ack-only hub (validates, stores nothing).
 */
export async function queuedDrain(size: Size, env: { databaseUrl?: string }): Promise<RowResult> {
  const n = pick(size, { tiny: 200, quick: 3000, full: 10_000 });
  const { dir, done } = tempDir();
  try {
    const fill = (file: string, storeId: string, terminalId: string) => {
      const j = openJournal(path.join(dir, file), { terminalId, storeId });
      for (let i = 0; i < n; i++) j.appendUnchecked('sale.completed', salePayload(storeId, terminalId, i));
      return j;
    };
    const cpuNotes: string[] = [];
    const drain = async (j: ReturnType<typeof openJournal>, url: string, token: string, label: string): Promise<number> => {
      const client = new SyncClient({ journal: j, url, token, appVersion: 'bench', monitorIntervalMs: 50, ackTimeoutMs: 120_000 });
      const t0 = performance.now();
      const w0 = timedNow();
      const cpu0 = process.cpuUsage();
      client.start();
      await drained(client);
      const ms = performance.now() - t0;
      cpuNotes.push(cpuNote(process.cpuUsage(cpu0), n, ms / 1000));
      if (label) markWindow(w0, timedNow(), label);
      client.stop();
      j.close();
      return ms;
    };
    const ack = await ackOnlyHub('BS');
    const floorMs = await drain(fill('ack.db', 'BS', 'B2'), ack.url, 'x', '');
    await ack.close();

    const bdb = await openBenchDb(env);
    const hub = await startHub({ db: bdb.db, port: 0, host: '127.0.0.1', logLevel: 'silent' });
    let figMs: number;
    try {
      const storeId = `BD${Date.now() % 100000}`;
      // The sales' 50 SKUs in stock (a sale past zero is an oversell, with its alert: not the common case).
      await seedStore(hub.db, storeId, Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`SKU${i}`, 1_000_000_000])));
      const { code } = await createEnrollmentCode(hub.db, { store_id: storeId, terminal_id: `${storeId}-T1` });
      const cred = await redeemEnrollmentCode(hub.db, code);
      figMs = await drain(fill('sync.db', storeId, cred.terminal_id), hub.url, cred.token, 'queued-drain');
    } finally {
      await hub.close();
      await bdb.dispose();
    }
    const ratio = figMs / floorMs;
    return {
      id: 'queued-drain', figure: `${n.toLocaleString('en')} queued sales drained after reconnect (real hub, ${backendName(env)})`, value: figMs / 1000, floorValue: floorMs / 1000, unit: 's',
      floor: 'ack-only hub', ratio, target: '≤ 2×', pass: ratio <= 2, notes: [`${Math.round(n / (figMs / 1000))} sales/s to the hub, ${Math.round(n / (floorMs / 1000))} sales/s to the ack-only hub`, `real hub: ${cpuNotes[1]}; ack-only: ${cpuNotes[0]}`],
    };
  } finally {
    done();
  }
}

/**
 * Barcode lookup at chain scale: the register's catalog view over an N-SKU projection (loaded
 * through the change log as the hub sends it), 2,000 random barcodes, every one must be found;
 * floor, interleaved on a second connection to the same file: a bare b-tree probe of the
 * barcode index (SELECT sku FROM catalog_barcodes WHERE barcode = ?).
 */
export async function barcodeLookup(size: Size, skusFull: number): Promise<RowResult> {
  const n = pick(size, { tiny: 2000, quick: skusFull === 1_000_000 ? 100_000 : 30_000, full: skusFull });
  const lookups = pick(size, { tiny: 200, quick: 2000, full: 2000 });
  const { dir, done } = tempDir();
  try {
    const file = path.join(dir, 'journal.sqlite');
    const journal = openJournal(file, { terminalId: 'T01', storeId: 'S1' });
    const l0 = performance.now();
    loadChainCatalog(journal, 'S1', n);
    // The checked products the changes marked stale are rebuilt as the register does after a
    // change (in bounded batches); a snapshot writes them with its pages.
    while (journal.refreshCatalogProducts(50_000) > 0);
    const loadMs = performance.now() - l0;
    const view = loadCatalogView(journal, 'USD');
    const rand = rng(n);
    const picks = Array.from({ length: lookups }, () => Math.floor(rand() * n));
    const raw = new Database(file, { readonly: true });
    // The projection's barcode index (journal migration 2: code is the GTIN padded to 14 digits).
    const probe = raw.prepare('SELECT sku FROM catalog_barcodes WHERE code = ?');
    // Warm-up (JIT, page cache) on other barcodes than the measured ones (the view caches reads).
    for (let k = 0; k < 200; k++) {
      const i = Math.floor(rand() * n);
      probe.get(chainBarcode(i).padStart(14, '0'));
      view.lookup(chainBarcode(i));
    }
    let found = 0;
    let probed = 0;
    const fig: number[] = [];
    const floor: number[] = [];
    for (const i of picks) {
      const code = chainBarcode(i);
      const f0 = performance.now();
      const row = probe.get(code.padStart(14, '0'));
      const f1 = performance.now();
      const p = view.lookup(code);
      const f2 = performance.now();
      if (row) probed++;
      if (p?.sku === chainSku(i)) found++;
      floor.push(f1 - f0);
      fig.push(f2 - f1);
    }
    raw.close();
    journal.close();
    if (probed !== lookups) throw new Error(`floor probe found ${probed}/${lookups}: the floor's SQL does not match the projection`);
    const f = sortNum(fig);
    const fl = sortNum(floor);
    const ratio = pct(f, 99) / pct(fl, 99);
    return {
      id: `barcode-lookup-${skusFull}`, figure: `barcode lookup p99, ${n.toLocaleString('en')}-SKU catalog (${found}/${lookups} found)`, value: pct(f, 99), floorValue: pct(fl, 99), unit: 'ms',
      floor: 'bare b-tree probe of the barcode index', ratio, target: '≤ 3×, all found', pass: ratio <= 3 && found === lookups,
      notes: [`p50 ${pct(f, 50).toFixed(3)} ms vs floor p50 ${pct(fl, 50).toFixed(3)} ms; catalog loaded through the change log in ${(loadMs / 1000).toFixed(1)} s`, `RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB in the bench process`],
    };
  } finally {
    done();
  }
}


/** Seeds the hub with an N-SKU chain catalog and the store's N prices (set-based, 20,000 rows a statement). */
export async function seedHubCatalog(db: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, storeIds: string[], n: number): Promise<void> {
  for (let from = 0; from < n; from += 20_000) {
    const rows = Array.from({ length: Math.min(20_000, n - from) }, (_, k) => {
      const i = from + k;
      return { sku: chainSku(i), data: { sku: chainSku(i), gtins: [chainBarcode(i)], name: chainName(i), category: 'grocery', tax_category: i % 3 === 0 ? 'general' : 'food', unit: 'each', price: 49 + (i % 1950), currency: 'USD', active: true } };
    });
    await db.query(`INSERT INTO products (sku, data) SELECT sku, data FROM jsonb_to_recordset($1::jsonb) AS x(sku text, data jsonb)`, [JSON.stringify(rows)]);
    for (const s of storeIds) {
      await db.query(
        `INSERT INTO prices (store_id, sku, amount, currency) SELECT $2, sku, amount, 'USD' FROM jsonb_to_recordset($1::jsonb) AS x(sku text, amount bigint)`,
        [JSON.stringify(rows.map((r) => ({ sku: r.sku, amount: r.data.price }))), s],
      );
    }
  }
}

/**
 * An N-SKU catalog to a new register: a freshly enrolled register (real journal, real
 * SyncClient) says hello to a hub holding the chain's catalog and the store's prices, takes the
 * snapshot and applies it; timed until its projection holds N products. Floor: a bare
 * socket.io server sending the same snapshot (already read) to a bare client, which inserts
 * the rows into SQLite in one transaction with the journal's pragmas.
 */
export async function catalogToRegister(size: Size, env: { databaseUrl?: string }): Promise<RowResult> {
  const n = pick(size, { tiny: 2000, quick: 50_000, full: 300_000 });
  const { dir, done } = tempDir();
  const bdb = await openBenchDb(env);
  const hub = await startHub({ db: bdb.db, port: 0, host: '127.0.0.1', logLevel: 'silent' });
  try {
    const storeId = `BC${Date.now() % 100000}`;
    await createStore(hub.db, { store_id: storeId, name: 'bench', currency: 'USD' });
    await seedHubCatalog(hub.db, [storeId], n);
    await hub.db.query(`UPDATE stores SET change_cursor = 1 WHERE store_id = $1`, [storeId]);
    const { code } = await createEnrollmentCode(hub.db, { store_id: storeId, terminal_id: `${storeId}-T1` });
    const cred = await redeemEnrollmentCode(hub.db, code);

    // The figure.
    const j = openJournal(path.join(dir, 'new.db'), { terminalId: cred.terminal_id, storeId });
    const client = new SyncClient({ journal: j, url: hub.url, token: cred.token, appVersion: 'bench', monitorIntervalMs: 50, ackTimeoutMs: 600_000 });
    let snapped = false;
    client.on('snapshot', () => (snapped = true));
    const t0 = performance.now();
    const w0 = timedNow();
    const cpu0 = process.cpuUsage();
    client.start();
    await until(() => snapped, 20 * 60_000, () => `no snapshot: ${JSON.stringify(client.status)}`);
    const figMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    markWindow(w0, timedNow(), 'catalog-to-register');
    client.stop();
    const got = j.catalogSize();
    j.close();
    if (got !== n) throw new Error(`register holds ${got} products after the snapshot, expected ${n}`);

    // The floor: the same snapshot over a bare socket.io request, then raw inserts.
    const snap = await hub.db.transaction((tx) => storeSnapshot(tx, storeId));
    const floorMs = await bareTransferAndInsert(snap, path.join(dir, 'raw.db'));
    const ratio = figMs / floorMs;
    return {
      id: 'catalog-to-register', figure: `${n.toLocaleString('en')}-SKU catalog to a new register (${backendName(env)})`, value: figMs / 1000, floorValue: floorMs / 1000, unit: 's',
      floor: 'bare transfer + raw SQLite insert', ratio, target: '≤ 1.5×', pass: ratio <= 1.5, notes: [`snapshot message ${(JSON.stringify(snap).length / 2 ** 20).toFixed(1)} MiB`, `this process (hub and register; Postgres not counted): ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU in the figure's ${(figMs / 1000).toFixed(2)} s`],
    };
  } finally {
    await hub.close();
    await bdb.dispose();
    done();
  }
}

async function bareTransferAndInsert(snap: { catalog: Record<string, unknown>[]; prices: Record<string, unknown>[] }, file: string): Promise<number> {
  const { createServer } = await import('node:http');
  const { Server } = await import('socket.io');
  const { io: ioClient } = await import('socket.io-client');
  const http = createServer();
  const io = new Server(http, { transports: ['websocket'] });
  io.on('connection', (s) => s.on('snapshot.get', (_req: unknown, ack: (r: unknown) => void) => ack(snap)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
  const port = (http.address() as { port: number }).port;
  const t0 = performance.now();
  const c = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
  const got = (await c.timeout(600_000).emitWithAck('snapshot.get', {})) as typeof snap;
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE catalog_items (sku TEXT PRIMARY KEY, data TEXT NOT NULL); CREATE TABLE prices (sku TEXT PRIMARY KEY, data TEXT NOT NULL)');
  const ic = db.prepare('INSERT INTO catalog_items VALUES (?, ?)');
  const ip = db.prepare('INSERT INTO prices VALUES (?, ?)');
  db.transaction(() => {
    for (const p of got.catalog) ic.run(p.sku as string, JSON.stringify(p));
    for (const p of got.prices) ip.run(p.sku as string, JSON.stringify(p));
  })();
  const ms = performance.now() - t0;
  db.close();
  c.close();
  await new Promise<void>((r) => io.close(() => r()));
  return ms;
}
