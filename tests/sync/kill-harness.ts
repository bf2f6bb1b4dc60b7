import path from 'node:path';
import { expect } from 'vitest';
import { verifyChain, type JournalEvent } from '../../src/core/protocol';
import { openJournal, verifyJournalFile } from '../../src/sync';
import { runChild } from './child-process';
import { mulberry32 } from './helpers';

// kill -9 the register at random points of a sale stream, restart it, and at the end check
// that every sale it reported completed reached the hub exactly once, in order, that no
// cart it reported saved was lost, and that both hash chains verify. Shared by the run
// against the test hub and the one against the real hub.

const MAX_SALES_PER_LIFE = 8;

export interface HubUnderTest {
  name: string;
  url: string;
  token: string;
  terminal_id: string;
  store_id: string;
  /** The hub's copy of this terminal's journal, in seq order, applied and rejected. */
  events(): Promise<(JournalEvent & { status: 'applied' | 'rejected' })[]>;
}

export interface KillSummary {
  kills: number;
  killPhaseMs: number;
  msPerLife: number;
  avgSpawnToReadyMs: number;
  reported: number;
  atHub: number;
  restoredCarts: number;
  killsMidCart: number;
  killsAfterLastSale: number;
}

export async function runKillScenario(hub: HubUnderTest, entry: string[], dir: string, kills: number, seed: number): Promise<KillSummary> {
  console.log(`kill -9 vs ${hub.name}: seed=${seed} kills=${kills} runner=${process.env.SYNC_CHILD_RUNNER ?? 'esbuild bundle'} (replay: SYNC_KILL_SEED=${seed})`);
  const rand = mulberry32(seed);
  const db = path.join(dir, `register-${hub.terminal_id}.db`);
  // At most MAX_SALES_PER_LIFE sales per life (then the child only syncs until killed), so a
  // busy parent that kills late does not let the journal run away.
  const args = (mode: 'run' | 'drain', i: number) => [db, hub.url, hub.token, hub.terminal_id, hub.store_id, mode, String(MAX_SALES_PER_LIFE), String((seed + i) >>> 0)];

  const reported: { id: string; amount: number }[] = [];
  const lastCart = new Map<string, number>(); // sale id -> lines last reported saved
  const restored: { id: string; lines: number; before: number }[] = [];
  const readyMs: number[] = [];
  const started = Date.now();
  let killsMidCart = 0;
  let killsWhileIdle = 0;

  for (let i = 0; i < kills; i++) {
    const t0 = Date.now();
    const child = runChild(entry, args('run', i));
    let completedThisLife = 0;
    let inCart = false;
    const strategy = rand();
    const afterCompleted = Math.floor(rand() * 6); // < MAX_SALES_PER_LIFE
    let idle = false;
    // 30%: anywhere in the first 400 ms (start-up, hello, drain, a sale); else a few ms after
    // the n-th completed sale of this life (mid-cart, mid-commit, mid-push).
    const delayMs = Math.floor(rand() * (strategy < 0.3 ? 400 : 12));
    const kill = () => child.proc.kill('SIGKILL');
    if (strategy < 0.3) setTimeout(kill, delayMs);
    child.onLine((line) => {
      const [tag, id, n] = line.split(' ') as [string, string, string];
      if (tag === 'READY') {
        readyMs.push(Date.now() - t0);
        if (strategy >= 0.3 && afterCompleted === 0) setTimeout(kill, delayMs);
      }
      if (tag === 'CART') {
        lastCart.set(id, Number(n));
        inCart = true;
      }
      if (tag === 'IDLE') idle = true;
      if (tag === 'RESTORED') {
        restored.push({ id, lines: Number(n), before: lastCart.get(id) ?? 0 });
        // What came back is known saved: a line saved in this life and killed before its report
        // is then one more than this, not than a report two lives ago.
        lastCart.set(id, Number(n));
      }
      if (tag === 'COMPLETED') {
        reported.push({ id, amount: Number(n) });
        inCart = false;
        completedThisLife += 1;
        if (strategy >= 0.3 && completedThisLife === afterCompleted) setTimeout(kill, delayMs);
      }
    });
    const exit = await child.exited;
    if (exit.signal !== 'SIGKILL') throw new Error(`child ${i} exited on its own (${exit.code}): ${exit.stderr}`);
    if (inCart) killsMidCart += 1;
    if (idle) killsWhileIdle += 1;
  }
  const killPhaseMs = Date.now() - started;

  // One last life that only drains the queue to the hub.
  const drain = runChild(entry, args('drain', kills));
  const d = await drain.exited;
  expect(d.code, d.stderr).toBe(0);
  expect(drain.lines.some((l) => l.startsWith('DRAINED'))).toBe(true);

  // Register side: the chain verifies, and the hub acknowledged all of it.
  const v = verifyJournalFile(db);
  expect(v.ok, JSON.stringify(v)).toBe(true);
  const j = openJournal(db, { terminalId: hub.terminal_id, storeId: hub.store_id });
  const local = j.eventsAfter(0, 10_000);
  expect(j.syncState().appliedThrough).toBe(j.head().seq);
  const rejections = j.rejections();
  j.close();

  // Hub side: the same chain, each event once, verifying, nothing rejected.
  const hubEvents = await hub.events();
  expect(rejections, JSON.stringify(rejections.slice(0, 3))).toEqual([]);
  expect(hubEvents.filter((e) => e.status !== 'applied')).toEqual([]);
  expect(verifyChain(hubEvents)).toBeNull();
  expect(hubEvents.map((e) => e.hash)).toEqual(local.map((e) => e.hash));
  const hubSales = hubEvents.filter((e) => e.type === 'sale.completed').map((e) => e.payload.sale_id as string);
  expect(new Set(hubSales).size).toBe(hubSales.length); // no sale twice
  const position = new Map(hubSales.map((id, k) => [id, k]));
  let prev = -1;
  for (const r of reported) {
    const k = position.get(r.id);
    expect(k, `reported sale ${r.id} missing at the hub`).toBeDefined();
    expect(k!, `reported sale ${r.id} out of order`).toBeGreaterThan(prev);
    prev = k!;
  }
  // The amounts the cashier saw are the amounts the hub has.
  const hubAmount = new Map(hubEvents.filter((e) => e.type === 'sale.completed').map((e) => [e.payload.sale_id as string, (e.payload.totals as { total: number }).total]));
  for (const r of reported) expect(hubAmount.get(r.id), `amount of ${r.id}`).toBe(r.amount);
  // A cart reported saved came back after the crash with those lines (or one more: saved,
  // then killed before the report).
  for (const r of restored) {
    expect(r.lines - r.before, `cart ${r.id}`).toBeGreaterThanOrEqual(0);
    expect(r.lines - r.before, `cart ${r.id}`).toBeLessThanOrEqual(1);
  }
  expect(reported.length).toBeGreaterThan(0);

  const summary: KillSummary = {
    kills,
    killPhaseMs,
    msPerLife: Math.round(killPhaseMs / kills),
    avgSpawnToReadyMs: Math.round(readyMs.reduce((a, b) => a + b, 0) / Math.max(1, readyMs.length)),
    reported: reported.length,
    atHub: hubSales.length,
    restoredCarts: restored.length,
    killsMidCart,
    killsAfterLastSale: killsWhileIdle,
  };
  console.log(`kill -9 vs ${hub.name}: ${JSON.stringify(summary)}`);
  return summary;
}
