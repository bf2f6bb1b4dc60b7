import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MSG, sealEvent, type JournalEvent } from '../core/protocol';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { checkInvariants, enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import { salePayload, type RegisterSim } from './testing/register-sim';
import { createEnrollmentCode, redeemEnrollmentCode } from './auth';
import type { HubHandle } from './server';
import type { Db } from './db/db';
import type { Loose } from './testing/loose';

// Regression tests for issue 9's ingest items: every event a register (or an attacker with a
// register's credential) can send is either applied once or refused for good with a named
// code; a refusal never stalls the terminal, never stores what it must not, never floods.

const OPENING = { S: { A: 100, B: 100 }, S2: { A: 100 } };
const PAN = '4111 1111 1111 1111';

/** Replaces the payload of the last event the sim appended, keeping its hash (a forged copy). */
function forgeLast(r: RegisterSim, payload: unknown): JournalEvent {
  const e = r.journal[r.journal.length - 1]!;
  const forged = { ...e, payload: payload as Record<string, unknown> };
  r.journal[r.journal.length - 1] = forged;
  return forged;
}

async function rows<T = Loose>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await db.query(sql, params)).rows as T[];
}

describe.each(testBackends())('ingest guards on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
    await seedStore(t.db, 'S2', OPENING.S2);
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  async function register(store: string, terminal: string): Promise<RegisterSim> {
    const r = await enrollRegister(t.db, store, terminal);
    await r.connect(hub.url);
    return r;
  }

  it('an unhashable payload (0.5, 2^60, nesting 70 deep) is refused for good as UNHASHABLE, never UNAVAILABLE; the events behind it apply', async () => {
    const r = await register('S', 'G-1');
    try {
      const bad: JournalEvent[] = [];
      let deep: unknown = 1;
      for (let i = 0; i < 70; i++) deep = { d: deep };
      const base = salePayload('S', 'G-1', [{ sku: 'A', units: 1, unit_price: 100 }]);
      for (const payload of [
        { ...base, totals: { ...base.totals, rounding: 0.5 } },
        { ...base, change_due: 2 ** 60 },
        { ...base, note: deep },
      ]) {
        r.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
        bad.push(forgeLast(r, payload));
      }
      const good = r.sell([{ sku: 'A', units: 2, unit_price: 100 }]);
      const ack: Loose = await r.push([...bad, good]);
      expect(ack.ok).toBe(true);
      expect(ack.applied_through).toBe(good.seq);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['UNHASHABLE', 'UNHASHABLE', 'UNHASHABLE']);
      // The identical resend after a lost ack changes nothing and alarms no one.
      expect(await r.push([...bad, good])).toEqual({ ok: true, applied_through: good.seq, rejected: [] });
      expect(await rows(t.db, `SELECT seq::int AS seq FROM journal_events WHERE terminal_id = 'G-1'`)).toEqual([{ seq: 4 }]);
    } finally {
      r.close();
    }
  });

  it('a quantity scale outside 0..6 (-1, 7, 10^15) is refused for good as INVALID_PAYLOAD, never an internal error; the event behind it applies', async () => {
    const r = await register('S', 'G-12');
    try {
      const base = salePayload('S', 'G-12', [{ sku: 'A', units: 1, unit_price: 100 }]);
      const bad = [-1, 7, 1e15].map((scale) =>
        r.append('sale.completed', { ...base, sale_id: randomUUID(), lines: [{ ...base.lines[0]!, quantity: { units: 1, scale } }] }),
      );
      const good = r.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
      const ack: Loose = await r.push([...bad, good]);
      expect(ack.ok).toBe(true);
      expect(ack.applied_through).toBe(good.seq);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['INVALID_PAYLOAD', 'INVALID_PAYLOAD', 'INVALID_PAYLOAD']);
    } finally {
      r.close();
    }
  });

  it('NUL, a lone surrogate or a control character in any string is refused as BAD_TEXT, and the rejection is stored', async () => {
    const r = await register('S', 'G-2');
    try {
      const base = salePayload('S', 'G-2', [{ sku: 'A', units: 1, unit_price: 100 }]);
      const variants = [
        { ...base, lines: [{ ...base.lines[0]!, description: 'milk\u0000' }] },
        { ...base, cashier_id: 'x\uD800' },
        { ...base, 'k\u0007': 1 },
      ];
      const sent: JournalEvent[] = [];
      for (const payload of variants) {
        r.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
        sent.push(forgeLast(r, payload));
      }
      const ack: Loose = await r.push(sent);
      expect(ack.applied_through).toBe(3);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['BAD_TEXT', 'BAD_TEXT', 'BAD_TEXT']);
      const stored = await rows<{ seq: number; withheld: string | null }>(
        t.db,
        `SELECT seq::int AS seq, event->>'payload_withheld' AS withheld FROM event_rejections WHERE terminal_id = 'G-2' ORDER BY seq`,
      );
      expect(stored.map((s) => s.seq)).toEqual([1, 2, 3]);
      for (const s of stored) expect(s.withheld).toMatch(/U\+/);
      expect(await r.push(sent)).toEqual({ ok: true, applied_through: 3, rejected: [] });
    } finally {
      r.close();
    }
  });

  it('an upper-case event_id is refused once as NON_CANONICAL_ID; its identical resend is a plain duplicate, not a tamper alert', async () => {
    const r = await register('S', 'G-3');
    try {
      const payload = salePayload('S', 'G-3', [{ sku: 'A', units: 1, unit_price: 100 }]) as unknown as Record<string, unknown>;
      const upper = sealEvent(r.prevHash, { version: 1, terminal_id: 'G-3', store_id: 'S', seq: 1, event_id: randomUUID().toUpperCase(), type: 'sale.completed', occurred_at: new Date().toISOString(), payload });
      r.seq = 1;
      r.prevHash = upper.hash;
      r.journal.push(upper);
      const next = r.sell([{ sku: 'A', units: 1, unit_price: 100 }]);
      const first: Loose = await r.push([upper, next]);
      expect(first.applied_through).toBe(2);
      expect(first.rejected.map((x: Loose) => x.code)).toEqual(['NON_CANONICAL_ID']);
      for (let i = 0; i < 3; i++) expect(await r.push([upper, next])).toEqual({ ok: true, applied_through: 2, rejected: [] });
      expect(await rows(t.db, `SELECT 1 FROM alerts WHERE kind = 'duplicate_event_conflict' AND terminal_id = 'G-3'`)).toEqual([]);
    } finally {
      r.close();
    }
  });

  it('a post-void must name an applied sale of the same store, once, carrying it as stored', async () => {
    const a = await register('S', 'G-4');
    const b = await register('S2', 'G-5');
    try {
      const theirs = salePayload('S2', 'G-5', [{ sku: 'A', units: 5, unit_price: 300 }]);
      const theirSale = b.append('sale.completed', theirs as unknown as Record<string, unknown>);
      expect(await b.push([theirSale])).toMatchObject({ applied_through: 1, rejected: [] });
      const ledgerOfS2 = await rows(t.db, `SELECT count(*)::int AS n FROM ledger_entries WHERE store_id = 'S2'`);

      const ours = salePayload('S', 'G-4', [{ sku: 'B', units: 2, unit_price: 300 }]);
      const sale = a.append('sale.completed', ours as unknown as Record<string, unknown>);
      const voidOf = (original: Loose) =>
        a.append('sale.post_voided', {
          post_void_id: randomUUID(),
          sale_id: original.sale_id,
          store_id: 'S',
          terminal_id: 'G-4',
          shift_id: ours.shift_id,
          cashier_id: 'emp-1',
          reason: 'test',
          original,
          voided_at: '2026-11-23T03:10:00.000Z',
        });
      const crossStore = voidOf({ ...theirs, store_id: 'S', terminal_id: 'G-4' }); // made-up original claiming store S
      const altered = voidOf({ ...ours, lines: [{ ...ours.lines[0]!, quantity: { units: 20, scale: 0 } }] });
      const once = voidOf(ours);
      const twice = voidOf(ours);
      const ack: Loose = await a.push([sale, crossStore, altered, once, twice]);
      expect(ack.applied_through).toBe(5);
      expect(ack.rejected.map((x: Loose) => [x.seq, x.code])).toEqual([
        [2, 'ORIGINAL_NOT_FOUND'],
        [3, 'INVALID_PAYLOAD'], // totals no longer add up: core's schema refuses it first
        [5, 'ALREADY_REVERSED'],
      ]);
      const again = voidOf(ours);
      expect((await a.push([again])).rejected.map((x: Loose) => x.code)).toEqual(['ALREADY_REVERSED']);
      expect(await rows(t.db, `SELECT count(*)::int AS n FROM ledger_entries WHERE store_id = 'S2'`)).toEqual(ledgerOfS2);
      const inv = await checkInvariants(t.db, OPENING);
      expect(inv.balanced).toBe(true);
      expect(inv.mismatches).toEqual([]);
      expect(inv.stock.S!.B).toBe(100); // sold 2, voided once
      expect(inv.stock.S2!.A).toBe(95);
      // The database holds "at most once" even if the check were skipped.
      await expect(
        t.db.query(`INSERT INTO ledger_entries (entry_id, event_type, date, reverses) VALUES ('x-dup', 'sale.post_voided', '2026-01-01', $1)`, [`sale-${ours.sale_id}`]),
      ).rejects.toThrow(/unique|duplicate/i);
    } finally {
      a.close();
      b.close();
    }
  });

  it('a post-void whose carried original differs from the stored sale is ORIGINAL_MISMATCH', async () => {
    const a = await register('S', 'G-6');
    try {
      const ours = salePayload('S', 'G-6', [{ sku: 'B', units: 1, unit_price: 300 }]);
      const sale = a.append('sale.completed', ours as unknown as Record<string, unknown>);
      const pv = a.append('sale.post_voided', {
        post_void_id: randomUUID(), sale_id: ours.sale_id, store_id: 'S', terminal_id: 'G-6', shift_id: ours.shift_id, cashier_id: 'emp-1',
        reason: 'test', original: { ...ours, cashier_id: 'someone-else' }, voided_at: '2026-11-23T03:10:00.000Z',
      });
      const ack: Loose = await a.push([sale, pv]);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['ORIGINAL_MISMATCH']);
    } finally {
      a.close();
    }
  });

  it("a sale in another currency than the store's is CURRENCY_MISMATCH and posts nothing", async () => {
    const r = await register('S', 'G-7');
    try {
      const eur = r.sell([{ sku: 'A', units: 1, unit_price: 100 }], 'EUR');
      const ack: Loose = await r.push([eur]);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['CURRENCY_MISMATCH']);
      expect(await rows(t.db, `SELECT 1 FROM ledger_lines WHERE currency = 'EUR'`)).toEqual([]);
    } finally {
      r.close();
    }
  });

  it('no full card number is stored: a PAN in masked_pan or in a void reason is CARD_NUMBER and the stored rejection is masked', async () => {
    const r = await register('S', 'G-8');
    try {
      const base = salePayload('S', 'G-8', [{ sku: 'A', units: 1, unit_price: 100 }]);
      const card = r.append('sale.completed', {
        ...base,
        tenders: [{ tender_id: 'T1', kind: 'card', amount: base.totals.total, processor: 'demo', masked_pan: PAN.replace(/ /g, '') }],
      } as unknown as Record<string, unknown>);
      const voided = r.append('sale.voided', {
        sale_id: randomUUID(), store_id: 'S', terminal_id: 'G-8', shift_id: base.shift_id, cashier_id: 'emp-1',
        reason: `customer card ${PAN} declined`, currency: 'USD', lines: [], total: 0, voided_at: '2026-11-23T03:10:00.000Z',
      });
      const ack: Loose = await r.push([card, voided]);
      expect(ack.applied_through).toBe(2);
      expect(ack.rejected.map((x: Loose) => x.code)).toEqual(['CARD_NUMBER', 'CARD_NUMBER']);
      const stored = await rows<{ event: unknown; reason: string }>(t.db, `SELECT event, reason FROM event_rejections WHERE terminal_id = 'G-8'`);
      expect(stored).toHaveLength(2);
      const everything = JSON.stringify(await rows(t.db, `SELECT * FROM event_rejections`)) + JSON.stringify(await rows(t.db, `SELECT * FROM alerts`)) + JSON.stringify(await rows(t.db, `SELECT * FROM journal_events`));
      expect(everything.replace(/[ -]/g, '')).not.toContain('4111111111111111');
      // The stored copy keeps the hash, so the register's own copy can be matched to it.
      expect((stored[0]!.event as Loose).hash).toBe(card.hash);
    } finally {
      r.close();
    }
  });

  it('a tampered resend of 4 x 50 events raises one alert with the rest folded into it', async () => {
    const r = await register('S', 'G-9');
    try {
      const events = Array.from({ length: 50 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      expect(await r.push(events)).toMatchObject({ applied_through: 50, rejected: [] });
      const alerts: Loose[] = [];
      r.socket!.on(MSG.alert, (a: Loose) => alerts.push(a));
      for (let round = 0; round < 4; round++) {
        const tampered = events.map((e) => ({ ...e, payload: { ...e.payload, cashier_id: `evil-${round}` } }));
        const ack: Loose = await r.push(tampered);
        expect(ack.rejected).toHaveLength(50);
      }
      const stored = await rows<{ folded: number }>(t.db, `SELECT folded FROM alerts WHERE terminal_id = 'G-9'`);
      expect(stored).toEqual([{ folded: 199 }]);
      await r.hello(); // a round trip, so any broadcast has arrived
      expect(alerts.filter((a) => a.terminal_id === 'G-9')).toHaveLength(1);
    } finally {
      r.close();
    }
  });

  it('a gap batch is answered from the mark without parsing or posting anything', async () => {
    const r = await register('S', 'G-10');
    try {
      const events = Array.from({ length: 5 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      // Garbage behind a gap: were it parsed, the schema would refuse it as BAD_REQUEST.
      const ack: Loose = await r.push([{ ...events[3]!, hash: 'not-a-hash', payload: 'x' } as unknown as JournalEvent]);
      expect(ack).toEqual({ ok: true, applied_through: 0, rejected: [] });
      expect(await r.push(events)).toEqual({ ok: true, applied_through: 5, rejected: [] });
    } finally {
      r.close();
    }
  });

  it('re-enrolling a terminal revokes the old credential: its live socket can no longer push and is dropped', async () => {
    const old = await register('S', 'G-11');
    const sale = old.sell([{ sku: 'A', units: 1, unit_price: 10 }]);
    const { code } = await createEnrollmentCode(t.db, { store_id: 'S', terminal_id: 'G-11' });
    await redeemEnrollmentCode(t.db, code);
    const disconnected = new Promise<void>((resolve) => old.socket!.once('disconnect', () => resolve()));
    const ack: Loose = await old.push([sale]);
    expect(ack).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    await disconnected;
    expect(await rows(t.db, `SELECT 1 FROM journal_events WHERE terminal_id = 'G-11'`)).toEqual([]);
  });
});

/**
 * The test db with a door before each ingest transaction: while held (`hold()`, again after a
 * `release()`), a transaction waits there until `release()`; `arrived(n)` resolves once n
 * transactions have come to the door in all.
 */
function heldDb(inner: Db) {
  let open!: () => void;
  let door = Promise.resolve();
  let holding = false;
  let came = 0;
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const db: Db = {
    ...inner,
    kind: inner.kind,
    query: (s, p) => inner.query(s, p),
    exec: (s) => inner.exec(s),
    close: async () => undefined,
    transaction: async (fn) => {
      if (holding) {
        came += 1;
        for (const w of waiters.filter((x) => x.n <= came)) w.resolve();
        await door;
      }
      return inner.transaction(fn);
    },
  };
  return {
    db,
    hold(): void {
      holding = true;
      door = new Promise<void>((resolve) => (open = resolve));
    },
    release(): void {
      holding = false;
      open();
    },
    arrived: (n: number) => new Promise<void>((resolve) => (came >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

describe.each(testBackends())('in-flight bounds on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
  });
  afterAll(async () => t?.dispose());

  it('a second batch while one is in flight is answered BUSY at once (per terminal bound), then goes through', async () => {
    const door = heldDb(t.db);
    const db = door.db;
    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000, limits: { perTerminal: 1, perHub: 2 } });
    const r = await enrollRegister(t.db, 'S', 'B-1');
    const r2 = await enrollRegister(t.db, 'S', 'B-2');
    const r3 = await enrollRegister(t.db, 'S', 'B-3');
    try {
      await r.connect(hub.url);
      await r2.connect(hub.url);
      await r3.connect(hub.url);
      const events = Array.from({ length: 3 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      door.hold();
      const first = r.push(events);
      await door.arrived(1);
      expect(await r.push(events)).toMatchObject({ ok: false, error: { code: 'BUSY' } });
      // The hub bound (2): B-2 takes the second slot, B-3 finds none.
      const second = r2.push([r2.sell([{ sku: 'A', units: 1, unit_price: 10 }])]);
      await door.arrived(2);
      expect(await r3.push([r3.sell([{ sku: 'A', units: 1, unit_price: 10 }])])).toMatchObject({ ok: false, error: { code: 'BUSY' } });
      door.release();
      expect(await first).toEqual({ ok: true, applied_through: 3, rejected: [] });
      expect(await second).toEqual({ ok: true, applied_through: 1, rejected: [] });
      expect(await r.push(events)).toEqual({ ok: true, applied_through: 3, rejected: [] });
    } finally {
      r.close();
      r2.close();
      r3.close();
      await hub.close();
    }
  });

  it('a batch waiting behind one of its terminal counts toward the waiting bound, not the applying one', async () => {
    const door = heldDb(t.db);
    const db = door.db;
    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000, limits: { perTerminal: 2, perHub: 2, perHubWaiting: 1 } });
    const r = await enrollRegister(t.db, 'S', 'W-1');
    const r2 = await enrollRegister(t.db, 'S', 'W-2');
    const r3 = await enrollRegister(t.db, 'S', 'W-3');
    try {
      await r.connect(hub.url);
      await r2.connect(hub.url);
      await r3.connect(hub.url);
      const mine = Array.from({ length: 5 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      const theirs = Array.from({ length: 2 }, () => r2.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      door.hold();
      // Two terminals applying: the applying bound (2) is full.
      const first = r.push(mine.slice(0, 3));
      await door.arrived(1);
      const second = r2.push(theirs.slice(0, 1));
      await door.arrived(2);
      const lone = r3.sell([{ sku: 'A', units: 1, unit_price: 10 }]);
      expect(await r3.push([lone])).toMatchObject({ ok: false, error: { code: 'BUSY' } });
      // W-1's next batch waits behind its first (a pipelining register): admitted, not BUSY.
      let behindAnswered = false;
      const behind = r.push(mine.slice(3)).finally(() => (behindAnswered = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(behindAnswered).toBe(false);
      // The waiting bound (1) is full: W-2's batch behind its first is answered BUSY.
      expect(await r2.push(theirs.slice(1))).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/waiting/) } });
      door.release();
      expect(await first).toEqual({ ok: true, applied_through: 3, rejected: [] });
      // W-3 was refused a place meanwhile, so W-1's waiting batch gives up the place its first
      // left (BUSY at its turn, nothing applied; it is sent again below).
      expect(await behind).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/gave its place up/) } });
      expect(await second).toEqual({ ok: true, applied_through: 1, rejected: [] });
      // Every slot is free again: both bounds take new batches.
      const again = r2.push(theirs.slice(1));
      expect(await r.push(mine.slice(3))).toEqual({ ok: true, applied_through: 5, rejected: [] });
      expect(await again).toEqual({ ok: true, applied_through: 2, rejected: [] });
      // The waiting slot the promoted batch left is free too: a pipelined pair of W-3 is admitted
      // whole (a leaked waiting count would answer its second batch BUSY at once).
      door.hold();
      const head = r3.push([lone]);
      await door.arrived(3);
      const tail = r3.push([r3.sell([{ sku: 'A', units: 1, unit_price: 10 }])]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      door.release();
      expect(await head).toEqual({ ok: true, applied_through: 1, rejected: [] });
      expect(await tail).toEqual({ ok: true, applied_through: 2, rejected: [] });
    } finally {
      r.close();
      r2.close();
      r3.close();
      await hub.close();
    }
  });
  it('a batch waiting behind its terminal gives its place up when other registers were refused one', async () => {
    const door = heldDb(t.db);
    const db = door.db;
    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000, limits: { perTerminal: 2, perHub: 1, perHubWaiting: 1 } });
    const r = await enrollRegister(t.db, 'S', 'Y-1');
    const r2 = await enrollRegister(t.db, 'S', 'Y-2');
    try {
      await r.connect(hub.url);
      await r2.connect(hub.url);
      const mine = Array.from({ length: 4 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      const theirs = r2.sell([{ sku: 'A', units: 1, unit_price: 10 }]);
      door.hold();
      // Y-1 catches up pipelining: its first batch takes the one applying place, its second waits.
      const first = r.push(mine.slice(0, 2));
      await door.arrived(1);
      const second = r.push(mine.slice(2));
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Y-2 is refused a place.
      expect(await r2.push([theirs])).toMatchObject({ ok: false, error: { code: 'BUSY' } });
      door.release();
      expect(await first).toEqual({ ok: true, applied_through: 2, rejected: [] });
      // So Y-1's second batch does not take the place its first left: BUSY at its turn, nothing applied.
      expect(await second).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/gave its place up/) } });
      expect(await r2.push([theirs])).toEqual({ ok: true, applied_through: 1, rejected: [] });
      expect(await r.push(mine.slice(2))).toEqual({ ok: true, applied_through: 4, rejected: [] });
      // With nobody refused, a waiting batch takes the place as before.
      const more = Array.from({ length: 2 }, () => r.sell([{ sku: 'A', units: 1, unit_price: 10 }]));
      const a = r.push(more.slice(0, 1));
      const b = r.push(more.slice(1));
      expect(await a).toEqual({ ok: true, applied_through: 5, rejected: [] });
      expect(await b).toEqual({ ok: true, applied_through: 6, rejected: [] });
    } finally {
      r.close();
      r2.close();
      await hub.close();
    }
  });
});
