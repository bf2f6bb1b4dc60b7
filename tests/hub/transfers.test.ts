import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG, type StoreChange } from '../../src/core/protocol';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, api, enrollRegister, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import type { RegisterSim } from '../../src/hub/testing/register-sim';

// Transfers in two steps against a real hub (PGlite, and Postgres with DATABASE_URL): ship →
// in transit → (short) receipt at the destination, cancel, a second receipt refused, a retry
// with the same key answered with the first result, receipts racing on the pool, and the
// store manager's scope. Levels are checked against the sum of movements every time.

const q = (units: number, scale = 0) => ({ units, scale });

describe.each(testBackends())('stock transfers in transit on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let regA: RegisterSim;
  let regB: RegisterSim;
  const pushed: Record<string, StoreChange[]> = { A: [], B: [] };
  let mgrA: string;
  let mgrB: string;

  const level = async (store: string, sku: string) =>
    Number((await t.db.query<{ on_hand: string }>(`SELECT on_hand::text AS on_hand FROM stock_levels WHERE store_id = $1 AND sku = $2`, [store, sku])).rows[0]?.on_hand ?? 0);
  const movements = async (transferId: number) =>
    (await t.db.query<{ store_id: string; sku: string; quantity: string; reason: string }>(
      `SELECT store_id, sku, quantity::text AS quantity, reason FROM stock_movements WHERE transfer_id = $1 ORDER BY movement_id`,
      [transferId],
    )).rows.map((m) => `${m.store_id} ${m.sku} ${Number(m.quantity)} ${m.reason}`);
  // Stock is a ledger of movements: every level equals the sum of its store's movements.
  const ledgerHolds = async () => {
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM stock_levels l WHERE l.on_hand <> (SELECT coalesce(sum(quantity), 0) FROM stock_movements m WHERE m.store_id = l.store_id AND m.sku = l.sku)`,
    );
    expect(rows[0]!.n).toBe(0);
  };
  const ship = async (body: Record<string, unknown>, token = ADMIN_TOKEN) => api(hub, 'POST', '/api/stock/transfers', { from_store: 'A', to_store: 'B', receive: false, ...body }, token);

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', { MILK: 100, EGGS: 50, FLOUR: 20 });
    await seedStore(t.db, 'B', { MILK: 5 });
    await seedStore(t.db, 'C', {});
    hub = await startTestHub(t.db);
    for (const [store, set] of [['A', (r: RegisterSim) => (regA = r)], ['B', (r: RegisterSim) => (regB = r)]] as const) {
      const r = await enrollRegister(t.db, store, `${store}-T1`);
      set(r);
      const s = await r.connect(hub.url);
      s.on(MSG.changes, (m: { changes: StoreChange[] }) => pushed[store]!.push(...m.changes));
      await r.hello();
    }
    mgrA = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-a', name: 'Manager A', role: 'store_manager', store_ids: ['A'] })).body.token;
    mgrB = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-b', name: 'Manager B', role: 'store_manager', store_ids: ['B'] })).body.token;
    expect(mgrA && mgrB).toBeTruthy();
  }, 120_000);
  afterAll(async () => {
    regA?.close();
    regB?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('ship → in transit → short receipt: movements, levels, alert, and what each store was sent', async () => {
    const shipped = await ship({ items: [{ sku: 'MILK', quantity: q(10) }, { sku: 'EGGS', quantity: q(6) }], note: 'Tuesday van' }, mgrA);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(201);
    const id = shipped.body.transfer_id as number;
    expect(shipped.body).toMatchObject({ state: 'in_transit', applied: true, changes: [{ store_id: 'A', kind: 'stock' }] });
    expect(shipped.body.transfer).toMatchObject({ from_store: 'A', to_store: 'B', created_by: 'mgr-a', note: 'Tuesday van', received_at: null, line_count: 2 });
    expect(shipped.body.transfer.lines).toEqual([
      { sku: 'EGGS', name: null, shipped: '6', received: null, short: null },
      { sku: 'MILK', name: null, shipped: '10', received: null, short: null },
    ]);
    expect([await level('A', 'MILK'), await level('B', 'MILK')]).toEqual([90, 5]);
    // In transit, seen from both ends: the stock list and the in-transit list.
    const stockB = (await api(hub, 'GET', '/api/stock?store_id=B')).body.stock;
    expect(stockB.find((s: { sku: string }) => s.sku === 'MILK')).toMatchObject({ on_hand_decimal: '5', in_transit_in: '10', in_transit_out: '0' });
    const stockA = (await api(hub, 'GET', '/api/stock?store_id=A')).body.stock;
    expect(stockA.find((s: { sku: string }) => s.sku === 'EGGS')).toMatchObject({ in_transit_in: '0', in_transit_out: '6' });
    const transitB = (await api(hub, 'GET', '/api/stock/in-transit?store_id=B')).body.in_transit;
    expect(transitB).toEqual([
      { sku: 'EGGS', name: null, incoming: '6', outgoing: '0', transfers: 1 },
      { sku: 'MILK', name: null, incoming: '10', outgoing: '0', transfers: 1 },
    ]);
    // The source's registers got the new level; the destination's nothing yet.
    await expect.poll(() => pushed.A!.some((c) => (c.payload as { source?: { transfer_id?: number } }).source?.transfer_id === id)).toBe(true);
    expect(pushed.B!.some((c) => (c.payload as { source?: { transfer_id?: number } }).source?.transfer_id === id)).toBe(false);

    // Received at B: 2 of the milk are missing, the eggs all arrived.
    const r = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { items: [{ sku: 'MILK', quantity: q(8) }], note: 'two crushed' }, mgrB);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ state: 'received_short', applied: true, changes: [{ store_id: 'B' }] });
    expect(r.body.transfer).toMatchObject({ received_by: 'mgr-b', receive_note: 'two crushed' });
    expect(r.body.transfer.lines).toEqual([
      { sku: 'EGGS', name: null, shipped: '6', received: '6', short: '0' },
      { sku: 'MILK', name: null, shipped: '10', received: '8', short: '2' },
    ]);
    expect(await movements(id)).toEqual(['A EGGS -6 transfer_out', 'A MILK -10 transfer_out', 'B EGGS 6 transfer_in', 'B MILK 10 transfer_in', 'B MILK -2 transfer_loss']);
    expect([await level('A', 'MILK'), await level('B', 'MILK'), await level('B', 'EGGS')]).toEqual([90, 13, 6]);
    expect((await api(hub, 'GET', '/api/stock/in-transit?store_id=B')).body.in_transit).toEqual([]);
    await expect.poll(() => pushed.B!.some((c) => (c.payload as { source?: { transfer_id?: number } }).source?.transfer_id === id)).toBe(true);
    const change = pushed.B!.find((c) => (c.payload as { source?: { transfer_id?: number } }).source?.transfer_id === id)!;
    expect((change.payload as { levels: unknown[] }).levels).toEqual([{ sku: 'EGGS', on_hand: q(6) }, { sku: 'MILK', on_hand: q(13) }]);
    const alerts = (await api(hub, 'GET', '/api/alerts?store_id=B')).body.alerts as Array<{ kind: string; message: string; data: Record<string, unknown> }>;
    const short = alerts.find((a) => a.kind === 'transfer_short')!;
    expect(short.message).toMatch(/MILK 2 of 10 missing/);
    expect(short.data).toMatchObject({ transfer_id: id, from_store: 'A', lines: [{ sku: 'MILK', shipped: '10', received: '8', missing: '2' }] });
    const losses = (await api(hub, 'GET', '/api/stock/movements?store_id=B&reason=transfer_loss')).body.movements;
    expect(losses).toEqual([expect.objectContaining({ sku: 'MILK', quantity_decimal: '-2', transfer_id: id })]);

    // Receiving again is refused with a code, and changes nothing.
    const again = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, {}, mgrB);
    expect([again.status, again.body.error.code]).toEqual([409, 'ALREADY_RECEIVED']);
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/cancel`, {})).body.error.code).toBe('ALREADY_RECEIVED');
    expect(await level('B', 'MILK')).toBe(13);
    await ledgerHolds();
  });

  it('refuses receipts that do not fit the transfer: more than shipped, a SKU it does not carry, bad quantities', async () => {
    const id = (await ship({ items: [{ sku: 'FLOUR', quantity: q(2500, 3) }] })).body.transfer_id as number;
    const over = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { items: [{ sku: 'FLOUR', quantity: q(2501, 3) }] });
    expect([over.status, over.body.error.code, over.body.error.field]).toEqual([400, 'OVER_RECEIVED', 'items']);
    const unknown = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { items: [{ sku: 'MILK', quantity: q(1) }] });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'UNKNOWN_LINE']);
    for (const bad of [{ items: [{ sku: 'FLOUR', quantity: q(-1) }] }, { items: [{ sku: 'FLOUR', quantity: q(1, 7) }] }, { items: [{ sku: 'FLOUR', quantity: q(1) }, { sku: 'FLOUR', quantity: q(1) }] }, { extra: 1 }, { key: 'short' }]) {
      expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await api(hub, 'POST', '/api/stock/transfers/999999/receive', {})).status).toBe(404);
    expect((await api(hub, 'POST', '/api/stock/transfers/abc/receive', {})).status).toBe(400);
    // Nothing arrived at all is a receipt too (everything written off), in decimals.
    const none = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { items: [{ sku: 'FLOUR', quantity: q(0) }] });
    expect(none.body).toMatchObject({ state: 'received_short', transfer: { lines: [{ sku: 'FLOUR', shipped: '2.5', received: '0', short: '2.5' }] } });
    expect(await movements(id)).toEqual(['A FLOUR -2.5 transfer_out', 'B FLOUR 2.5 transfer_in', 'B FLOUR -2.5 transfer_loss']);
    await ledgerHolds();
  });

  it('cancel while in transit puts the goods back at the source; then neither receive nor cancel', async () => {
    const before = await level('A', 'EGGS');
    const id = (await ship({ items: [{ sku: 'EGGS', quantity: q(4) }] }, mgrA)).body.transfer_id as number;
    expect(await level('A', 'EGGS')).toBe(before - 4);
    // The destination's manager may not cancel what A shipped; B's manager may not ship from A.
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/cancel`, {}, mgrB)).status).toBe(403);
    expect((await ship({ items: [{ sku: 'EGGS', quantity: q(1) }] }, mgrB)).status).toBe(403);
    const c = await api(hub, 'POST', `/api/stock/transfers/${id}/cancel`, { note: 'van broke down' }, mgrA);
    expect(c.status, JSON.stringify(c.body)).toBe(200);
    expect(c.body).toMatchObject({ state: 'cancelled', transfer: { cancelled_by: 'mgr-a', cancel_note: 'van broke down', received_at: null } });
    expect(await level('A', 'EGGS')).toBe(before);
    expect(await movements(id)).toEqual(['A EGGS -4 transfer_out', 'A EGGS 4 transfer_cancel']);
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, {})).body.error.code).toBe('ALREADY_CANCELLED');
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/cancel`, {})).body.error.code).toBe('ALREADY_CANCELLED');
    await ledgerHolds();
  });

  it('a store manager receives for their own store only, and lists the transfers of their stores', async () => {
    const id = (await ship({ items: [{ sku: 'MILK', quantity: q(1) }] })).body.transfer_id as number;
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, {}, mgrA)).body.error.code).toBe('FORBIDDEN');
    const toC = (await ship({ to_store: 'C', items: [{ sku: 'MILK', quantity: q(1) }] })).body.transfer_id as number;
    // A manager of neither end is told no more than the lists tell them: no such transfer.
    expect((await api(hub, 'POST', `/api/stock/transfers/${toC}/receive`, {}, mgrB)).status).toBe(404);
    expect((await api(hub, 'POST', `/api/stock/transfers/${toC}/cancel`, {}, mgrB)).status).toBe(404);
    expect((await api(hub, 'GET', `/api/stock/transfers/${toC}`, undefined, mgrB)).status).toBe(404);
    expect((await api(hub, 'GET', `/api/stock/transfers/${toC}`, undefined, mgrA)).body.transfer_id).toBe(toC);
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, {}, mgrB)).body.state).toBe('received');
    const mine = (await api(hub, 'GET', '/api/stock/transfers?limit=100', undefined, mgrB)).body.transfers as Array<{ transfer_id: number; to_store: string; from_store: string }>;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((x) => x.to_store === 'B' || x.from_store === 'B')).toBe(true);
    expect(mine.some((x) => x.transfer_id === toC)).toBe(false);
    // Filters: state, direction, time; paged newest first.
    const open = (await api(hub, 'GET', '/api/stock/transfers?state=in_transit')).body.transfers as Array<{ transfer_id: number; state: string }>;
    expect(open.map((x) => x.transfer_id)).toEqual([toC]);
    expect((await api(hub, 'GET', '/api/stock/transfers?store_id=C&direction=out')).body.transfers).toEqual([]);
    expect((await api(hub, 'GET', '/api/stock/transfers?store_id=C&direction=in')).body.transfers).toHaveLength(1);
    expect((await api(hub, 'GET', '/api/stock/transfers?state=received_short&store_id=B')).body.transfers.length).toBe(2);
    expect((await api(hub, 'GET', '/api/stock/transfers?from=2999-01-01')).body.transfers).toEqual([]);
    expect((await api(hub, 'GET', '/api/stock/transfers?state=lost')).status).toBe(400);
    const p1 = (await api(hub, 'GET', '/api/stock/transfers?limit=2')).body;
    const p2 = (await api(hub, 'GET', `/api/stock/transfers?limit=2&cursor=${p1.next_cursor}`)).body;
    expect(p1.transfers[0].transfer_id).toBeGreaterThan(p2.transfers[0].transfer_id);
    expect((await api(hub, 'GET', `/api/stock/in-transit?store_id=A&cursor=${p1.next_cursor}`)).body.error.code).toBe('BAD_CURSOR');
    expect((await api(hub, 'GET', '/api/stock/in-transit?store_id=C', undefined, mgrB)).status).toBe(403);
    expect((await api(hub, 'POST', `/api/stock/transfers/${toC}/cancel`, {})).body.state).toBe('cancelled');
  });

  it('a retried step with the same key answers the first result; the same key with other content is refused', async () => {
    const body = { items: [{ sku: 'MILK', quantity: q(3) }], key: `ship-${backend.name}-0001` };
    const a = await ship(body);
    const b = await ship(body);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body).toMatchObject({ transfer_id: a.body.transfer_id, applied: false, changes: [] });
    expect((await ship({ ...body, items: [{ sku: 'MILK', quantity: q(4) }] })).body.error.code).toBe('KEY_REUSED');
    // The same shipment retried as a one-step move is another request, not a replay.
    expect((await ship({ ...body, receive: true })).body.error.code).toBe('KEY_REUSED');
    const id = a.body.transfer_id as number;
    const rk = { items: [{ sku: 'MILK', quantity: q(2) }], key: `receive-${backend.name}-0001` };
    const r1 = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, rk);
    const r2 = await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, rk);
    expect([r1.body.applied, r2.body.applied, r2.status, r2.body.state]).toEqual([true, false, 200, 'received_short']);
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { ...rk, items: [] })).body.error.code).toBe('KEY_REUSED');
    expect((await api(hub, 'POST', `/api/stock/transfers/${id}/receive`, { ...rk, key: `receive-${backend.name}-0002` })).body.error.code).toBe('ALREADY_RECEIVED');
    expect(await movements(id)).toEqual(['A MILK -3 transfer_out', 'B MILK 3 transfer_in', 'B MILK -1 transfer_loss']);
    // The one-step move of before, still the route's default: shipped and received in one transaction.
    const one = await api(hub, 'POST', '/api/stock/transfers', { from_store: 'A', to_store: 'B', items: [{ sku: 'MILK', quantity: q(1) }] });
    expect(one.body).toMatchObject({ state: 'received', changes: [{ store_id: 'A' }, { store_id: 'B' }] });
    expect(await movements(one.body.transfer_id)).toEqual(['A MILK -1 transfer_out', 'B MILK 1 transfer_in']);
    // One step writes into the destination: a manager of the source alone may not.
    expect((await ship({ items: [{ sku: 'MILK', quantity: q(1) }], receive: true }, mgrA)).status).toBe(403);
    await ledgerHolds();
  });

  it('receipts racing for the same transfer: one applies, the rest are refused or replayed; stock is never doubled', async () => {
    for (const keyed of [false, true]) {
      const id = (await ship({ items: [{ sku: 'MILK', quantity: q(7) }, { sku: 'EGGS', quantity: q(1) }] })).body.transfer_id as number;
      const before = await level('B', 'MILK');
      const body = keyed ? { key: `race-${backend.name}-${id}` } : {};
      const replies = await Promise.all(Array.from({ length: 6 }, () => api(hub, 'POST', `/api/stock/transfers/${id}/receive`, body)));
      const applied = replies.filter((r) => r.status === 200 && r.body.applied);
      expect(applied).toHaveLength(1);
      for (const r of replies.filter((x) => !(x.status === 200 && x.body.applied))) {
        if (keyed) expect([r.status, r.body.applied]).toEqual([200, false]);
        else expect([r.status, r.body.error?.code]).toEqual([409, 'ALREADY_RECEIVED']);
      }
      expect(await level('B', 'MILK')).toBe(before + 7);
      expect(await movements(id)).toEqual(['A EGGS -1 transfer_out', 'A MILK -7 transfer_out', 'B EGGS 1 transfer_in', 'B MILK 7 transfer_in']);
    }
    // A receipt racing a cancel: exactly one of them wins.
    const id = (await ship({ items: [{ sku: 'MILK', quantity: q(2) }] })).body.transfer_id as number;
    const [r, c] = await Promise.all([api(hub, 'POST', `/api/stock/transfers/${id}/receive`, {}), api(hub, 'POST', `/api/stock/transfers/${id}/cancel`, {})]);
    expect([r.status, c.status].sort()).toEqual([200, 409]);
    expect((await movements(id)).length).toBe(2);
    // A shipment resent while the first is still running: shipped once.
    const eggs = await level('A', 'EGGS');
    const resent = await Promise.all(Array.from({ length: 4 }, () => ship({ items: [{ sku: 'EGGS', quantity: q(2) }], key: `ship-race-${backend.name}` })));
    expect(resent.map((x) => x.status).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(resent.map((x) => x.body.transfer_id)).size).toBe(1);
    expect(await level('A', 'EGGS')).toBe(eggs - 2);
    // Shipments racing for the last units of a SKU: the source never goes below zero.
    const left = await level('A', 'FLOUR');
    const ships = await Promise.all(Array.from({ length: 4 }, () => ship({ items: [{ sku: 'FLOUR', quantity: { units: Math.round(left * 1000 * 0.4), scale: 3 } }] })));
    expect(ships.filter((s) => s.status === 201)).toHaveLength(2);
    expect(ships.filter((s) => s.status === 409).every((s) => s.body.error.code === 'CONFLICT')).toBe(true);
    expect(await level('A', 'FLOUR')).toBeGreaterThanOrEqual(0);
    // One-step moves in opposite directions at once (both stores' rows, locked in one order):
    // every one applies, none dies in a deadlock.
    const [a0, b0] = [await level('A', 'MILK'), await level('B', 'MILK')];
    const moves = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(hub, 'POST', '/api/stock/transfers', { from_store: i % 2 ? 'B' : 'A', to_store: i % 2 ? 'A' : 'B', items: i % 2 ? [{ sku: 'MILK', quantity: q(1) }] : [{ sku: 'EGGS', quantity: q(1) }, { sku: 'MILK', quantity: q(1) }] }),
      ),
    );
    expect(moves.map((m) => `${m.status} ${m.body.state ?? m.body.error?.message}`)).toEqual(Array(8).fill('201 received'));
    expect([await level('A', 'MILK'), await level('B', 'MILK')]).toEqual([a0, b0]);
    await ledgerHolds();
  });
});
