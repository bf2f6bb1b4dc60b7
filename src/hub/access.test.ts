import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from './testing/loose';
import { io as ioClient } from 'socket.io-client';
import { MSG } from '../core/protocol';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import { Inbox } from './testing/wait';
import type { HubHandle } from './server';
import type { RegisterSim } from './testing/register-sim';
import { storeRoom } from './socket';

describe.each(testBackends())('access control and price fan-out on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  const regs: Record<string, RegisterSim> = {};
  const inbox: Record<string, Inbox> = {};
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', { X: 10 }, ['north']);
    await seedStore(t.db, 'B', { X: 10 }, ['north']);
    await seedStore(t.db, 'C', { X: 10 }, ['south']);
    hub = await startTestHub(t.db);
    for (const [store, term] of [['A', 'A-1'], ['A', 'A-2'], ['B', 'B-1'], ['C', 'C-1']] as const) {
      const r = await enrollRegister(t.db, store, term);
      const s = await r.connect(hub.url);
      regs[term] = r;
      inbox[term] = new Inbox(s, MSG.changes);
    }
  });
  afterAll(async () => {
    for (const r of Object.values(regs)) r.close();
    await hub?.close();
    await t?.dispose();
  });

  it('a register of store A cannot post events for store B or as another terminal', async () => {
    const a = regs['A-1']!;
    const forged = (await import('./testing/register-sim')).salePayload('B', 'B-1', [{ sku: 'X', units: 1, unit_price: 100 }]);
    const { RegisterSim } = await import('./testing/register-sim');
    const fake = new RegisterSim('B', 'B-1', 'unused');
    const ev = fake.append('sale.completed', forged as unknown as Record<string, unknown>);
    const r1 = await a.request(MSG.pushEvents, { terminal_id: 'B-1', events: [ev] });
    expect(r1).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const r2 = await a.request(MSG.pushEvents, { terminal_id: 'A-1', events: [ev] });
    expect(r2).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(r2.error.message).toMatch(/may only write A\/A-1/);
    const hello = await a.request(MSG.hello, { protocol: 1, terminal_id: 'B-1', app_version: 't', change_cursor: 0 });
    expect(hello).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const n = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events`);
    expect(n.rows[0]!.n).toBe(0);
  });

  it("is joined only to its own store's room, server-side; a client join request does nothing", async () => {
    const a = regs['A-1']!;
    a.socket!.emit('join', 'store:B');
    a.socket!.emit('subscribe', { room: 'store:B' });
    const inB = await hub.io.in(storeRoom('B')).fetchSockets();
    expect(inB.map((s) => s.id)).toEqual([regs['B-1']!.socket!.id]);
    const inA = await hub.io.in(storeRoom('A')).fetchSockets();
    expect(inA.map((s) => s.id).sort()).toEqual([regs['A-1']!.socket!.id, regs['A-2']!.socket!.id].sort());
    // Pulls and snapshots are scoped to the credential's store whatever the request says.
    const pull = await a.request(MSG.pullChanges, { after_cursor: 0, limit: 10, store_id: 'B' });
    expect(pull.ok).toBe(true);
    for (const c of pull.changes) expect(c.store_id).toBe('A');
    const snap = await a.request(MSG.snapshot, {});
    expect(snap.store_id).toBe('A');
  });

  it('a price change reaches every connected register of the targeted stores, and only those', async () => {
    const res = await api(hub, 'POST', '/api/prices', { target: { groups: ['north'] }, prices: [{ sku: 'X', amount: 199 }], reason: 'north promo' });
    expect(res.status).toBe(201);
    expect(res.body.stores).toEqual(['A', 'B']);
    const isNorthPrice = (m: Loose) => m.changes.some((c: Loose) => c.kind === 'price' && c.payload.reason === 'north promo');
    for (const term of ['A-1', 'A-2', 'B-1']) {
      const m = await inbox[term]!.waitFor(isNorthPrice);
      const c = m.changes.find((x: Loose) => x.kind === 'price');
      expect(c.payload.prices).toEqual([{ sku: 'X', amount: 199, currency: 'USD' }]);
      expect(c.store_id).toBe(term[0]);
    }
    // C gets a later change of its own; the north one never arrived before it.
    await api(hub, 'POST', '/api/prices', { target: { store_ids: ['C'] }, prices: [{ sku: 'X', amount: 250 }], reason: 'south' });
    await inbox['C-1']!.waitFor((m) => m.changes.some((c: Loose) => c.payload.reason === 'south'));
    expect(inbox['C-1']!.items.some(isNorthPrice)).toBe(false);
    expect(inbox['A-1']!.items.some((m) => m.changes.some((c: Loose) => c.payload.reason === 'south'))).toBe(false);
    // Cursors per store are gap-free and what a pull returns.
    const pull = await regs['A-1']!.request(MSG.pullChanges, { after_cursor: 0, limit: 1000 });
    expect(pull.changes.map((c: Loose) => c.cursor)).toEqual(pull.changes.map((_: unknown, i: number) => i + 1));
    expect(pull.latest_change_cursor).toBe(pull.changes.length);
  });

  it('publishes a scheduled price change when it falls due', async () => {
    const at = new Date(Date.now() + 600).toISOString();
    const res = await api(hub, 'POST', '/api/prices', { target: { store_ids: ['B'] }, prices: [{ sku: 'X', amount: 205 }], effective_at: at, reason: 'later' });
    expect(res.status).toBe(201);
    expect(res.body.scheduled.effective_at).toBe(at);
    const m = await inbox['B-1']!.waitFor((x) => x.changes.some((c: Loose) => c.payload.reason === 'later'));
    expect(m.changes[0].payload.prices[0].amount).toBe(205);
    const p = await t.db.query<{ amount: number }>(`SELECT amount FROM prices WHERE store_id = 'B' AND sku = 'X'`);
    expect(p.rows[0]!.amount).toBe(205);
  });

  it('a new register is told to take a snapshot; snapshot and pulls from its cursor give the state', async () => {
    const r = regs['B-1']!;
    const h = await r.hello(0);
    expect(h.snapshot_required).toBe(true);
    expect(h.latest_change_cursor).toBeGreaterThan(0);
    const snap = await r.request(MSG.snapshot, {});
    expect(snap).toMatchObject({ ok: true, store_id: 'B', cursor: h.latest_change_cursor });
    expect(snap.prices.map((p: Loose) => [p.sku, p.amount, p.currency])).toEqual([['X', 205, 'USD']]);
    expect(snap.stock).toEqual([{ sku: 'X', on_hand: { units: 10, scale: 0 } }]);
    expect((await r.hello(snap.cursor)).snapshot_required).toBe(false);
    expect((await r.hello(snap.cursor + 100)).snapshot_required).toBe(true); // ahead of the hub: its log was restored
    const empty = await r.request(MSG.pullChanges, { after_cursor: snap.cursor, limit: 10 });
    expect(empty).toEqual({ ok: true, changes: [], latest_change_cursor: snap.cursor, snapshot_required: false });
    const badPull = await r.request(MSG.pullChanges, { after_cursor: -1, limit: 10 });
    expect(badPull.error.message).toMatch(/after_cursor/);
  });

  it('store managers are scoped to their stores; promotions and catalog entries are validated and pushed', async () => {
    const user = await api(hub, 'POST', '/api/users', { user_id: 'mgr-a', name: 'Manager A', role: 'store_manager', store_ids: ['A'] });
    expect(user.status).toBe(201);
    const mgr = user.body.token as string;
    expect((await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'A', terminal_id: 'A-9' }, mgr)).status).toBe(201);
    const other = await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'B', terminal_id: 'B-9' }, mgr);
    expect(other.status).toBe(403);
    expect(other.body.error.field).toBe('store_id');
    expect((await api(hub, 'POST', '/api/prices', { target: { all: true }, prices: [{ sku: 'X', amount: 1 }] }, mgr)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/stock?store_id=B', undefined, mgr)).status).toBe(403);
    expect((await api(hub, 'POST', '/api/users', { user_id: 'x', name: 'x', role: 'admin' }, mgr)).status).toBe(403);
    const noStores = await api(hub, 'POST', '/api/users', { user_id: 'mgr-z', name: 'Z', role: 'store_manager' });
    expect(noStores.body.error.field).toBe('store_ids');

    const promo = { promotion_id: 'P1', name: '10% off X', kind: 'percent_off', percent_bp: 1000, target: { skus: ['X'] } };
    const bad = await api(hub, 'POST', '/api/promotions', { target: { store_ids: ['A'] }, promotions: [{ ...promo, percent_bp: 0 }] }, mgr);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('promotions.0.percent_bp');
    const ok = await api(hub, 'POST', '/api/promotions', { target: { store_ids: ['A'] }, promotions: [promo] }, mgr);
    expect(ok.status).toBe(201);
    const pm = await inbox['A-2']!.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'promotion'));
    expect(pm.changes.find((c: Loose) => c.kind === 'promotion').payload.promotions[0]).toMatchObject({ promotion_id: 'P1', active: true });

    const product = { sku: 'NEW-1', gtins: ['4006381333931'], name: 'New thing', category: 'grocery', tax_category: 'food', unit: 'each', price: 150, currency: 'USD', active: true };
    const cat = await api(hub, 'POST', '/api/catalog', { products: [product] });
    expect(cat.status).toBe(201);
    expect(cat.body.stores).toEqual(['A', 'B', 'C']);
    await inbox['C-1']!.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'catalog' && c.payload.products[0].sku === 'NEW-1'));
    const badCat = await api(hub, 'POST', '/api/catalog', { products: [{ ...product, unit: 'litre' }] });
    expect(badCat.body.error.field).toBe('products.0.unit');
  });

  it('rejects bad HTTP bodies with an error naming the field, and unauthenticated calls', async () => {
    const bad = await api(hub, 'POST', '/api/prices', { target: { all: true }, prices: [{ sku: 'X', amount: 1.5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('prices.0.amount');
    const notJson = await api(hub, 'POST', '/api/stores', '{nope');
    expect(notJson.status).toBe(400);
    const anon = await api(hub, 'GET', '/api/stores', undefined, '');
    expect(anon.status).toBe(401);
    const asRegister = await api(hub, 'POST', '/api/prices', { target: { all: true }, prices: [{ sku: 'X', amount: 1 }] }, regs['A-1']!.token);
    expect(asRegister.status).toBe(403);
    const health = await api(hub, 'GET', '/health', undefined, '');
    expect(health.body.ok).toBe(true);
  });

  it('an enrollment code works once; a revoked credential is disconnected and refused', async () => {
    const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'C', terminal_id: 'C-2' });
    expect(code.status).toBe(201);
    const first = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ store_id: 'C', terminal_id: 'C-2' });
    const second = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    expect(second.status).toBe(401);
    expect(second.body.error.field).toBe('code');

    const c1 = regs['C-1']!;
    const disconnected = new Promise<string>((resolve) => c1.socket!.once('disconnect', (reason) => resolve(reason)));
    const rev = await api(hub, 'POST', '/api/credentials/revoke', { terminal_id: 'C-1' });
    expect(rev.body.revoked).toBe(1);
    expect(await disconnected).toBe('io server disconnect');
    const s = ioClient(hub.url, { transports: ['websocket'], auth: { token: c1.token }, reconnection: false, forceNew: true });
    const err = await new Promise<Error>((resolve) => s.once('connect_error', resolve));
    expect(err.message).toBe('UNAUTHORIZED');
    s.close();
    const bogus = ioClient(hub.url, { transports: ['websocket'], auth: { token: 'tsr_not-a-real-token-at-all' }, reconnection: false, forceNew: true });
    expect((await new Promise<Error>((resolve) => bogus.once('connect_error', resolve))).message).toBe('UNAUTHORIZED');
    bogus.close();
  });
});
