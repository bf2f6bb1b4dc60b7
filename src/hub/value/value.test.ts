import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../../core/protocol';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';
import type { RegisterSim } from '../testing/register-sim';
import { reconcileValue } from './reconcile';
import { expireReservations } from './reservations';
import { giftCardSale, goodsSale, newId } from './testing';

// Gift cards and points through the real hub over real sockets: balances at every step, the
// reservation protocol (idempotent, settled by the sale, released, expired), offline
// redemptions beyond the balance, and the ledger's liabilities equal to the balances.
describe.each(testBackends())('customers, points and gift cards on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  const regs: Record<string, RegisterSim> = {};
  const LEDGER = { gift_card: '2100', points: '2110' };
  const agree = async () => {
    const r = await reconcileValue(t.db, LEDGER);
    expect(r.drift).toEqual([]);
    for (const g of r.gift_cards) expect(g.difference, `gift cards ${g.currency}`).toBe(0);
    expect(r.points?.difference ?? 0).toBe(0);
    return r;
  };
  const card = async (reg: RegisterSim, id: string) => (await reg.request(MSG.cardLookup, { gift_card_id: id })).card;
  const sell = async (reg: RegisterSim, payload: object) => {
    const ack = await reg.push([reg.append('sale.completed', payload as Record<string, unknown>)]);
    expect(ack).toMatchObject({ ok: true, rejected: [] });
    return ack;
  };

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', {});
    await seedStore(t.db, 'B', {});
    hub = await startTestHub(t.db, { schedulerIntervalMs: 60_000 });
    for (const [store, term] of [['A', 'A-1'], ['A', 'A-2'], ['B', 'B-1']] as const) {
      const r = await enrollRegister(t.db, store, term);
      await r.connect(hub.url);
      regs[term] = r;
    }
  });
  afterAll(async () => {
    for (const r of Object.values(regs)) r.close();
    await hub?.close();
    await t?.dispose();
  });

  it('a gift card sold at A, partly redeemed at B, reloaded, redeemed again: balance and liability right at every step', async () => {
    const a = regs['A-1']!;
    const b = regs['B-1']!;
    const id = 'GC-100001';
    expect(await b.request(MSG.cardLookup, { gift_card_id: id })).toEqual({ ok: true, found: false });
    await sell(a, giftCardSale('A', 'A-1', id, 5000));
    expect(await card(b, id)).toEqual({ gift_card_id: id, currency: 'USD', balance: 5000, held: 0, available: 5000 });
    expect((await agree()).gift_cards).toEqual([{ currency: 'USD', balances: 5000, ledger: 5000, difference: 0 }]);

    // Redeem 30.00 at B: reserve (twice: a lost reply), then the sale settles it.
    const saleId = newId();
    const req = { sale_id: saleId, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: id }, amount: 3000 };
    const held = await b.request(MSG.tenderReserve, req);
    expect(held).toMatchObject({ ok: true, status: 'held', amount: 3000, balance: 5000, available: 2000 });
    expect(await b.request(MSG.tenderReserve, req)).toMatchObject({ ok: true, status: 'held', amount: 3000, balance: 5000, available: 2000 });
    expect(await card(b, id)).toMatchObject({ balance: 5000, held: 3000, available: 2000 });
    // The same key for another amount is refused; more than is available is refused.
    expect(await b.request(MSG.tenderReserve, { ...req, amount: 10 })).toMatchObject({ status: 'refused', reason: 'KEY_REUSED' });
    expect(await a.request(MSG.tenderReserve, { ...req, sale_id: newId(), amount: 2001 })).toMatchObject({ status: 'refused', reason: 'INSUFFICIENT', available: 2000 });
    await sell(b, goodsSale('B', 'B-1', 4200, { sale_id: saleId, gift: [{ id, amount: 3000 }] }));
    expect(await card(a, id)).toEqual({ gift_card_id: id, currency: 'USD', balance: 2000, held: 0, available: 2000 });
    expect(await b.request(MSG.tenderReserve, req)).toMatchObject({ status: 'refused', reason: 'CLOSED' });
    await agree();

    // Reload 25.00 at B, redeem all 45.00 at A.
    await sell(b, giftCardSale('B', 'B-1', id, 2500));
    expect(await card(a, id)).toMatchObject({ balance: 4500, held: 0 });
    const s2 = newId();
    expect(await a.request(MSG.tenderReserve, { sale_id: s2, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: id }, amount: 4500 })).toMatchObject({ status: 'held', available: 0 });
    await sell(a, goodsSale('A', 'A-1', 4500, { sale_id: s2, gift: [{ id, amount: 4500 }] }));
    expect(await card(b, id)).toMatchObject({ balance: 0, held: 0, available: 0 });
    const r = await agree();
    expect(r.gift_cards[0]).toMatchObject({ balances: 0, ledger: 0 });
    const { rows } = await t.db.query<{ kind: string; amount: string }>(`SELECT kind, amount::text FROM value_movements WHERE account_id = $1 ORDER BY movement_id`, [`gift:${id}`]);
    expect(rows.map((m) => [m.kind, Number(m.amount)])).toEqual([['load', 5000], ['redeem', -3000], ['load', 2500], ['redeem', -4500]]);
  });

  it('points earned at A are redeemable at B as soon as A’s sale is applied; the points ledger equals the liability', async () => {
    const a = regs['A-1']!;
    const b = regs['B-1']!;
    const customerId = newId();
    const created = await a.request(MSG.customerCreate, { customer_id: customerId, name: 'Ada Lovelace', phone: '15550001234', loyalty_id: 'LOY-0001', consent: { marketing: false } });
    expect(created).toMatchObject({ ok: true, merged: false, customer: { customer_id: customerId, name: 'Ada Lovelace', phone_last4: '1234', points: 0 } });
    const t0 = performance.now();
    await sell(a, goodsSale('A', 'A-1', 12_345, { loyalty: { customer_id: customerId, points_earned: 123 } }));
    const found = await b.request(MSG.customerLookup, { by: 'loyalty_id', q: 'LOY-0001' });
    const ms = performance.now() - t0;
    expect(found.customers).toEqual([expect.objectContaining({ customer_id: customerId, points: 123, points_available: 123 })]);
    console.log(`points earned at A visible at B ${ms.toFixed(1)} ms after A's push (commit + ack + lookup)`);
    expect((await b.request(MSG.customerLookup, { by: 'phone', q: '15550001234' })).customers).toHaveLength(1);
    expect((await b.request(MSG.customerLookup, { by: 'name', q: 'ada' })).customers.map((c: { customer_id: string }) => c.customer_id)).toContain(customerId);

    const s = newId();
    expect(await b.request(MSG.tenderReserve, { sale_id: s, tender_id: 'P1', account: { kind: 'points', customer_id: customerId }, amount: 100 })).toMatchObject({ status: 'held', available: 23 });
    await sell(b, goodsSale('B', 'B-1', 500, { sale_id: s, points: { customer_id: customerId, points: 100 }, loyalty: { customer_id: customerId, points_earned: 4 } }));
    const after = (await a.request(MSG.customerLookup, { by: 'customer_id', q: customerId })).customers[0];
    expect(after).toMatchObject({ points: 27, points_available: 27 });
    const r = await agree();
    expect(r.points).toMatchObject({ ledger: r.points!.value });
  });

  it('offline redemptions at two registers beyond the balance: both sales stand, the card ends negative by the excess, one alert', async () => {
    const id = 'GC-200002';
    await sell(regs['A-1']!, giftCardSale('A', 'A-1', id, 1000));
    const before = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'card_negative'`);
    await sell(regs['A-1']!, goodsSale('A', 'A-1', 800, { gift: [{ id, amount: 800, offline: true }] }));
    await sell(regs['A-2']!, goodsSale('A', 'A-2', 700, { gift: [{ id, amount: 700, offline: true }] }));
    expect(await card(regs['A-1']!, id)).toMatchObject({ balance: -500 });
    const { rows } = await t.db.query<{ n: number; folded: number }>(`SELECT count(*)::int AS n, max(folded)::int AS folded FROM alerts WHERE kind = 'card_negative' AND cause = $1`, [`card_negative:gift:${id}`]);
    expect(rows[0]!.n).toBe(1);
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM alerts WHERE kind = 'card_negative'`)).rows[0]!.n).toBe(before.rows[0]!.n + 1);
    const off = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM value_movements WHERE account_id = $1 AND offline`, [`gift:${id}`]);
    expect(off.rows[0]!.n).toBe(2);
    await agree();
  });

  it('a reservation whose sale never comes expires with an alert; a voided sale and a tender taken off release theirs', async () => {
    const id = 'GC-300003';
    const a = regs['A-1']!;
    await sell(a, giftCardSale('A', 'A-1', id, 2000));
    const gone = newId();
    await a.request(MSG.tenderReserve, { sale_id: gone, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: id }, amount: 500 });
    await t.db.query(`UPDATE value_reservations SET expires_at = now() - interval '1 second' WHERE sale_id = $1`, [gone]);
    const alerts = await expireReservations(t.db);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'reservation_expired', terminal_id: 'A-1' })]);
    expect(await card(a, id)).toMatchObject({ balance: 2000, held: 0 });

    const voided = newId();
    await a.request(MSG.tenderReserve, { sale_id: voided, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: id }, amount: 700 });
    expect(await card(a, id)).toMatchObject({ held: 700 });
    const v = a.append('sale.voided', { sale_id: voided, store_id: 'A', terminal_id: 'A-1', shift_id: '6f1c8b3e-2d7a-4e5f-8a9b-0c1d2e3f4a5b', cashier_id: 'emp-1', currency: 'USD', lines: [], total: 0, voided_at: new Date().toISOString() });
    expect(await a.push([v])).toMatchObject({ ok: true, rejected: [] });
    expect(await card(a, id)).toMatchObject({ balance: 2000, held: 0 });

    const s = newId();
    await a.request(MSG.tenderReserve, { sale_id: s, tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: id }, amount: 300 });
    await a.request(MSG.tenderReserve, { sale_id: s, tender_id: 'G2', account: { kind: 'gift_card', gift_card_id: id }, amount: 400 });
    expect(await a.request(MSG.tenderRelease, { sale_id: s, tender_id: 'G2' })).toEqual({ ok: true, released: 1 });
    expect(await regs['B-1']!.request(MSG.tenderRelease, { sale_id: s })).toEqual({ ok: true, released: 0 }); // another store's
    await sell(a, goodsSale('A', 'A-1', 1000, { sale_id: s, gift: [{ id, amount: 300 }] }));
    expect(await card(a, id)).toMatchObject({ balance: 1700, held: 0 });
    const held = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM value_reservations WHERE status = 'held'`);
    expect(held.rows[0]!.n).toBe(0);
    await agree();
  });

  it('a customer created offline under the register’s id is merged into the one with the same phone, points and all', async () => {
    const a = regs['A-2']!;
    const existing = newId();
    await a.request(MSG.customerCreate, { customer_id: existing, name: 'Grace Hopper', phone: '15550009999', consent: { marketing: true } });
    const provisional = newId();
    // The offline sale reaches the hub before the customer does.
    await sell(a, goodsSale('A', 'A-2', 5000, { loyalty: { customer_id: provisional, points_earned: 50 } }));
    const merged = await a.request(MSG.customerCreate, { customer_id: provisional, name: 'G. Hopper', phone: '15550009999', consent: { marketing: false } });
    expect(merged).toMatchObject({ ok: true, merged: true, customer: { customer_id: existing, points: 50 } });
    // Idempotent, and later sales under the provisional id land on the customer.
    expect(await a.request(MSG.customerCreate, { customer_id: provisional, name: 'G. Hopper', phone: '15550009999', consent: { marketing: false } })).toMatchObject({ merged: true, customer: { customer_id: existing, points: 50 } });
    await sell(a, goodsSale('A', 'A-2', 1000, { loyalty: { customer_id: provisional, points_earned: 10 } }));
    expect((await a.request(MSG.customerLookup, { by: 'customer_id', q: provisional })).customers[0]).toMatchObject({ customer_id: existing, points: 60 });
    await agree();
  });

  it('HQ reads customers, cards, movements and the reconciliation over HTTP, and sets the loyalty settings', async () => {
    const card = await api(hub, 'GET', '/api/gift-cards/GC-100001');
    expect(card.status).toBe(200);
    expect(card.body.card).toMatchObject({ gift_card_id: 'GC-100001', balance: 0 });
    expect(card.body.movements.map((m: { kind: string; amount: number }) => [m.kind, m.amount])).toEqual([['redeem', -4500], ['load', 2500], ['redeem', -3000], ['load', 5000]]);
    expect((await api(hub, 'GET', '/api/gift-cards/NOSUCHCARD-123')).status).toBe(404);
    const negative = await api(hub, 'GET', '/api/gift-cards?negative=true');
    expect(negative.body.cards.map((c: { gift_card_id: string; balance: number }) => [c.gift_card_id, c.balance])).toEqual([['GC-200002', -500]]);
    const first = await api(hub, 'GET', '/api/customers?limit=1');
    expect(first.body.customers).toHaveLength(1);
    const second = await api(hub, 'GET', `/api/customers?limit=1&cursor=${first.body.next_cursor}`);
    expect(second.body.customers[0].customer_id).not.toBe(first.body.customers[0].customer_id);
    const ada = await api(hub, 'GET', '/api/customers?q=ada');
    expect(ada.body.customers).toEqual([expect.objectContaining({ name: 'Ada Lovelace', phone: '15550001234', points: 27 })]);
    const detail = await api(hub, 'GET', `/api/customers/${ada.body.customers[0].customer_id}`);
    expect(detail.body.movements.map((m: { kind: string }) => m.kind)).toEqual(['earn', 'redeem_points', 'earn']);
    const rec = await api(hub, 'GET', '/api/loyalty/reconciliation');
    expect(rec.status).toBe(200);
    expect(rec.body.drift).toEqual([]);
    expect(rec.body.gift_cards.every((g: { difference: number }) => g.difference === 0)).toBe(true);
    expect(rec.body.points.difference).toBe(0);
    const settings = { points_per_unit: 2, point_value: 1, category_multipliers: { produce: 200 }, promotion_multipliers: {}, offline: { mode: 'refuse' }, reservation_ttl_seconds: 120 };
    expect((await api(hub, 'PUT', '/api/loyalty/settings', { ...settings, offline: { mode: 'sometimes' } })).status).toBe(400);
    expect((await api(hub, 'PUT', '/api/loyalty/settings', settings)).status).toBe(200);
    // Settings saved before tiers existed read back with none.
    expect((await api(hub, 'GET', '/api/loyalty/settings')).body).toEqual({ ...settings, tiers: [] });
    const snap = await regs['B-1']!.request(MSG.snapshot, {});
    expect(snap.config.loyalty).toEqual({ ...settings, tiers: [] });
  });

  it('refuses malformed requests at the boundary, changing nothing', async () => {
    const a = regs['A-1']!;
    expect(await a.request(MSG.tenderReserve, { sale_id: 'x', tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: 'GC-1' }, amount: 1 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await a.request(MSG.tenderReserve, { sale_id: newId(), tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: 'GC-100001' }, amount: 0 })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await a.request(MSG.tenderReserve, { sale_id: newId(), tender_id: 'G1', account: { kind: 'gift_card', gift_card_id: 'NOSUCHCARD-123' }, amount: 1 })).toMatchObject({ ok: true, status: 'refused', reason: 'NOT_FOUND' });
    expect(await a.request(MSG.customerCreate, { customer_id: newId(), name: 'x\u0000', consent: { marketing: false } })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await a.request(MSG.customerLookup, { by: 'name', q: 'a'.repeat(81) })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await a.request(MSG.customerLookup, { by: 'name', q: '%' })).toEqual({ ok: true, customers: [] });
  });

  it('tiers count lifetime points less what post-voids took back of earns (not of redemptions), and earns under merged ids', async () => {
    const b = regs['B-1']!;
    const settings = { points_per_unit: 1, point_value: 1, category_multipliers: {}, promotion_multipliers: {}, offline: { mode: 'refuse' }, reservation_ttl_seconds: 120, tiers: [{ name: 'Silver', min_lifetime_points: 100, multiplier_pct: 150 }] };
    expect((await api(hub, 'PUT', '/api/loyalty/settings', settings)).status).toBe(200);
    const id = newId();
    await b.request(MSG.customerCreate, { customer_id: id, name: 'Tier Tester', phone: '15550007777', consent: { marketing: false } });
    const tierOf = async () => (await b.request(MSG.customerLookup, { by: 'customer_id', q: id })).customers[0] as { tier: { name: string } | null; points: number };
    const postVoid = async (sale: ReturnType<typeof goodsSale>) =>
      expect(
        await b.push([b.append('sale.post_voided', { post_void_id: newId(), sale_id: sale.sale_id, store_id: 'B', terminal_id: 'B-1', shift_id: sale.shift_id, cashier_id: 'emp-1', approved_by: 'mgr-1', reason: 'Rang up twice', original: sale, voided_at: new Date().toISOString() })]),
      ).toMatchObject({ ok: true, rejected: [] });

    // A sale that earned 150 and was post-voided leaves nothing toward a tier.
    const big = goodsSale('B', 'B-1', 15_000, { loyalty: { customer_id: id, points_earned: 150 } });
    await sell(b, big);
    expect(await tierOf()).toMatchObject({ points: 150, tier: { name: 'Silver' } });
    await postVoid(big);
    expect(await tierOf()).toMatchObject({ points: 0, tier: null });

    // 80 earned; a sale paid with 50 of them, post-voided, gives the 50 back: still 80 lifetime.
    await sell(b, goodsSale('B', 'B-1', 8_000, { loyalty: { customer_id: id, points_earned: 80 } }));
    const paid = newId();
    expect(await b.request(MSG.tenderReserve, { sale_id: paid, tender_id: 'P1', account: { kind: 'points', customer_id: id }, amount: 50 })).toMatchObject({ status: 'held' });
    const spend = goodsSale('B', 'B-1', 500, { sale_id: paid, points: { customer_id: id, points: 50 } });
    await sell(b, spend);
    await postVoid(spend);
    expect(await tierOf()).toMatchObject({ points: 80, tier: null });

    // 30 earned offline under a provisional id that is then merged into this customer: 110.
    const provisional = newId();
    await sell(b, goodsSale('B', 'B-1', 3_000, { loyalty: { customer_id: provisional, points_earned: 30 } }));
    expect(await b.request(MSG.customerCreate, { customer_id: provisional, name: 'T. Tester', phone: '15550007777', consent: { marketing: false } })).toMatchObject({ merged: true });
    expect(await tierOf()).toMatchObject({ points: 110, tier: { name: 'Silver' } });
    await agree();
  });
});
