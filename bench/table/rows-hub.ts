import { readFileSync } from 'node:fs';
import { performance as perf } from 'node:perf_hooks';
import { MSG, type JournalEvent } from '../../src/core/protocol';
import type { Db } from '../../src/hub/db/db';
import { createStore } from '../../src/hub/stores';
import { ADMIN_TOKEN, api, checkInvariants, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { RegisterSim, salePayload as simSalePayload } from '../../src/hub/testing/register-sim';
import { backendName, openBenchDb, until } from './common';
import { cpuNote, markWindow, pct, pick, rng, sortNum, timedNow, type RowResult, type Size } from './harness';
import { seedHubCatalog } from './rows-register';
import { bareClients, connectAll, enrollMany, realRegister, storesFor } from './load';
import { startBareIo } from './bare-io';

type Env = { databaseUrl?: string };

/** `npm run bench -- --registers N` (bench/run-all.ts): the register count of the rows that scale with it. */
export type RunOpts = { registers?: number };

/**
 * Sale committed → applied at the hub, and → stock change on the store's other registers, p99,
 * with R registers connected (10 a store; `--registers`, full run 500), each selling one 1-line
 * sale every ~30 s (full run; 0.5-1.5 × the period, random phase), one push in flight each:
 * push → ack (the hub's commit) for the first, push → the `changes` message naming the sale's
 * terminal and seq at every other register of the store for the second; both over the light
 * clients. The first register of each of the first 5 stores is a real register instead (real
 * journal and SyncClient, load.ts `realRegister`) on the same schedule: its journal commit →
 * applied at hub is a note. Floor: a bare socket.io server in the same process with R bare
 * clients on the same schedule, emit + ack of the same event.
 */
export async function saleLatency(size: Size, env: Env, opts: RunOpts = {}): Promise<RowResult[]> {
  const { stores, perStore, registers } = storesFor('L', opts.registers ?? pick(size, { tiny: 20, quick: 100, full: 500 }));
  // A register completes a sale every ~30 s at a busy hour (so 500 registers: ~17 sales/s at the hub).
  const periodMs = pick(size, { tiny: 2000, quick: 10_000, full: 30_000 });
  const seconds = pick(size, { tiny: 5, quick: 25, full: 50 });
  const warmMs = pick(size, { tiny: 1000, quick: 3000, full: 5000 });
  // BENCH_REAL_REGISTERS=0 runs light clients only (the row as it was before the real registers).
  const REAL_STORES = Number(process.env.BENCH_REAL_REGISTERS ?? 5);
  const skus = Array.from({ length: 100 }, (_, i) => `LS-${i}`);
  const rand = rng(42);

  /** Runs the schedule: `send(i)` for register i resolves when its sale is acked. */
  const schedule = async (n: number, send: (i: number) => Promise<void>): Promise<void> => {
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        await new Promise((r) => setTimeout(r, rand() * periodMs));
        while (performance.now() < end) {
          const next = performance.now() + periodMs * (0.5 + rand());
          await send(i);
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }),
    );
  };

  // Figure: the real hub.
  const bdb = await openBenchDb(env);
  const applied: number[] = [];
  const stock: number[] = [];
  const realApplied: number[] = [];
  const realCommit: number[] = [];
  const realErrors = new Set<string>();
  let realCount: number;
  let sales = 0;
  let busy = 0;
  try {
    for (const s of stores) await seedStore(bdb.db, s, Object.fromEntries(skus.map((k) => [k, 1_000_000_000])));
    const hub = await startTestHub(bdb.db, { schedulerIntervalMs: 60_000 });
    const regs = await enrollMany(bdb.db, stores, perStore);
    // Real registers: the first of each of the first 5 stores (with a store of its own's light clients beside it).
    const realAt = new Set(stores.slice(0, REAL_STORES).map((s) => regs.findIndex((r) => r.storeId === s)).filter((i) => i >= 0));
    const light = regs.filter((_, i) => !realAt.has(i));
    await connectAll(hub.url, light);
    const reals = new Map([...realAt].map((i) => [i, realRegister(regs[i]!, hub.url)]));
    realCount = reals.size;
    await until(() => [...reals.values()].every((r) => r.client.status.connected && r.client.status.snapshot === null), 120_000, () => 'real registers not connected');
    const sentAt = new Map<string, number>();
    const t00 = performance.now();
    for (const r of light) {
      r.socket!.on(MSG.changes, (m: { changes: { kind: string; payload: { source?: { terminal_id?: string; through_seq?: number } } }[] }) => {
        const now = performance.now();
        for (const c of m.changes) {
          const src = c.payload.source;
          if (c.kind !== 'stock' || !src?.terminal_id || src.terminal_id === r.terminalId) continue;
          const at = sentAt.get(`${src.terminal_id}:${src.through_seq}`);
          if (at !== undefined && at - t00 > warmMs) stock.push(now - at);
        }
      });
    }
    await schedule(regs.length, async (i) => {
      const item = { sku: skus[Math.floor(rand() * skus.length)]!, units: 1, unit_price: 199 };
      const real = reals.get(i);
      if (real) {
        // The till's path: journal.append commits (fsync) and emits `appended`, on which the
        // SyncClient sends the push; timed from append's return to the client's ack.
        const p = simSalePayload(regs[i]!.storeId, regs[i]!.terminalId, [item]);
        const c0 = performance.now();
        const e = real.journal.append('sale.completed', p, { stockMovements: [{ sku: item.sku, delta: { units: -1, scale: 0 } }] });
        const t0 = performance.now();
        const at = await real.appliedAt(e.seq, 120_000);
        if (t0 - t00 > warmMs) {
          realApplied.push(at - t0);
          realCommit.push(t0 - c0);
        }
        return;
      }
      const r = regs[i]!;
      const e = r.sell([item]);
      const t0 = performance.now();
      sentAt.set(`${r.terminalId}:${e.seq}`, t0);
      // The hub sheds load with BUSY (too many batches in flight); a register sends again shortly.
      let ack = (await r.push([e], 120_000)) as { ok: boolean; applied_through?: number; error?: { code?: string } };
      while (!ack.ok && ack.error?.code === 'BUSY') {
        busy++;
        await new Promise((res) => setTimeout(res, 20 + rand() * 80));
        ack = (await r.push([e], 120_000)) as typeof ack;
      }
      if (!ack.ok || ack.applied_through !== e.seq) throw new Error(`sale not applied: ${JSON.stringify(ack).slice(0, 200)}`);
      if (t0 - t00 > warmMs) applied.push(performance.now() - t0);
      sales++;
    });
    await new Promise((r) => setTimeout(r, 1000)); // the last stock changes in flight
    for (const real of reals.values()) {
      for (const e of real.errors) realErrors.add(e);
      real.close();
    }
    for (const r of light) r.close();
    await hub.close();
  } finally {
    await bdb.dispose();
  }

  // Floor: bare emit + ack on the same schedule.
  const bare = await startBareIo();
  const floor: number[] = [];
  try {
    const socks = await bareClients(bare.url, Array.from({ length: registers }, (_, i) => stores[i % stores.length]!));
    const sim = new RegisterSim('L000', 'L000-X', 'x');
    const event: JournalEvent = sim.sell([{ sku: skus[0]!, units: 1, unit_price: 199 }]);
    const t00 = performance.now();
    await schedule(socks.length, async (i) => {
      const t0 = performance.now();
      await socks[i]!.timeout(60_000).emitWithAck(MSG.pushEvents, { terminal_id: 'L000-X', events: [event] });
      if (t0 - t00 > warmMs) floor.push(performance.now() - t0);
    });
    for (const s of socks) s.close();
  } finally {
    await bare.close();
  }
  const a = sortNum(applied);
  const st = sortNum(stock);
  const fl = sortNum(floor);
  const ra = sortNum(realApplied);
  const rc = sortNum(realCommit);
  const floorP99 = pct(fl, 99);
  const r1 = pct(a, 99) / floorP99;
  const r2 = pct(st, 99) / floorP99;
  const rate = (registers / periodMs) * 1000;
  const label = `${registers} registers, ${stores.length} stores, ${rate < 10 ? rate.toFixed(1) : Math.round(rate)} sales/s, ${backendName(env)}`;
  const realNote = realCount
    ? `${realCount} real registers (journal + SyncClient, first of stores ${stores[0]}..${stores[realCount - 1]}): journal commit → applied at hub p50 ${pct(ra, 50).toFixed(1)} ms, p99 ${pct(ra, 99).toFixed(1)} ms over ${ra.length} sales (from append's return to the ack's status; the append itself p50 ${pct(rc, 50).toFixed(2)} ms, p99 ${pct(rc, 99).toFixed(2)} ms)${realErrors.size ? `; their link errors: ${[...realErrors].join(' | ').slice(0, 300)}` : ''}`
    : 'no real registers';
  return [
    {
      id: 'sale-applied', figure: `sale committed → applied at hub, p99 (${label})`, value: pct(a, 99), floorValue: floorP99, unit: 'ms', floor: 'bare socket.io emit+ack p99',
      ratio: r1, target: '≤ 2×', pass: r1 <= 2, notes: [`${sales} sales by ${registers - realCount} light clients (${busy} pushes answered BUSY and sent again); p50 ${pct(a, 50).toFixed(1)} ms, floor p50 ${pct(fl, 50).toFixed(1)} ms`, `NOTE ${realNote}`],
    },
    {
      id: 'stock-other-register', figure: `→ stock change on the store's other registers, p99 (${label})`, value: pct(st, 99), floorValue: floorP99, unit: 'ms', floor: 'bare socket.io emit+ack p99',
      ratio: r2, target: '≤ 2× + 2 ms', pass: pct(st, 99) <= 2 * floorP99 + 2, notes: [`${st.length} deliveries to light clients; p50 ${pct(st, 50).toFixed(1)} ms`],
    },
  ];
}

/**
 * Hub ingest in catch-up: 4 registers with a backlog push batches of 500 sales (2 lines each),
 * one batch in flight each, into the real hub (ledger, stock, change log): sales/s. Floor: the
 * same 4 × batches inserted as multi-row INSERTs (one statement a batch, 4 connections at once)
 * of the same event rows into a copy of journal_events, in the same database: sales/s.
 * Ratio: figure / floor (the fraction of the floor reached).
 */
export async function hubIngest(size: Size, env: Env): Promise<RowResult[]> {
  const perRegister = pick(size, { tiny: 100, quick: 2000, full: 5000 });
  const REGISTERS = 4;
  const BATCH = 500;
  const skus = Array.from({ length: 20 }, (_, i) => `SKU-${i}`);
  const bdb = await openBenchDb(env);
  try {
    const db = bdb.db;
    const opening = Object.fromEntries(skus.map((s) => [s, 1_000_000_000]));
    await seedStore(db, 'BENCH', opening);
    const hub = await startTestHub(db, { schedulerIntervalMs: 60_000 });
    const regs = await enrollMany(db, ['BENCH'], REGISTERS);
    await connectAll(hub.url, regs);
    for (const [i, r] of regs.entries()) {
      for (let n = 0; n < perRegister; n++) r.sell([{ sku: skus[(n * 7 + i) % skus.length]!, units: 1, unit_price: 199 }, { sku: skus[(n * 3 + i) % skus.length]!, units: 2, unit_price: 99 }]);
    }
    const t0 = performance.now();
    const w0 = timedNow();
    const cpu0 = process.cpuUsage();
    await Promise.all(
      regs.map(async (r) => {
        for (let i = 0; i < r.journal.length; i += BATCH) {
          const ack = (await r.push(r.journal.slice(i, i + BATCH), 300_000)) as { ok: boolean; rejected?: unknown[] };
          if (!ack.ok || ack.rejected?.length) throw new Error(`push failed: ${JSON.stringify(ack).slice(0, 300)}`);
        }
      }),
    );
    const figS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    markWindow(w0, timedNow(), 'hub-ingest');
    for (const r of regs) r.close();
    await hub.close();
    const inv = await checkInvariants(db, { BENCH: opening });
    if (!inv.balanced || inv.mismatches.length || inv.duplicates) throw new Error('invariants broken after the ingest bench');

    // Floor: multi-row inserts of the same rows.
    await db.exec(`CREATE TABLE floor_events (LIKE journal_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
    const f0 = performance.now();
    await Promise.all(
      regs.map(async (r) => {
        for (let i = 0; i < r.journal.length; i += BATCH) {
          const rows = r.journal.slice(i, i + BATCH).map((e) => ({ ...e, terminal_id: `${e.terminal_id}-F` }));
          await db.query(
            `INSERT INTO floor_events (terminal_id, seq, event_id, store_id, type, occurred_at, payload, prev_hash, hash)
             SELECT terminal_id, seq, gen_random_uuid(), store_id, type, occurred_at, payload, prev_hash, hash
               FROM jsonb_to_recordset($1::jsonb) AS x(terminal_id text, seq bigint, store_id text, type text, occurred_at timestamptz, payload jsonb, prev_hash text, hash text)`,
            [JSON.stringify(rows)],
          );
        }
      }),
    );
    const floorS = (performance.now() - f0) / 1000;
    const total = REGISTERS * perRegister;
    const fig = total / figS;
    const floor = total / floorS;
    const ratio = fig / floor;
    const rowsFloorS = await everyRowFloor(db, regs, BATCH);
    const rowsFloor = total / rowsFloorS;
    return [
      {
        id: 'hub-ingest', figure: `hub ingest in catch-up, ${backendName(env)}, 4 registers, batches of 500 (${total.toLocaleString('en')} sales)`, value: fig, floorValue: floor, unit: 'sales/s',
        floor: 'multi-row inserts of the same rows', ratio, target: '≥ 0.7 of the floor, ≥ 6,000 sales/s', pass: ratio >= 0.7 && fig >= 6000, notes: [
          `hub ${figS.toFixed(2)} s, floor ${floorS.toFixed(2)} s`,
          cpuNote(cpu, total, figS),
          `every row the ingest writes (the same sales' journal rows, ledger entries and lines, stock movements and level updates as the hub stored them: multi-row INSERTs per table, one transaction a batch, 4 connections at once, into LIKE … INCLUDING ALL copies): ${Math.round(rowsFloor).toLocaleString('en')} sales/s (${rowsFloorS.toFixed(2)} s); the figure is ${(fig / rowsFloor).toFixed(2)} of it`,
        ],
      },
    ];
  } finally {
    await bdb.dispose();
  }
}

/**
 * hub-ingest's second floor, Postgres's unavoidable share: every row the ingest wrote for the
 * figure's sales, read back from the real tables (so each row's shape is exact), written again
 * per batch into copies of the tables (LIKE … INCLUDING ALL: indexes, defaults, checks; no
 * foreign keys or triggers) as one multi-row INSERT per table plus the stock levels' upsert
 * (per SKU, in SKU order, as the hub does), one transaction a batch, one connection a register,
 * the 4 at once. Returns the seconds it took.
 */
async function everyRowFloor(db: Db, regs: RegisterSim[], batch: number): Promise<number> {
  const tables = ['journal_events', 'ledger_entries', 'ledger_lines', 'stock_movements', 'stock_levels'];
  for (const t of tables) await db.exec(`CREATE TABLE floor_${t} (LIKE ${t} INCLUDING ALL)`);
  await db.exec(`INSERT INTO floor_stock_levels SELECT * FROM stock_levels`);
  type Rows = { journal: string; entries: string; lines: string; movements: string; levels: string };
  const read = async (terminal: string, from: number, to: number): Promise<Rows> => {
    const one = async (sql: string): Promise<string> => (await db.query<{ j: string | null }>(sql, [terminal, from, to])).rows[0]!.j ?? '[]';
    const events = `SELECT event_id FROM journal_events WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3`;
    const entries = `SELECT entry_id FROM ledger_entries WHERE event_id IN (${events})`;
    return {
      journal: await one(`SELECT json_agg(j ORDER BY seq)::text AS j FROM journal_events j WHERE terminal_id = $1 AND seq BETWEEN $2 AND $3`),
      entries: await one(`SELECT json_agg(e)::text AS j FROM ledger_entries e WHERE entry_id IN (${entries})`),
      lines: await one(`SELECT json_agg(l ORDER BY line_id)::text AS j FROM ledger_lines l WHERE entry_id IN (${entries})`),
      movements: await one(`SELECT json_agg(m ORDER BY movement_id)::text AS j FROM stock_movements m WHERE event_id IN (${events})`),
      levels: await one(
        `SELECT json_agg(x ORDER BY sku)::text AS j FROM (SELECT store_id, sku, sum(quantity) AS delta FROM stock_movements WHERE event_id IN (${events}) GROUP BY store_id, sku) x`,
      ),
    };
  };
  const work: Rows[][] = [];
  for (const r of regs) {
    const mine: Rows[] = [];
    for (let i = 0; i < r.journal.length; i += batch) mine.push(await read(r.terminalId, i + 1, Math.min(i + batch, r.journal.length)));
    work.push(mine);
  }
  const t0 = performance.now();
  await Promise.all(
    work.map(async (mine) => {
      for (const b of mine) {
        await db.transaction(async (tx) => {
          await tx.query(`INSERT INTO floor_journal_events SELECT * FROM jsonb_populate_recordset(NULL::floor_journal_events, $1::jsonb)`, [b.journal]);
          await tx.query(`INSERT INTO floor_ledger_entries SELECT * FROM jsonb_populate_recordset(NULL::floor_ledger_entries, $1::jsonb)`, [b.entries]);
          await tx.query(`INSERT INTO floor_ledger_lines SELECT * FROM jsonb_populate_recordset(NULL::floor_ledger_lines, $1::jsonb)`, [b.lines]);
          await tx.query(`INSERT INTO floor_stock_movements SELECT * FROM jsonb_populate_recordset(NULL::floor_stock_movements, $1::jsonb)`, [b.movements]);
          await tx.query(
            `INSERT INTO floor_stock_levels (store_id, sku, on_hand) SELECT store_id, sku, delta FROM jsonb_to_recordset($1::jsonb) AS x(store_id text, sku text, delta numeric) ORDER BY sku
             ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = floor_stock_levels.on_hand + EXCLUDED.on_hand`,
            [b.levels],
          );
        });
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/**
 * A price change of N SKUs → R registers (10 a store) applied: HQ posts one price change for
 * all stores (POST /api/prices); timed until every register has received the new price of
 * every SKU through `changes`. Floor: a bare socket.io server broadcasting the same messages
 * (as the first register of each store received them) to the same number of bare clients in
 * the same rooms, timed until every client has them all.
 */
export async function priceChange(size: Size, env: Env, opts: RunOpts = {}): Promise<RowResult[]> {
  const { stores, perStore, registers } = storesFor('P', opts.registers ?? pick(size, { tiny: 20, quick: 100, full: 500 }));
  const nSkus = pick(size, { tiny: 1000, quick: 10_000, full: 10_000 });
  const bdb = await openBenchDb(env);
  const captured = new Map<string, unknown[]>();
  let figS: number;
  let httpS: number;
  let hubCpuS: number;
  let floorCpuS: number;
  let hubElu: number;
  let floorElu: number;
  const cpuS = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;
  try {
    for (const s of stores) await createStore(bdb.db, { store_id: s, name: s, currency: 'USD' });
    await seedHubCatalog(bdb.db, stores, nSkus);
    const hub = await startTestHub(bdb.db, { schedulerIntervalMs: 60_000 });
    const regs = await enrollMany(bdb.db, stores, perStore);
    await connectAll(hub.url, regs);
    const { chainSku } = await import('../../src/main/register/catalog-fixture');
    const got = new Map<RegisterSim, Set<string>>();
    let complete = 0;
    for (const r of regs) {
      const seen = new Set<string>();
      got.set(r, seen);
      const first = r.terminalId.endsWith('-R0');
      r.socket!.on(MSG.changes, (m: { changes: { kind: string; payload: { prices?: { sku: string; amount: number }[] } }[] }) => {
        if (first) (captured.get(r.storeId) ?? captured.set(r.storeId, []).get(r.storeId)!).push(m);
        const before = seen.size;
        for (const c of m.changes) if (c.kind === 'price') for (const p of c.payload.prices ?? []) if (p.amount >= 1_000_000) seen.add(p.sku);
        if (before < nSkus && seen.size >= nSkus) complete++;
      });
    }
    const prices = Array.from({ length: nSkus }, (_, i) => ({ sku: chainSku(i), amount: 1_000_000 + i }));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const elu0 = perf.eventLoopUtilization();
    const res = await api(hub, 'POST', '/api/prices', { target: { all: true }, prices }, ADMIN_TOKEN);
    httpS = (performance.now() - t0) / 1000;
    if (res.status !== 201) throw new Error(`price change refused: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    await until(() => complete === regs.length, 20 * 60_000, () => `${complete}/${regs.length} registers have the new prices`);
    figS = (performance.now() - t0) / 1000;
    hubCpuS = cpuS(process.cpuUsage(cpu0));
    hubElu = perf.eventLoopUtilization(elu0).utilization;
    for (const r of regs) r.close();
    await hub.close();
  } finally {
    await bdb.dispose();
  }

  const bare = await startBareIo();
  let floorS: number;
  try {
    const socks = await bareClients(bare.url, Array.from({ length: registers }, (_, i) => stores[Math.floor(i / perStore)]!));
    let complete = 0;
    for (const s of socks) {
      const seen = new Set<string>();
      s.on(MSG.changes, (m: { changes: { kind: string; payload: { prices?: { sku: string; amount: number }[] } }[] }) => {
        const before = seen.size;
        for (const c of m.changes) if (c.kind === 'price') for (const p of c.payload.prices ?? []) if (p.amount >= 1_000_000) seen.add(p.sku);
        if (before < nSkus && seen.size >= nSkus) complete++;
      });
    }
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const elu0 = perf.eventLoopUtilization();
    for (const [store, msgs] of captured) for (const m of msgs) bare.io.to(`store:${store}`).emit(MSG.changes, m);
    await until(() => complete === socks.length, 20 * 60_000, () => `floor: ${complete}/${socks.length}`);
    floorS = (performance.now() - t0) / 1000;
    floorCpuS = cpuS(process.cpuUsage(cpu0));
    floorElu = perf.eventLoopUtilization(elu0).utilization;
    for (const s of socks) s.close();
  } finally {
    await bare.close();
  }
  const ratio = figS / floorS;
  return [
    {
      id: 'price-change', figure: `price change of ${nSkus.toLocaleString('en')} SKUs → ${registers} registers (${stores.length} stores) applied, ${backendName(env)}`, value: figS, floorValue: floorS, unit: 's',
      floor: 'bare broadcast of the same messages', ratio, target: '≤ 1.3×', pass: ratio <= 1.3, notes: [`the HTTP call took ${httpS.toFixed(2)} s`, `CPU of the bench process (hub and clients, Postgres not counted) ${hubCpuS.toFixed(2)} s, its event loop busy ${(hubElu * 100).toFixed(0)}% of the time; the floor's (bare server and clients) ${floorCpuS!.toFixed(2)} s, busy ${(floorElu! * 100).toFixed(0)}% (a loop busy 100% and short of CPU was starved by other work, not waiting on the hub)`],
    },
  ];
}

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/**
 * Hub RSS with N idle registers connected (each said hello), the hub in its own process;
 * floor: a bare socket.io server in its own process with N bare clients. Target: the hub's
 * RSS with no register plus N times the measured cost of one, projected to 20,000 registers,
 * within 1 GiB.
 */
export async function hubRss(size: Size, env: Env, opts: RunOpts = {}): Promise<RowResult[]> {
  const n = opts.registers ?? pick(size, { tiny: 50, quick: 1000, full: 5000 });
  const { spawnHub } = await import('../../src/hub/testing/spawn-hub');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-rss-'));
  const { stores, perStore } = storesFor('M', n);
  const settle = async (pid: number): Promise<number> => {
    await new Promise((r) => setTimeout(r, 1500));
    return rssOf(pid);
  };
  let hubIdle: number;
  let hubN: number;
  try {
    const bdb = await openBenchDb({ ...env, dataDir: env.databaseUrl ? undefined : path.join(dir, 'pg') });
    for (const s of stores) await createStore(bdb.db, { store_id: s, name: s, currency: 'USD' });
    const regs = await enrollMany(bdb.db, stores, perStore);
    const schema = bdb.schema;
    if (!env.databaseUrl) await bdb.db.close();
    const child = await spawnHub(env.databaseUrl ? { databaseUrl: env.databaseUrl, schema } : { dataDir: path.join(dir, 'pg'), schema });
    try {
      hubIdle = await settle(child.proc.pid!);
      const some = regs.slice(0, n);
      await connectAll(child.url, some);
      for (let i = 0; i < some.length; i += 100) await Promise.all(some.slice(i, i + 100).map((r) => r.hello()));
      hubN = await settle(child.proc.pid!);
      for (const r of some) r.close();
    } finally {
      await child.stop();
      if (env.databaseUrl) await bdb.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Floor: a bare server in its own process.
  const { spawn } = await import('node:child_process');
  const proc = spawn(process.execPath, ['bin/run-ts.mjs', 'bench/table/bare-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bareN: number;
  let bareIdle: number;
  try {
    const url = await new Promise<string>((resolve) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += String(d);
        const m = /READY (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
    });
    bareIdle = await settle(proc.pid!);
    const socks = await bareClients(url, Array.from({ length: n }, (_, i) => stores[i % stores.length]!));
    for (let i = 0; i < socks.length; i += 100) await Promise.all(socks.slice(i, i + 100).map((s) => s.timeout(30_000).emitWithAck(MSG.hello, {})));
    bareN = await settle(proc.pid!);
    for (const s of socks) s.close();
  } finally {
    proc.kill('SIGTERM');
  }
  const MiB = 2 ** 20;
  const per = (hubN - hubIdle) / n;
  const projected = hubIdle + 20_000 * per;
  const ratio = hubN / bareN;
  return [
    {
      id: 'hub-rss', figure: `hub RSS, ${n.toLocaleString('en')} idle registers (${backendName(env)})`, value: hubN / MiB, floorValue: bareN / MiB, unit: 'MiB', floor: 'bare socket.io server, same clients',
      ratio, target: '20,000 registers within 1 GiB', pass: projected <= 1024 * MiB,
      notes: [`hub ${(hubIdle / MiB).toFixed(0)} MiB idle + ${(per / 1024).toFixed(1)} KiB a register → ${(projected / MiB).toFixed(0)} MiB projected at 20,000; bare server ${(bareIdle / MiB).toFixed(0)} MiB idle + ${((bareN - bareIdle) / n / 1024).toFixed(1)} KiB a client`],
    },
  ];
}
