import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from '../../src/hub/testing/loose';
import { randomBytes } from 'node:crypto';
import { io as ioClient } from 'socket.io-client';
import { MSG } from '../../src/core/protocol';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, checkInvariants, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { spawnHub, type ChildHub } from '../../src/hub/testing/spawn-hub';
import { Inbox } from '../../src/hub/testing/wait';
import { RegisterSim } from '../../src/hub/testing/register-sim';
import type { HubHandle } from '../../src/hub/server';

// Two hubs serving one chain behind one Redis. With Postgres they are two OS processes
// sharing the database; with PGlite (single-process by nature) two hub instances in this
// process share one embedded database. Either way broadcasts cross hubs only through Redis.

const REDIS_URL = process.env.REDIS_URL;
const OPENING = { S: { A: 500, B: 500, C: 500 } };

describe.skipIf(!REDIS_URL).each(testBackends())('two hubs behind one Redis on $name', (backend) => {
  let t: TestDb;
  const urls: string[] = [];
  const inproc: HubHandle[] = [];
  const children: ChildHub[] = [];
  const regs: RegisterSim[] = [];
  const streamName = `tillstream-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
    if (backend.databaseUrl) {
      for (let i = 0; i < 2; i++) {
        const c = await spawnHub({ databaseUrl: backend.databaseUrl, schema: t.schema, redisUrl: REDIS_URL, redisStreamName: streamName, adminToken: ADMIN_TOKEN });
        children.push(c);
        urls.push(c.url);
      }
    } else {
      for (let i = 0; i < 2; i++) {
        const h = await startTestHub(t.db, { redisUrl: REDIS_URL, redisStreamName: streamName });
        inproc.push(h);
        urls.push(h.url);
      }
    }
  }, 240_000);
  afterAll(async () => {
    for (const r of regs) r.close();
    for (const h of inproc) await h.close();
    for (const c of children) await c.stop();
    await t?.dispose();
  });

  it('the same batches sent to both hubs at once are applied once; store changes cross hubs', { timeout: 240_000 }, async () => {
    const r1 = await enrollRegister(t.db, 'S', 'S-1'); // on hub 0
    const r2 = await enrollRegister(t.db, 'S', 'S-2'); // on hub 1
    const r3 = await enrollRegister(t.db, 'S', 'S-3'); // on both at once (a flapping load balancer)
    regs.push(r1, r2, r3);
    const s1 = await r1.connect(urls[0]!);
    const s2 = await r2.connect(urls[1]!);
    const changes1 = new Inbox(s1, MSG.changes);
    const changes2 = new Inbox(s2, MSG.changes);
    // An HQ console on hub 1 only: hub 0 has no socket in the HQ rooms, yet its registers'
    // events must reach the console through Redis (hub 0 cannot skip the broadcast).
    const hq = ioClient(urls[1]!, { transports: ['websocket'], auth: { token: ADMIN_TOKEN }, reconnection: false, forceNew: true });
    const hqJournal: Loose[] = [];
    hq.on('journal', (row: Loose) => hqJournal.push(row));
    await new Promise<void>((resolve, reject) => {
      hq.once('connect', () => resolve());
      hq.once('connect_error', reject);
    });
    const r3b = new RegisterSim('S', 'S-3', r3.token);
    regs.push(r3b);
    await r3.connect(urls[0]!);
    await r3b.connect(urls[1]!);

    const batchesOf = (r: RegisterSim, n: number) => Array.from({ length: n }, (_, i) => r.sell([{ sku: 'ABC'[i % 3]!, units: 1 + (i % 2), unit_price: 300 }]));
    const e1 = batchesOf(r1, 40);
    const e2 = batchesOf(r2, 40);
    const e3 = batchesOf(r3, 60);
    const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

    const sendAll = async (r: RegisterSim, events: typeof e1, size: number) => {
      let last: Loose;
      for (const c of chunks(events, size)) last = await r.push(c);
      return last;
    };
    const [a1, a2, a3, a3b] = await Promise.all([
      sendAll(r1, e1, 7),
      sendAll(r2, e2, 9),
      sendAll(r3, e3, 10),
      sendAll(r3b, [...e3].reverse(), 10).then(() => r3b.push(e3.slice(0, 60))), // reordered duplicate stream on the other hub
    ]);
    expect(a1.applied_through).toBe(40);
    expect(a2.applied_through).toBe(40);
    expect(Math.max(a3.applied_through, a3b.applied_through)).toBe(60);
    expect(a3.rejected).toEqual([]);
    expect(a3b.rejected).toEqual([]);

    // Stock changes from sales on hub 0 reached the register on hub 1, and vice versa.
    await changes2.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'stock' && c.payload.source?.terminal_id === 'S-1'));
    await changes1.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'stock' && c.payload.source?.terminal_id === 'S-2'));
    await expect.poll(() => hqJournal.filter((row) => row.terminal_id === 'S-1').length, { timeout: 30_000, interval: 100 }).toBe(40);
    hq.close();
    // A price change made on hub 1's API reaches the register on hub 0.
    const res = await fetch(`${urls[1]}/api/prices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ target: { all: true }, prices: [{ sku: 'A', amount: 333 }], reason: 'cross-hub' }),
    });
    expect(res.status).toBe(201);
    await changes1.waitFor((m) => m.changes.some((c: Loose) => c.payload.reason === 'cross-hub'));

    const { rows } = await t.db.query<{ terminal_id: string; n: number; d: number; max: number }>(
      `SELECT terminal_id, count(*)::int AS n, count(DISTINCT seq)::int AS d, max(seq)::int AS max FROM journal_events GROUP BY terminal_id ORDER BY terminal_id`,
    );
    expect(rows).toEqual([
      { terminal_id: 'S-1', n: 40, d: 40, max: 40 },
      { terminal_id: 'S-2', n: 40, d: 40, max: 40 },
      { terminal_id: 'S-3', n: 60, d: 60, max: 60 },
    ]);
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.balanced).toBe(true);
    expect(inv.duplicates).toBe(0);
    expect(inv.mismatches).toEqual([]);
    const sold = [...e1, ...e2, ...e3].reduce((s, e) => s + ((e.payload as Loose).lines[0].sku === 'A' ? (e.payload as Loose).lines[0].quantity.units : 0), 0);
    expect(inv.stock.S!.A).toBe(500 - sold);
    // The store's change log is gap-free although two hubs appended to it concurrently.
    const cur = await t.db.query<{ n: number; max: number }>(`SELECT count(*)::int AS n, max(cursor)::int AS max FROM change_log WHERE store_id = 'S'`);
    expect(cur.rows[0]!.n).toBe(cur.rows[0]!.max);
  });

  it('redeeming a new enrollment code on one hub drops the old credential\'s socket on the other (issue 9.9)', { timeout: 120_000 }, async () => {
    const old = await enrollRegister(t.db, 'S', 'S-9');
    regs.push(old);
    const socket = await old.connect(urls[1]!);
    const dropped = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    const code = await fetch(`${urls[0]}/api/enrollment-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ store_id: 'S', terminal_id: 'S-9' }),
    }).then((r) => r.json() as Promise<Loose>);
    const enrolled = await fetch(`${urls[0]}/api/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: code.code }),
    });
    expect(enrolled.ok).toBe(true);
    await dropped; // hub 1 dropped it because hub 0 said so through Redis
    expect(socket.connected).toBe(false);
  });
});
