import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Socket } from 'socket.io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_CAPABILITIES, MSG, verifyChain, type JournalEvent } from '../../src/core/protocol';
import type { Db, Queryable } from '../../src/hub/db/db';
import { DEFAULT_TX_RETRIES } from '../../src/hub/db/errors';
import { checkInvariants, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../src/hub/auth';
import type { HubHandle } from '../../src/hub';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { saleCompletedPayload } from './fixtures/sale-payload';
import { tempDir, waitFor } from './helpers';

// A register pipelining its catch-up (docs/sync-protocol.md 4.2): the real SyncClient keeps
// two events.push in flight against the real hub over a real socket. Everything lands once and
// in order; a first batch that fails (its transaction's backend terminated on every attempt,
// UNAVAILABLE) leaves the batch queued behind it answered with the mark, changing nothing, and
// the client resumes from the mark after its backoff with nothing lost or doubled.

const STORE = 'PP';
const SALES = 60;
const BATCH = 5;
const OPENING = { [STORE]: { SKU1: 1_000_000 } };

/** One events.push as the hub saw it: its seqs, how many of the socket's pushes were unanswered when it arrived, and its answer. */
interface Seen {
  terminal: string;
  first: number;
  last: number;
  unansweredAtArrival: number;
  /** Its place in the order the hub answered pushes (0 first). */
  answeredAs?: number;
  answer?: { ok: boolean; applied_through?: number; rejected?: unknown[]; error?: { code: string } };
}

/** Watches every events.push of every register socket: arrival, and the ack the hub sends. */
function watchPushes(hub: HubHandle, seen: Seen[] = []): Seen[] {
  let answered = 0;
  hub.io.on('connection', (socket: Socket) => {
    let unanswered = 0;
    socket.use((packet, next) => {
      const ack = packet[packet.length - 1];
      if (packet[0] === MSG.pushEvents && typeof ack === 'function') {
        const events = (packet[1] as { events: JournalEvent[] }).events;
        const s: Seen = { terminal: events[0]!.terminal_id, first: events[0]!.seq, last: events[events.length - 1]!.seq, unansweredAtArrival: unanswered };
        seen.push(s);
        unanswered += 1;
        packet[packet.length - 1] = (res: Seen['answer']) => {
          unanswered -= 1;
          s.answer = res;
          s.answeredAs = answered++;
          (ack as (r: unknown) => void)(res);
        };
      }
      next();
    });
  });
  return seen;
}

/**
 * The test db, with a fault switch: while `failures` > 0, an ingest transaction dies at its
 * first statement (the terminal row read) as a terminated backend does (57P01), after the
 * hub has received `waitForPushes` pushes, so the batch behind it is queued when it fails.
 */
function faultyDb(db: Db, seen: Seen[]) {
  const ctl = { failures: 0, waitForPushes: 0 };
  const wrap = (tx: Queryable): Queryable => ({
    exec: (sql) => tx.exec(sql),
    query: async (sql, params, opts) => {
      if (opts?.prepare === 'ingest_head' && ctl.failures > 0) {
        ctl.failures -= 1;
        await waitFor('the batch behind to arrive', () => seen.length >= ctl.waitForPushes, 20_000, 2);
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      }
      return tx.query(sql, params, opts);
    },
  });
  const faulty: Db = {
    kind: db.kind,
    query: (sql, params, opts) => db.query(sql, params, opts),
    exec: (sql) => db.exec(sql),
    close: async () => undefined,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
  };
  return { db: faulty, ctl };
}

/**
 * The test db with a gate: once `hold()` is called, every transaction is held before it
 * begins until the hub has received `pushes` pushes (then never again), so that every register
 * has its batches in flight at once. Held before BEGIN: PGlite's one connection stays free for
 * the other registers' hellos.
 */
function gatedDb(db: Db, seen: Seen[], pushes: number) {
  let holding = false;
  const gated: Db = {
    kind: db.kind,
    query: (sql, params, opts) => db.query(sql, params, opts),
    exec: (sql) => db.exec(sql),
    close: async () => undefined,
    transaction: async (fn) => {
      if (holding) {
        await waitFor(`${pushes} pushes to arrive`, () => seen.length >= pushes, 20_000, 2);
        holding = false;
      }
      return db.transaction(fn);
    },
  };
  return { db: gated, hold: () => (holding = true) };
}

async function hubRows(db: Db, terminalId: string) {
  const applied = await db.query<{ seq: string; hash: string; prev_hash: string }>(`SELECT seq, hash, prev_hash FROM journal_events WHERE terminal_id = $1 ORDER BY seq`, [terminalId]);
  const rejected = await db.query(`SELECT seq FROM event_rejections WHERE terminal_id = $1`, [terminalId]);
  return { applied: applied.rows.map((r) => ({ seq: Number(r.seq), hash: r.hash })), rejected: rejected.rows.length };
}

describe.each(testBackends())('pipelined events.push on $name', (backend) => {
  let t: TestDb;
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    t = await openTestDb(backend);
    tmp = tempDir('tillstream-pipelined-');
    await seedStore(t.db, STORE, OPENING[STORE]);
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    tmp?.cleanup();
  });

  /** A register with SALES unsynced sales in its journal, enrolled at the hub. */
  async function registerWithBacklog(terminal: string): Promise<{ journal: Journal; token: string }> {
    const { code } = await createEnrollmentCode(t.db, { store_id: STORE, terminal_id: terminal });
    const { token } = await redeemEnrollmentCode(t.db, code);
    const journal = openJournal(path.join(tmp.dir, `${terminal}.db`), { terminalId: terminal, storeId: STORE });
    for (let i = 0; i < SALES; i++) {
      journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'SKU1', qty: 1, price: 100 + i }] }, STORE, terminal, new Date().toISOString()));
    }
    return { journal, token };
  }

  /**
   * A hub applying `perHub` batches at once whose transactions are held until it has received
   * `heldUntilPushes` pushes, and registers with backlogs and their (unstarted) clients.
   */
  async function gatedRegisters(ids: string[], o: { perHub: number; heldUntilPushes: number }) {
    const seen: Seen[] = [];
    const gate = gatedDb(t.db, seen, o.heldUntilPushes);
    const hub = await startTestHub(gate.db, { schedulerIntervalMs: 3_600_000, limits: { perHub: o.perHub } });
    watchPushes(hub, seen);
    gate.hold();
    const regs = await Promise.all(ids.map(async (id) => ({ id, ...(await registerWithBacklog(id)) })));
    const clients = regs.map(
      ({ journal, token }) => new SyncClient({ journal, url: hub.url, token, appVersion: 'test', batchSize: BATCH, monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } }),
    );
    return { seen, hub, regs, clients };
  }

  async function expectLandedOnce(terminal: string, journal: Journal): Promise<void> {
    const hub = await hubRows(t.db, terminal);
    expect(hub.rejected).toBe(0);
    expect(hub.applied.map((e) => e.seq)).toEqual(Array.from({ length: SALES }, (_, i) => i + 1));
    const mine = journal.eventsAfter(0, SALES + 1);
    expect(hub.applied.map((e) => e.hash)).toEqual(mine.map((e) => e.hash));
    expect(verifyChain(mine)).toBeNull();
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv).toMatchObject({ balanced: true, duplicates: 0, mismatches: [] });
  }

  it('a hub whose hello does not list push.pipeline (an older hub) gets one push at a time, and everything lands once', { timeout: 120_000 }, async () => {
    const hub = await startTestHub(t.db);
    const seen = watchPushes(hub);
    // The hello ack as a hub from before pipelining sends it: no push.pipeline capability.
    hub.io.on('connection', (socket: Socket) => {
      socket.use((packet, next) => {
        const ack = packet[packet.length - 1];
        if (packet[0] === MSG.hello && typeof ack === 'function') {
          packet[packet.length - 1] = (res: { capabilities?: string[] }) =>
            (ack as (r: unknown) => void)({ ...res, capabilities: (res.capabilities ?? []).filter((c) => c !== HUB_CAPABILITIES.pushPipeline) });
        }
        next();
      });
    });
    const { journal, token } = await registerWithBacklog('PP-0');
    const client = new SyncClient({ journal, url: hub.url, token, appVersion: 'test', batchSize: BATCH, monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } });
    try {
      client.start();
      await waitFor('drained', () => client.status.unsyncedCount === 0, 60_000);
      expect(seen.every((s) => s.unansweredAtArrival === 0)).toBe(true);
      expect(seen.map((s) => [s.first, s.last])).toEqual(Array.from({ length: SALES / BATCH }, (_, i) => [i * BATCH + 1, (i + 1) * BATCH]));
      expect(client.status.lastError).toBeNull();
      await expectLandedOnce('PP-0', journal);
    } finally {
      client.stop();
      journal.close();
      await hub.close();
    }
  });

  it('two batches in flight: the second arrives before the first is answered, each is applied whole, in order, once', { timeout: 120_000 }, async () => {
    const commits: number[] = [];
    const hub = await startTestHub(t.db, { afterCommit: (i) => i.terminal_id === 'PP-1' && commits.push(i.applied_through) });
    const seen = watchPushes(hub);
    const { journal, token } = await registerWithBacklog('PP-1');
    const client = new SyncClient({ journal, url: hub.url, token, appVersion: 'test', batchSize: BATCH, monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } });
    try {
      client.start();
      await waitFor('drained', () => client.status.unsyncedCount === 0, 60_000);
      // Pipelined: some push arrived while the one before was unanswered; never more than two.
      expect(Math.max(...seen.map((s) => s.unansweredAtArrival))).toBe(1);
      expect(seen.every((s) => s.unansweredAtArrival <= 1)).toBe(true);
      // Each batch follows the one before and is answered whole (no gap answer, no BUSY).
      expect(seen.map((s) => [s.first, s.last])).toEqual(Array.from({ length: SALES / BATCH }, (_, i) => [i * BATCH + 1, (i + 1) * BATCH]));
      expect(seen.map((s) => s.answer)).toEqual(seen.map((s) => ({ ok: true, applied_through: s.last, rejected: [] })));
      expect(commits).toEqual(seen.map((s) => s.last));
      expect(seen.map((s) => s.answeredAs)).toEqual(seen.map((_, i) => i));
      expect(client.status.lastError).toBeNull();
      await expectLandedOnce('PP-1', journal);
    } finally {
      client.stop();
      journal.close();
      await hub.close();
    }
  });

  it('the first batch fails (UNAVAILABLE): the one queued behind it is answered with the mark, changing nothing; the client resumes, nothing lost or doubled', { timeout: 120_000 }, async () => {
    const seen: Seen[] = [];
    const { db, ctl } = faultyDb(t.db, seen);
    const commits: number[] = [];
    const hub = await startTestHub(db, { afterCommit: (i) => i.terminal_id === 'PP-2' && commits.push(i.applied_through) });
    watchPushes(hub, seen);
    const { journal, token } = await registerWithBacklog('PP-2');
    // Every attempt of the first batch's transaction dies (the first once the second push is in).
    ctl.failures = DEFAULT_TX_RETRIES + 1;
    ctl.waitForPushes = 2;
    const client = new SyncClient({ journal, url: hub.url, token, appVersion: 'test', batchSize: BATCH, monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    try {
      client.start();
      await waitFor('drained', () => client.status.unsyncedCount === 0, 60_000);
      expect(ctl.failures).toBe(0);
      // The first session: batch 1 refused UNAVAILABLE, batch 2 (queued behind it) answered with the mark, 0.
      expect(seen.slice(0, 2).map((s) => [s.first, s.last, s.answer])).toEqual([
        [1, BATCH, { ok: false, error: { code: 'UNAVAILABLE', message: expect.any(String) } }],
        [BATCH + 1, 2 * BATCH, { ok: true, applied_through: 0, rejected: [] }],
      ]);
      // Batch 2 arrived while batch 1 was in flight, and was answered after it (in order, from the mark batch 1 left).
      expect(seen[1]!.unansweredAtArrival).toBe(1);
      expect(seen[0]!.answeredAs).toBeLessThan(seen[1]!.answeredAs!);
      expect(errors.some((m) => /UNAVAILABLE/.test(m))).toBe(true);
      // Nothing committed before the client came back, then every batch once, in order.
      expect(commits).toEqual(Array.from({ length: SALES / BATCH }, (_, i) => (i + 1) * BATCH));
      await expectLandedOnce('PP-2', journal);
    } finally {
      client.stop();
      journal.close();
      await hub.close();
    }
  });

  it('two registers pipelining on a hub that applies 2 batches at once: the batches queued behind theirs wait (their own bound), none is answered BUSY', { timeout: 120_000 }, async () => {
    // Both registers' first two batches in flight before any is applied: the applying bound (2)
    // is full, and each register's second batch waits behind its first.
    const { seen, hub, regs, clients } = await gatedRegisters(['PP-3', 'PP-4'], { perHub: 2, heldUntilPushes: 4 });
    const errors: string[] = [];
    for (const c of clients) c.on('error', (e) => errors.push(e.message));
    try {
      for (const c of clients) c.start();
      await waitFor('both drained', () => clients.every((c) => c.status.unsyncedCount === 0), 60_000);
      expect(errors).toEqual([]);
      expect(seen.filter((s) => s.answer?.ok === false)).toEqual([]);
      for (const { id, journal } of regs) {
        const mine = seen.filter((s) => s.terminal === id);
        // Pipelined (a batch arrived behind an unanswered one), every batch once, whole, in order.
        expect(mine.slice(0, 2).map((s) => s.unansweredAtArrival)).toEqual([0, 1]);
        expect(mine.map((s) => [s.first, s.last])).toEqual(Array.from({ length: SALES / BATCH }, (_, i) => [i * BATCH + 1, (i + 1) * BATCH]));
        expect(mine.map((s) => s.answer)).toEqual(mine.map((s) => ({ ok: true, applied_through: s.last, rejected: [] })));
        await expectLandedOnce(id, journal);
      }
      expect(clients.map((c) => c.status.lastError)).toEqual([null, null]);
    } finally {
      for (const c of clients) c.stop();
      for (const { journal } of regs) journal.close();
      await hub.close();
    }
  });

  it('a pipelined push answered BUSY: the register keeps its session, sends one batch at a time from the mark, and everything lands once, in order', { timeout: 120_000 }, async () => {
    const commits: number[] = [];
    const hub = await startTestHub(t.db, { afterCommit: (i) => i.terminal_id === 'PP-5' && commits.push(i.applied_through) });
    const seen = watchPushes(hub);
    // The register's second push is refused on arrival, BUSY (as a hub at its bound answers it),
    // while its first is applied.
    let connections = 0;
    hub.io.on('connection', (socket: Socket) => {
      connections += 1;
      let pushes = 0;
      socket.use((packet, next) => {
        const ack = packet[packet.length - 1];
        if (packet[0] === MSG.pushEvents && typeof ack === 'function' && ++pushes === 2) {
          return (ack as (r: unknown) => void)({ ok: false, error: { code: 'BUSY', message: 'events.push: the hub has 32 batches waiting (test)' } });
        }
        next();
      });
    });
    const { journal, token } = await registerWithBacklog('PP-5');
    const client = new SyncClient({ journal, url: hub.url, token, appVersion: 'test', batchSize: BATCH, monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.message));
    try {
      client.start();
      await waitFor('drained', () => client.status.unsyncedCount === 0, 60_000);
      // One session, no error: batch 2 (sent behind batch 1) answered BUSY, batch 1 applied.
      expect(connections).toBe(1);
      expect(errors).toEqual([]);
      expect(client.status.lastError).toBeNull();
      expect(seen.slice(0, 2).map((s) => [s.first, s.last, s.unansweredAtArrival, s.answer])).toEqual([
        [1, BATCH, 0, { ok: true, applied_through: BATCH, rejected: [] }],
        [BATCH + 1, 2 * BATCH, 1, { ok: false, error: { code: 'BUSY', message: expect.any(String) } }],
      ]);
      // Then from the mark, one at a time: batch 2 again, and every batch after it, each whole.
      const rest = seen.slice(2);
      expect(rest.map((s) => [s.first, s.last])).toEqual(Array.from({ length: SALES / BATCH - 1 }, (_, i) => [(i + 1) * BATCH + 1, (i + 2) * BATCH]));
      expect(rest.every((s) => s.unansweredAtArrival === 0)).toBe(true);
      expect(rest.map((s) => s.answer)).toEqual(rest.map((s) => ({ ok: true, applied_through: s.last, rejected: [] })));
      expect(commits).toEqual(Array.from({ length: SALES / BATCH }, (_, i) => (i + 1) * BATCH));
      await expectLandedOnce('PP-5', journal);
    } finally {
      client.stop();
      journal.close();
      await hub.close();
    }
  });

  it('a register refused a place while another pipelines: the waiting batch gives its place up (BUSY at its turn), both registers drain, everything lands once, in order', { timeout: 120_000 }, async () => {
    // PP-6's first batch applies (the one place), its second waits; PP-7's first is refused a
    // place; only then are transactions let through.
    const { seen, hub, regs, clients } = await gatedRegisters(['PP-6', 'PP-7'], { perHub: 1, heldUntilPushes: 3 });
    try {
      clients[0]!.start();
      await waitFor('PP-6 pipelining', () => seen.filter((x) => x.terminal === 'PP-6').length >= 2, 20_000, 2);
      clients[1]!.start();
      await waitFor('both drained', () => clients.every((c) => c.status.unsyncedCount === 0), 60_000);
      const first = seen.filter((x) => x.terminal === 'PP-6').slice(0, 2);
      expect(first.map((x) => [x.first, x.unansweredAtArrival, x.answer?.ok])).toEqual([
        [1, 0, true],
        [BATCH + 1, 1, false],
      ]);
      expect(first[1]!.answer).toMatchObject({ error: { code: 'BUSY', message: expect.stringMatching(/gave its place up/) } });
      expect(seen.find((x) => x.terminal === 'PP-7')!.answer).toMatchObject({ ok: false, error: { code: 'BUSY' } });
      for (const { id, journal } of regs) await expectLandedOnce(id, journal);
    } finally {
      for (const c of clients) c.stop();
      for (const { journal } of regs) journal.close();
      await hub.close();
    }
  });
});
