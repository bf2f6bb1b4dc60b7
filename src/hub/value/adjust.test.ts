import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';
import { api, enrollRegister, seedStore, startTestHub } from '../testing/hub-fixture';
import type { HubHandle } from '../server';
import type { RegisterSim } from '../testing/register-sim';
import { trialBalance } from '../ledger-queries';
import { reconcileValue } from './reconcile';
import { giftCardSale, goodsSale } from './testing';

// HQ's manual adjustments over the HTTP API: points and gift card / store credit balances
// moved by a person with a reason, applied once per key, each with its ledger entry against
// the adjustments account, so the trial balance stays zero and the liabilities still equal the
// balances; the paged movement lists and the customer search the console uses.
describe.each(testBackends())('manual adjustments and the console lists on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let reg: RegisterSim;
  let manager: string;
  const customer = randomUUID();
  const agree = async () => {
    const r = await reconcileValue(t.db, { gift_card: '2100', points: '2110' });
    expect(r.drift).toEqual([]);
    for (const g of r.gift_cards) expect(g.difference, `gift cards ${g.currency}`).toBe(0);
    expect(r.points?.difference ?? 0).toBe(0);
    expect((await trialBalance(t.db)).balanced).toBe(true);
    return r;
  };
  const lines = async (entry: string) =>
    (await t.db.query<{ account: string; debit: string; credit: string }>(`SELECT account, debit::text, credit::text FROM ledger_lines WHERE entry_id = $1 ORDER BY line_no`, [entry])).rows.map((l) => ({
      account: l.account,
      debit: Number(l.debit),
      credit: Number(l.credit),
    }));

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'A', {});
    hub = await startTestHub(t.db, { schedulerIntervalMs: 60_000 });
    reg = await enrollRegister(t.db, 'A', 'A-1');
    await reg.connect(hub.url);
    manager = (await api(hub, 'POST', '/api/users', { user_id: 'mgr-adj', name: 'M', role: 'store_manager', store_ids: ['A'] })).body.token;
    expect((await api(hub, 'POST', '/api/customers', { customer_id: customer, name: 'Ada Lovelace', phone: '5550001234', loyalty_id: 'LOY-000777', consent: { marketing: false } })).status).toBe(201);
    for (let i = 0; i < 3; i += 1) await api(hub, 'POST', '/api/customers', { name: `Adam ${i}`, consent: { marketing: false } });
    const ack = await reg.push([
      reg.append('sale.completed', goodsSale('A', 'A-1', 2000, { loyalty: { customer_id: customer, points_earned: 40 } }) as never),
      reg.append('sale.completed', giftCardSale('A', 'A-1', 'GC-ADJ-001', 5000) as never),
    ]);
    expect(ack).toMatchObject({ ok: true, rejected: [] });
  });
  afterAll(async () => {
    reg?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('adds points once per key with who and why, posts Dr adjustments / Cr liability, refuses what it must', async () => {
    const key = `adj-${randomUUID()}`;
    const body = { key, points: 25, reason: 'goodwill: delayed order' };
    const first = await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ account_id: `points:${customer}`, amount: 25, value: 25, currency: 'USD', balance: 65, entry_id: `adjust:${key}`, reason: body.reason, applied: true });
    // A retry (a lost reply): nothing more, the first result.
    const again = await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, balance: 65, applied: false });
    expect(await lines(`adjust:${key}`)).toEqual([
      { account: '6300', debit: 25, credit: 0 },
      { account: '2110', debit: 0, credit: 25 },
    ]);
    // The same key for something else, more than there is, a store manager, bad input.
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { ...body, points: 26 })).body.error.code).toBe('KEY_REUSED');
    const over = await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: -66, reason: 'too much' });
    expect([over.status, over.body.error.code]).toEqual([409, 'INSUFFICIENT_BALANCE']);
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: 5, reason: 'x' }, manager)).status).toBe(403);
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: 'short', points: 5, reason: 'x' })).body.error.field).toBe('key');
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: 0, reason: 'x' })).status).toBe(400);
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: 5, reason: '' })).status).toBe(400);
    expect((await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: 5, reason: 'r'.repeat(201) })).status).toBe(400);
    expect((await api(hub, 'POST', `/api/customers/nobody-here/points/adjustments`, { key: `adj-${randomUUID()}`, points: 5, reason: 'x' })).status).toBe(404);
    const take = await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `adj-${randomUUID()}`, points: -15, reason: 'earned on a cancelled order' });
    expect(take.body).toMatchObject({ balance: 50, applied: true });
    expect(await lines(take.body.entry_id)).toEqual([
      { account: '6300', debit: 0, credit: 15 },
      { account: '2110', debit: 15, credit: 0 },
    ]);
    const r = await agree();
    expect(r.points).toMatchObject({ points: 50, value: 50, ledger: 50 });
  });

  it('adjusts a gift card, issues store credit on a new card, keeps the liability equal to the balances', async () => {
    const down = await api(hub, 'POST', '/api/gift-cards/GC-ADJ-001/adjustments', { key: `adj-${randomUUID()}`, amount: -1200, reason: 'card reported partly used at the old system' });
    expect(down.body).toMatchObject({ balance: 3800, currency: 'USD', applied: true });
    expect((await api(hub, 'POST', '/api/gift-cards/GC-ADJ-001/adjustments', { key: `adj-${randomUUID()}`, amount: -3801, reason: 'x' })).body.error.code).toBe('INSUFFICIENT_BALANCE');
    expect((await api(hub, 'POST', '/api/gift-cards/GC-ADJ-001/adjustments', { key: `adj-${randomUUID()}`, amount: 100, reason: 'x', currency: 'EUR' })).body.error.code).toBe('CURRENCY_MISMATCH');
    expect((await api(hub, 'POST', '/api/gift-cards/GC-NEW-0002/adjustments', { key: `adj-${randomUUID()}`, amount: 100, reason: 'x' })).body.error.code).toBe('CURRENCY_REQUIRED');
    expect((await api(hub, 'POST', '/api/gift-cards/GC-NEW-0002/adjustments', { key: `adj-${randomUUID()}`, amount: 100, reason: 'x', currency: 'XYZ' })).status).toBe(400);
    const credit = await api(hub, 'POST', '/api/gift-cards/GC-NEW-0002/adjustments', { key: `adj-${randomUUID()}`, amount: 2500, reason: 'store credit for a complaint', currency: 'USD' });
    expect([credit.status, credit.body.balance]).toEqual([201, 2500]);
    expect(await lines(credit.body.entry_id)).toEqual([
      { account: '6300', debit: 2500, credit: 0 },
      { account: '2100', debit: 0, credit: 2500 },
    ]);
    const r = await agree();
    expect(r.gift_cards).toEqual([{ currency: 'USD', balances: 6300, ledger: 6300, difference: 0 }]);
    const card = await api(hub, 'GET', '/api/gift-cards/GC-ADJ-001');
    expect(card.body.movements[0]).toMatchObject({ kind: 'adjust', amount: -1200, reason: 'card reported partly used at the old system', created_by: 'admin' });
  });

  it('pages movements and finds customers by name, loyalty id or phone', async () => {
    for (let i = 0; i < 3; i += 1) await api(hub, 'POST', `/api/customers/${customer}/points/adjustments`, { key: `page-${i}-${randomUUID()}`, points: 1, reason: `page ${i}` });
    const p1 = await api(hub, 'GET', `/api/customers/${customer}/movements?limit=2`);
    expect(p1.body.movements.map((m: { reason: string }) => m.reason)).toEqual(['page 2', 'page 1']);
    const p2 = await api(hub, 'GET', `/api/customers/${customer}/movements?limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.movements.map((m: { reason: string | null }) => m.reason)).toEqual(['page 0', 'earned on a cancelled order']);
    const all = [];
    let cursor: string | null = null;
    do {
      const p = await api(hub, 'GET', `/api/customers/${customer}/movements?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      all.push(...p.body.movements);
      cursor = p.body.next_cursor;
    } while (cursor);
    expect(all.map((m: { kind: string }) => m.kind)).toEqual(['adjust', 'adjust', 'adjust', 'adjust', 'adjust', 'earn']);
    expect(all.reduce((s: number, m: { amount: number }) => s + m.amount, 0)).toBe(53);
    expect((await api(hub, 'GET', `/api/customers/${customer}/movements?limit=2&cursor=${(await api(hub, 'GET', '/api/gift-cards?limit=1')).body.next_cursor}`)).body.error.code).toBe('BAD_CURSOR');
    expect((await api(hub, 'GET', '/api/customers/nobody-here/movements')).status).toBe(404);
    expect((await api(hub, 'GET', '/api/gift-cards/GC-NOPE-01/movements')).status).toBe(404);
    expect((await api(hub, 'GET', '/api/gift-cards/GC-ADJ-001/movements?limit=1')).body).toMatchObject({ movements: [{ kind: 'adjust', amount: -1200 }] });
    expect((await api(hub, 'GET', '/api/gift-cards/GC-ADJ-001/movements?limit=501')).status).toBe(400);

    const names = async (q: string) => (await api(hub, 'GET', `/api/customers?q=${encodeURIComponent(q)}`)).body.customers.map((c: { name: string }) => c.name);
    expect(await names('ada ')).toEqual(['Ada Lovelace', 'Adam 0', 'Adam 1', 'Adam 2']);
    expect(await names('ada l')).toEqual(['Ada Lovelace']);
    expect(await names('Adam')).toEqual(['Adam 0', 'Adam 1', 'Adam 2']);
    expect(await names('LOY-000777')).toEqual(['Ada Lovelace']);
    expect(await names('(555) 000-1234')).toEqual(['Ada Lovelace']);
    expect(await names('1234')).toEqual([]);
    const cards = await api(hub, 'GET', '/api/gift-cards?q=GC-NEW');
    expect(cards.body.cards.map((c: { gift_card_id: string }) => c.gift_card_id)).toEqual(['GC-NEW-0002']);
    expect((await api(hub, 'GET', '/api/gift-cards?q=GC%25')).status).toBe(400);
  });
});
