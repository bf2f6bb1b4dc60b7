import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from './testing/loose';
import { MAX_FRAME_BYTES, MSG } from '../core/protocol';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { checkInvariants, enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import { adjustStock } from './stock';
import type { HubHandle } from './server';
import type { RegisterSim } from './testing/register-sim';

const OPENING = { S1: { APPLE: 100, PEAR: 50, PLUM: 5 } };

describe.each(testBackends())('ingest over socket.io on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let r1: RegisterSim;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S1', OPENING.S1);
    hub = await startTestHub(t.db);
    r1 = await enrollRegister(t.db, 'S1', 'S1-T1');
    await r1.connect(hub.url);
  });
  afterAll(async () => {
    r1?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('applies a batch, then acks duplicates and reordered resends without effect', async () => {
    const hello = await r1.hello();
    expect(hello).toMatchObject({ ok: true, store_id: 'S1', applied_through: 0, applied_hash: null });
    const events = Array.from({ length: 20 }, (_, i) => r1.sell([{ sku: i % 2 ? 'APPLE' : 'PEAR', units: 1 + (i % 3), unit_price: 125 }]));
    const a1 = await r1.push(events.slice(0, 10));
    expect(a1).toEqual({ ok: true, applied_through: 10, rejected: [] });
    // Same batch again, reversed order, overlapping the next one.
    const a2 = await r1.push([...events.slice(5, 15)].reverse());
    expect(a2).toEqual({ ok: true, applied_through: 15, rejected: [] });
    // A batch with a gap at the front applies nothing past the gap.
    const a3 = await r1.push(events.slice(17, 20));
    expect(a3).toEqual({ ok: true, applied_through: 15, rejected: [] });
    const a4 = await r1.push([...events.slice(10, 20)].sort(() => Math.random() - 0.5));
    expect(a4).toEqual({ ok: true, applied_through: 20, rejected: [] });
    const a5 = await r1.push(events);
    expect(a5).toEqual({ ok: true, applied_through: 20, rejected: [] });

    const { rows } = await t.db.query<{ n: number; max: number }>(`SELECT count(*)::int AS n, max(seq)::int AS max FROM journal_events WHERE terminal_id = 'S1-T1'`);
    expect(rows[0]).toEqual({ n: 20, max: 20 });
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.balanced).toBe(true);
    expect(inv.lineCount).toBeGreaterThan(0);
    expect(inv.duplicates).toBe(0);
    expect(inv.mismatches).toEqual([]);
    const sold = events.reduce((s, e) => s + ((e.payload as Loose).lines[0].sku === 'APPLE' ? (e.payload as Loose).lines[0].quantity.units : 0), 0);
    expect(inv.stock.S1!.APPLE).toBe(100 - sold);
    const again = await r1.hello(0);
    expect(again).toMatchObject({ applied_through: 20, applied_hash: events[19]!.hash });
  });

  it('rejects a bad event, keeps going behind it, and stores the rejection with an alert', async () => {
    const good1 = r1.sell([{ sku: 'PLUM', units: 1, unit_price: 99 }]);
    const bad = r1.append('sale.completed', { nonsense: true });
    const good2 = r1.sell([{ sku: 'PLUM', units: 1, unit_price: 99 }]);
    const ack = await r1.push([good1, bad, good2]);
    expect(ack.ok).toBe(true);
    expect(ack.applied_through).toBe(good2.seq);
    expect(ack.rejected).toHaveLength(1);
    expect(ack.rejected[0]).toMatchObject({ seq: bad.seq, code: 'INVALID_PAYLOAD' });
    const rej = await t.db.query(`SELECT code FROM event_rejections WHERE terminal_id = 'S1-T1' AND seq = $1`, [bad.seq]);
    expect(rej.rows).toEqual([{ code: 'INVALID_PAYLOAD' }]);
    const alerts = await t.db.query(`SELECT kind FROM alerts WHERE kind = 'event_rejected'`);
    expect(alerts.rows.length).toBe(1);
    // Resending the rejected event is a no-op duplicate.
    expect(await r1.push([bad])).toEqual({ ok: true, applied_through: good2.seq, rejected: [] });
  });

  it('rejects a tampered resend of an applied event (same event_id, different hash) and raises an alert', async () => {
    const orig = r1.journal[0]!;
    const tampered = { ...orig, payload: { ...orig.payload, cashier_id: 'evil' } };
    const ack = await r1.push([tampered]);
    expect(ack.rejected[0]).toMatchObject({ seq: 1, code: 'DUPLICATE_EVENT_ID_DIFFERENT_HASH' });
    const alerts = await t.db.query(`SELECT kind FROM alerts WHERE kind = 'duplicate_event_conflict'`);
    expect(alerts.rows.length).toBe(1);
    const stored = await t.db.query<{ hash: string }>(`SELECT hash FROM journal_events WHERE terminal_id = 'S1-T1' AND seq = 1`);
    expect(stored.rows[0]!.hash).toBe(orig.hash);
  });

  it('rejects a broken chain link and an event whose hash does not match, without blocking later events', async () => {
    const before = r1.seq;
    const e1 = r1.sell([{ sku: 'PEAR', units: 1, unit_price: 10 }]);
    const forged = { ...e1, payload: { ...e1.payload, cashier_id: 'x' } }; // hash no longer matches
    const e2 = r1.sell([{ sku: 'PEAR', units: 1, unit_price: 10 }]);
    const ack = await r1.push([forged, e2]);
    expect(ack.applied_through).toBe(before + 2);
    expect(ack.rejected.map((r: Loose) => r.code)).toEqual(['HASH_MISMATCH']);
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.balanced).toBe(true);
    expect(inv.mismatches).toEqual([]);
  });

  it('answers malformed and oversize messages with an error ack and writes nothing', async () => {
    const count = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events`)).rows[0]!.n;
    const n0 = await count();
    const bad = await r1.request(MSG.pushEvents, { terminal_id: 'S1-T1', events: [{ seq: 'one' }] });
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('BAD_REQUEST');
    expect(bad.error.message).toMatch(/events\.0\./);
    const notObj = await r1.request(MSG.pushEvents, 42);
    expect(notObj.error.code).toBe('BAD_REQUEST');
    const e = r1.sell([{ sku: 'PEAR', units: 1, unit_price: 10 }]);
    r1.seq -= 1; // not really sent; keep the sim's chain where the hub is
    r1.journal.pop();
    r1.prevHash = r1.journal[r1.journal.length - 1]!.hash;
    const huge = { ...e, payload: { ...e.payload, padding: 'x'.repeat(4 * 1024 * 1024 + 10) } };
    const big = await r1.request(MSG.pushEvents, { terminal_id: 'S1-T1', events: [huge] });
    expect(big.error.code).toBe('TOO_LARGE');
    expect(await count()).toBe(n0);
    // The connection still works.
    expect((await r1.hello()).ok).toBe(true);
  });

  it('closes the connection on a frame beyond MAX_FRAME_BYTES (by design: never read into memory); the register reconnects', async () => {
    const count = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events`)).rows[0]!.n;
    const n0 = await count();
    const s = r1.socket!;
    const closed = new Promise<string>((resolve) => s.once('disconnect', (reason) => resolve(reason)));
    let answered = false;
    s.emit(MSG.pushEvents, { terminal_id: 'S1-T1', events: [{ padding: 'x'.repeat(MAX_FRAME_BYTES) }] }, () => (answered = true));
    expect(await closed).toMatch(/^transport (close|error)$/);
    expect(answered).toBe(false);
    expect(await count()).toBe(n0);
    await r1.connect(hub.url);
    expect((await r1.hello()).ok).toBe(true);
  });

  // Last: its store's fractional opening stock is not in OPENING (checkInvariants above).
  it('the stock change a register is pushed is the one it pulls from the log (levels at their smallest exact scale, SKU order)', async () => {
    await seedStore(t.db, 'S9', {});
    await t.db.transaction((tx) => adjustStock(tx, { store_id: 'S9', reason: 'opening', items: [
      { sku: 'FIG', quantity: { units: 3250, scale: 3 } }, { sku: 'B-10', quantity: { units: 1, scale: 0 } }, { sku: 'ZED', quantity: { units: 7, scale: 1 } },
    ] }));
    const seller = await enrollRegister(t.db, 'S9', 'S9-T1');
    const other = await enrollRegister(t.db, 'S9', 'S9-T2');
    await seller.connect(hub.url);
    await other.connect(hub.url);
    try {
      const pushed: Loose[] = [];
      other.socket!.on(MSG.changes, (m: Loose) => pushed.push(...m.changes));
      const from = Number((await other.hello()).latest_change_cursor);
      const sales = [
        seller.sell([{ sku: 'ZED', units: 1, unit_price: 10 }, { sku: 'FIG', units: 1, unit_price: 10 }, { sku: 'B-10', units: 3, unit_price: 10 }]),
        seller.sell([{ sku: 'FIG', units: 2, unit_price: 10 }]),
      ];
      expect(await seller.push([sales[0]!])).toMatchObject({ ok: true, applied_through: 1, rejected: [] });
      expect(await seller.push([sales[1]!])).toMatchObject({ ok: true, applied_through: 2, rejected: [] });
      await other.hello(); // a round trip, so the pushes have arrived
      const pulled: Loose = await other.request(MSG.pullChanges, { after_cursor: from, limit: 100 });
      const stock = (cs: Loose[]) => cs.filter((c) => c.kind === 'stock');
      expect(stock(pushed).map((c) => c.payload)).toEqual([
        { levels: [{ sku: 'B-10', on_hand: { units: -2, scale: 0 } }, { sku: 'FIG', on_hand: { units: 225, scale: 2 } }, { sku: 'ZED', on_hand: { units: -3, scale: 1 } }], source: { terminal_id: 'S9-T1', through_seq: 1 } },
        { levels: [{ sku: 'FIG', on_hand: { units: 25, scale: 2 } }], source: { terminal_id: 'S9-T1', through_seq: 2 } },
      ]);
      expect(stock(pulled.changes)).toEqual(stock(pushed));
    } finally {
      seller.close();
      other.close();
    }
  });
});
