import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG, type StoreChange } from '../../src/core/protocol';
import { openJournal } from '../../src/sync';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { Inbox } from '../../src/hub/testing/wait';
import type { Loose } from '../../src/hub/testing/loose';
import type { HubHandle } from '../../src/hub/server';
import type { RegisterSim } from '../../src/hub/testing/register-sim';

// A price change is written store by store, each store's changes pushed as it commits, its
// payloads stored once and shared by the stores' change logs (hq-changes.ts,
// price-book-write.ts, migration 028). What a register receives or pulls must be exactly what
// a per-store copy gave (docs/sync-protocol.md 4.3/4.4), and a failure part-way must leave
// each store either with the whole book or untouched, and say which.

const STORES = ['S1', 'S2', 'S3'];
const sku = (i: number) => `K${String(i).padStart(5, '0')}`;
const book = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ sku: sku(i), amount: base + i }));

describe.each(testBackends())('price change store by store on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let dir: string;
  const regs: RegisterSim[] = [];
  const cursorOf = async (store: string) => Number((await t.db.query<{ c: number }>(`SELECT change_cursor AS c FROM stores WHERE store_id = $1`, [store])).rows[0]!.c);
  const priceOf = async (store: string, s: string) => Number((await t.db.query<{ a: number }>(`SELECT amount AS a FROM prices WHERE store_id = $1 AND sku = $2`, [store, s])).rows[0]?.a ?? NaN);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pcbs-'));
    t = await openTestDb(backend);
    for (const s of STORES) await seedStore(t.db, s, {});
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    for (const r of regs) r.close();
    await hub?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a register offline during a book for several stores catches up from its cursor to exactly the changes an online one got', async () => {
    const online = await enrollRegister(t.db, 'S1', 'S1-R1');
    regs.push(online);
    const inbox = new Inbox(await online.connect(hub.url), MSG.changes);
    // The S2 register is online for a first change, applies it to its real journal, then goes offline.
    const s2 = await enrollRegister(t.db, 'S2', 'S2-R1');
    regs.push(s2);
    const s2Inbox = new Inbox(await s2.connect(hub.url), MSG.changes);
    const journal = openJournal(path.join(dir, 's2.db'), { terminalId: 'S2-R1', storeId: 'S2' });
    try {
      expect((await api(hub, 'POST', '/api/prices', { target: { all: true }, prices: [{ sku: sku(0), amount: 5 }] })).status).toBe(201);
      const first = await s2Inbox.waitFor(() => true);
      expect(journal.applyChanges(first.changes as StoreChange[]).cursor).toBe(1);
      s2.close();

      // 1,200 prices: three log entries a store (500, 500, 200), payloads stored once for all stores.
      const prices = book(1200, 1000);
      const res = await api(hub, 'POST', '/api/prices', { target: { all: true }, prices, reason: 'autumn' });
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
      expect(res.body.stores).toEqual(STORES);
      expect(res.body.changes).toEqual(STORES.flatMap((s) => [2, 3, 4].map((cursor) => ({ store_id: s, cursor, kind: 'price' }))));
      const shared = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM change_payloads`);
      expect(shared.rows[0]!.n).toBe(1 + 3); // the first change's one part, the book's three
      const log = await t.db.query<{ n: number; inline: number }>(`SELECT count(*)::int AS n, count(payload)::int AS inline FROM change_log WHERE kind = 'price'`);
      expect(log.rows[0]).toEqual({ n: 4 * STORES.length, inline: 0 });

      // The online register got the book in cursor order, every price once, in the store's currency.
      const got: StoreChange[] = [];
      await inbox.waitFor((m: Loose) => {
        got.push(...(m.changes as StoreChange[]).filter((c) => c.cursor >= 2));
        return got.length >= 3;
      });
      expect(got.map((c) => c.cursor)).toEqual([2, 3, 4]);
      expect(got.flatMap((c) => (c.payload as { prices: unknown[] }).prices)).toEqual(prices.map((p) => ({ ...p, currency: 'USD' })));
      expect(got.every((c) => c.store_id === 'S1' && (c.payload as { reason: string }).reason === 'autumn')).toBe(true);

      // The offline register comes back: hello with its cursor, pulls page by page (limit 2), applies.
      await s2.connect(hub.url);
      const hello = await s2.hello(journal.syncState().changeCursor);
      expect(hello).toMatchObject({ ok: true, latest_change_cursor: 4, snapshot_required: false });
      const pulled: StoreChange[] = [];
      let cursor = journal.syncState().changeCursor;
      for (let page = 0; page < 10 && cursor < hello.latest_change_cursor; page++) {
        const r = await s2.request(MSG.pullChanges, { after_cursor: cursor, limit: 2 });
        expect(r).toMatchObject({ ok: true, snapshot_required: false });
        pulled.push(...r.changes);
        const applied = journal.applyChanges(r.changes);
        expect(applied.gap).toBe(false);
        cursor = applied.cursor;
      }
      expect(cursor).toBe(4);
      expect(pulled.map((c) => [c.store_id, c.cursor, c.kind])).toEqual([['S2', 2, 'price'], ['S2', 3, 'price'], ['S2', 4, 'price']]);
      expect(pulled.map((c) => c.payload)).toEqual(got.map((c) => c.payload));
      for (const p of [prices[0]!, prices[499]!, prices[500]!, prices[1199]!]) expect(journal.getPrice(p.sku)).toMatchObject({ sku: p.sku, amount: p.amount, currency: 'USD' });
      expect((await api(hub, 'POST', '/api/prices', { target: { store_ids: ['S2'] }, prices: [{ sku: sku(1), amount: 7 }] })).status).toBe(201);

      // The propagation view: S2's register said it applied cursor 4, not yet 5.
      expect(await s2.request(MSG.changesApplied, { change_cursor: 4 })).toEqual({ ok: true });
      const view = await api(hub, 'GET', '/api/propagation?changes=S2:4,S2:5');
      expect(view.status).toBe(200);
      expect(view.body.changes.map((c: Loose) => [c.cursor, c.kind, c.applied_count, c.terminal_count])).toEqual([[4, 'price', 1, 1], [5, 'price', 0, 1]]);
      for (const s of STORES) expect(await priceOf(s, sku(1199))).toBe(2199);
    } finally {
      journal.close();
    }
  });

  it('SKUs with characters that mean something in a Postgres array literal are stored as posted (the book is sent to Postgres as one literal for every store)', async () => {
    const odd = ['a"b', 'back\\slash', 'tail\\', 'com,ma', '{brace}', 'NULL', 'null', ' spaced ', "quo'te", 'tab\tx', 'nl\ny', 'é€😀', '\\"'];
    const prices = [...odd.map((s, i) => ({ sku: s, amount: 700 + i })), { sku: 'NULL', amount: 799 }]; // a repeated SKU: the last one wins
    const res = await api(hub, 'POST', '/api/prices', { target: { store_ids: ['S1', 'S3'] }, prices });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    for (const s of ['S1', 'S3']) {
      const { rows } = await t.db.query<{ sku: string; amount: number }>(`SELECT sku, amount FROM prices WHERE store_id = $1 AND sku = ANY($2::text[]) ORDER BY amount`, [s, odd]);
      expect(rows.map((r) => [r.sku, Number(r.amount)])).toEqual(odd.map((k, i) => [k, k === 'NULL' ? 799 : 700 + i]).sort((a, b) => (a[1] as number) - (b[1] as number)));
    }
  });

  it('a store failing part-way: the stores that committed keep and were sent the book, the others are untouched, and the answer names both', async () => {
    const r3 = await enrollRegister(t.db, 'S3', 'S3-R1');
    regs.push(r3);
    const inbox = new Inbox(await r3.connect(hub.url), MSG.changes);
    // A real database refusal for S2's price rows only.
    await t.db.exec(`CREATE FUNCTION refuse_s2_prices() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.store_id = 'S2' THEN RAISE EXCEPTION 'S2 refuses prices'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_s2_prices BEFORE INSERT OR UPDATE ON prices FOR EACH ROW EXECUTE FUNCTION refuse_s2_prices();`);
    const before = Object.fromEntries(await Promise.all(STORES.map(async (s) => [s, { cursor: await cursorOf(s), price: await priceOf(s, sku(3)) }] as const)));
    const prices = book(1200, 50_000);
    const res = await api(hub, 'POST', '/api/prices', { target: { all: true }, prices });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(500);
    expect(res.body.error.code).toBe('INTERNAL');
    expect(res.body.error.message).toMatch(/store S2 failed/);
    const applied: string[] = res.body.applied_stores;
    const notApplied: string[] = res.body.not_applied_stores;
    // S1 starts with S2 (two at a time); S3 only if S1 finished before S2 failed. Either way both lists are exact.
    expect(applied).toContain('S1');
    expect(notApplied).toContain('S2');
    expect([...applied, ...notApplied].sort()).toEqual(STORES);
    expect(res.body.changes).toEqual(applied.flatMap((s) => [1, 2, 3].map((k) => ({ store_id: s, cursor: before[s]!.cursor + k, kind: 'price' }))));
    for (const s of applied) {
      expect(await cursorOf(s)).toBe(before[s]!.cursor + 3);
      expect(await priceOf(s, sku(3))).toBe(50_003);
    }
    for (const s of notApplied) {
      expect(await cursorOf(s)).toBe(before[s]!.cursor);
      expect(await priceOf(s, sku(3))).toBe(before[s]!.price);
      expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM change_log WHERE store_id = $1 AND cursor > $2`, [s, before[s]!.cursor])).rows[0]!.n).toBe(0);
    }
    if (applied.includes('S3')) await inbox.waitFor((m: Loose) => m.changes.some((c: Loose) => c.cursor === before.S3!.cursor + 3));

    // Posting the same book again to the stores it missed completes it.
    await t.db.exec(`DROP TRIGGER refuse_s2_prices ON prices`);
    const again = await api(hub, 'POST', '/api/prices', { target: { store_ids: notApplied }, prices });
    expect(again.status).toBe(201);
    for (const s of STORES) expect(await priceOf(s, sku(1199))).toBe(51_199);
    const last = await inbox.waitFor((m: Loose) => m.changes.some((c: Loose) => c.payload.prices?.[0]?.amount === 50_000 && c.cursor === before.S3!.cursor + 1));
    expect(last.changes[0].store_id).toBe('S3');
    // Every store's log is still gap-free.
    const gaps = await t.db.query<{ store_id: string }>(`SELECT store_id FROM change_log GROUP BY store_id HAVING max(cursor) <> count(*)`);
    expect(gaps.rows).toEqual([]);
  });
});
