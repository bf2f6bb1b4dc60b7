import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommandName } from '../../src/core/register-api';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { api, startTestHub } from '../../src/hub/testing/hub-fixture';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../src/hub/auth';
import { reconcileValue } from '../../src/hub/value/reconcile';
import type { HubHandle } from '../../src/hub/server';
import { parseRegisterConfig } from '../../src/main/register/config';
import { hashPinWithCost } from '../../src/main/register/pins';
import { startRegister, type RunningRegister } from '../../src/main/register/start';

// Customers, points and gift cards as the register does them, against a real hub over real
// sockets, two stores: a customer earns at store A and redeems at store B seconds later; a
// gift card sold at A is spent at B; the receipt shows points and balances; the hub's
// balances equal the ledger's liabilities. The old path that took any gift card number is gone.

const PIN = '1234';
const hash = hashPinWithCost(PIN, 1024);
const USD = (amount: number) => ({ amount, currency: 'USD' });

describe.each(testBackends())('register loyalty and gift cards across stores on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  const dirs: string[] = [];
  const regs: Record<string, RunningRegister> = {};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- results checked field by field
  const call = (r: string, name: CommandName, params: unknown = {}) => regs[r]!.service.handle(name, params) as Promise<any>;

  async function register(store: string, terminal: string): Promise<RunningRegister> {
    const { code } = await createEnrollmentCode(t.db, { store_id: store, terminal_id: terminal });
    const { token } = await redeemEnrollmentCode(t.db, code);
    const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-loyalty-'));
    dirs.push(dir);
    const config = parseRegisterConfig({
      terminal_id: terminal, store_id: store, store_name: store, currency: 'USD', journal_path: path.join(dir, 'journal.sqlite'),
      hub: { url: hub.url, token },
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'manager', pin_hash: hash }],
    });
    return startRegister({ config, browser: false, syncMonitorMs: 200 });
  }

  async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn().catch(() => null);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedDemoStore(t.db, { stores: ['A', 'B'], products: 10 });
    hub = await startTestHub(t.db);
    regs.A = await register('A', 'A-01');
    regs.B = await register('B', 'B-01');
    for (const r of ['A', 'B']) {
      await call(r, 'session.signIn', { cashier_id: '1001', pin: PIN });
      await until(`${r} has its catalog`, async () => (await call(r, 'catalog.search', { query: 'Coffee' })).length > 0);
      await call(r, 'shift.open', { opening_float: USD(10_000) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const r of Object.values(regs)) await r.close();
    await hub?.close();
    await t?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('a customer earns at store A and redeems at store B within seconds; the receipt shows the balance; points ledger = GL liability', async () => {
    const created = await call('A', 'customer.create', { name: 'Ada Lovelace', phone: '15550001234', loyalty_id: 'LOY-7001', marketing: false });
    expect(created).toMatchObject({ name: 'Ada Lovelace', points: 0, provisional: false });
    await call('A', 'customer.attach', { customer_id: created.customer_id });
    await call('A', 'sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } }); // 34.90, food: no tax
    const sold = await call('A', 'sale.tender', { kind: 'cash', amount: USD(5000) });
    expect(sold).toMatchObject({ status: 'completed', points_earned: 34, customer: { customer_id: created.customer_id } });
    const committedAt = performance.now();
    // Store B scans the loyalty card: the points arrive as soon as A's sale is applied at the hub.
    const seen = await until('B sees the points', async () => {
      const [c] = await call('B', 'customer.find', { by: 'loyalty_id', q: 'LOY-7001' });
      return c?.points === 34 ? c : null;
    });
    const ms = performance.now() - committedAt;
    console.log(`points earned at A (commit) visible at B after ${ms.toFixed(0)} ms`);
    expect(seen).toMatchObject({ customer_id: created.customer_id, phone_last4: '1234', points: 34 });

    await call('B', 'customer.attach', { customer_id: seen.customer_id });
    await call('B', 'sale.addSku', { sku: 'BAKERY-SOURDOUGH' }); // 5.49
    const half = await call('B', 'sale.tender', { kind: 'points', amount: USD(30), points: 30 });
    expect(half.tenders).toEqual([expect.objectContaining({ kind: 'points', amount: USD(30) })]);
    const done = await call('B', 'sale.tender', { kind: 'cash', amount: USD(519) });
    expect(done.status).toBe('completed');
    const receipt = await call('B', 'receipt.last');
    expect(receipt.text).toContain('Points earned: 5, redeemed: 30');
    expect(receipt.text).toContain('Points balance: 9'); // 34 − 30 + 5
    await until('B synced', async () => (await call('B', 'sync.status')).unsynced === 0 || (await call('B', 'sync.status')).unsyncedCount === 0);
    const after = await until('hub has B’s sale', async () => {
      const [c] = await call('A', 'customer.find', { by: 'phone', q: '15550001234' });
      return c?.points === 9 ? c : null;
    });
    expect(after.points).toBe(9);
    const rec = await reconcileValue(t.db, { gift_card: '2100', points: '2110' });
    expect(rec.points).toMatchObject({ points: 9, value: 9, ledger: 9, difference: 0 });
  });

  it('returns take back the points the sale earned (points_reversed), in parts, exactly once in all', async () => {
    const [ada] = await call('A', 'customer.find', { by: 'loyalty_id', q: 'LOY-7001' });
    const before = ada.points;
    const earnsBefore = (await api(hub, 'GET', `/api/customers/${ada.customer_id}`)).body.movements.filter((m: { kind: string }) => m.kind === 'earn').length;
    await call('A', 'sale.new');
    await call('A', 'customer.attach', { customer_id: ada.customer_id });
    await call('A', 'sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } }); // 34.90: 34 points
    const sold = await call('A', 'sale.tender', { kind: 'cash', amount: USD(3490) });
    expect(sold.points_earned).toBe(34);
    const back = async (units: number) => {
      await call('A', 'sale.new');
      const { original } = await call('A', 'refund.start', { receipt: sold.receipt_no });
      await call('A', 'refund.addLine', { original_line_id: original.lines[0].line_id, quantity: { units, scale: 0 } });
      expect((await call('A', 'refund.pay', {})).status).toBe('completed');
      return (await call('A', 'receipt.last')).text as string;
    };
    // Wait for the returns themselves, not for the balance: until the hub has applied the sale,
    // its balance also equals `before`.
    const moved = async (kind: string) => {
      const { body } = await api(hub, 'GET', `/api/customers/${ada.customer_id}`);
      return body.movements.filter((m: { kind: string }) => m.kind === kind).map((m: { amount: number }) => m.amount) as number[];
    };
    const unearned = () => moved('unearn');
    await until('the hub has the sale', async () => ((await moved('earn')).length > earnsBefore ? true : null));
    // The return receipt shows the points taken back and the balance after the return.
    const first = await back(5);
    expect(first).toContain('Points reversed: 17');
    expect(first).toContain(`Points balance: ${before + 34 - 17}`);
    await until('the hub has the first return', async () => ((await unearned()).length >= 1 ? true : null));
    const second = await back(5);
    expect(second).toContain('Points reversed: 17');
    expect(second).toContain(`Points balance: ${before}`);
    await until('the hub has both returns', async () => ((await unearned()).length >= 2 ? true : null));
    const after = await until('B sees the balance back', async () => {
      const [c] = await call('B', 'customer.find', { by: 'loyalty_id', q: 'LOY-7001' });
      return c?.points === before ? c : null;
    });
    expect(after.points).toBe(before);
    expect((await unearned()).sort()).toEqual([-17, -17]);
    const rec = await reconcileValue(t.db, { gift_card: '2100', points: '2110' });
    expect(rec.points).toMatchObject({ points: before, difference: 0 });
  });

  it('a gift card sold at A is partly spent at B, reloaded, spent again; an unknown card is refused', async () => {
    await call('A', 'sale.new');
    await call('A', 'giftcard.load', { code: 'GC-7000001', amount: USD(5000) });
    expect(await call('A', 'sale.tender', { kind: 'cash', amount: USD(5000) })).toMatchObject({ status: 'completed', tax_total: USD(0) });
    const card = await until('B sees the card', async () => {
      const c = await call('B', 'giftcard.balance', { code: 'GC-7000001' });
      return c?.balance.amount === 5000 ? c : null;
    });
    expect(card).toMatchObject({ gift_card_id: 'GC-7000001', available: USD(5000) });

    await call('B', 'sale.new');
    await call('B', 'sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 9, scale: 0 } }); // 31.41
    await call('B', 'sale.tender', { kind: 'gift', amount: USD(3000), gift_code: 'GC-7000001' });
    expect(await call('B', 'giftcard.balance', { code: 'GC-7000001' })).toMatchObject({ balance: USD(5000), available: USD(2000) });
    expect(await call('B', 'sale.tender', { kind: 'cash', amount: USD(141) })).toMatchObject({ status: 'completed' });
    expect((await call('B', 'receipt.last')).text).toMatch(/Gift card 0001 balance: \$20\.00/);
    await until('card 20.00 at the hub', async () => (await call('A', 'giftcard.balance', { code: 'GC-7000001' }))?.balance.amount === 2000);

    // The gift card path no longer takes any number.
    await call('A', 'sale.new');
    await call('A', 'sale.addSku', { sku: 'COFFEE-SMALL' });
    await expect(call('A', 'sale.tender', { kind: 'gift', amount: USD(249), gift_code: 'NOSUCHCARD-123' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call('A', 'sale.tender', { kind: 'gift', amount: USD(249), gift_code: 'GC-7000001' })).resolves.toMatchObject({ status: 'completed' });
    await call('A', 'sale.new');
    await call('A', 'giftcard.load', { code: 'GC-7000001', amount: USD(1000) });
    await call('A', 'sale.tender', { kind: 'cash', amount: USD(1000) });
    const reloaded = await until('reload applied', async () => {
      const c = await call('B', 'giftcard.balance', { code: 'GC-7000001' });
      return c?.balance.amount === 2000 - 249 + 1000 ? c : null;
    });
    expect(reloaded.balance).toEqual(USD(2751));
    const rec = await api(hub, 'GET', '/api/loyalty/reconciliation');
    expect(rec.body.gift_cards).toEqual([{ currency: 'USD', balances: 2751, ledger: 2751, difference: 0 }]);
  });

  it('tiers: a customer past a tier’s lifetime points earns its multiple at any register', async () => {
    const settings = (await api(hub, 'GET', '/api/loyalty/settings')).body;
    expect(settings.tiers).toEqual([]);
    const [plain] = await call('B', 'customer.find', { by: 'loyalty_id', q: 'LOY-7001' });
    expect(plain.tier).toBeNull();
    const put = await api(hub, 'PUT', '/api/loyalty/settings', { ...settings, tiers: [{ name: 'Silver', min_lifetime_points: 1, multiplier_pct: 150 }, { name: 'Gold', min_lifetime_points: 1_000_000, multiplier_pct: 300 }] });
    expect(put.status).toBe(200);
    try {
      const [ada] = await call('B', 'customer.find', { by: 'loyalty_id', q: 'LOY-7001' });
      expect(ada.tier).toEqual({ name: 'Silver', multiplier_pct: 150 });
      await call('B', 'sale.new');
      await call('B', 'customer.attach', { customer_id: ada.customer_id });
      await call('B', 'sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } }); // 34.90: 34 points, ×1.5 = 52
      const sold = await call('B', 'sale.tender', { kind: 'cash', amount: USD(3490) });
      expect(sold.points_earned).toBe(52);
      expect((await call('B', 'receipt.last')).text).toContain('Points earned: 52');
      // A customer with no lifetime points is in no tier.
      const fresh = await call('A', 'customer.create', { name: 'New Person', loyalty_id: 'LOY-7999', marketing: false });
      const [found] = await call('A', 'customer.find', { by: 'loyalty_id', q: 'LOY-7999' });
      expect([fresh.tier ?? null, found.tier]).toEqual([null, null]);
    } finally {
      expect((await api(hub, 'PUT', '/api/loyalty/settings', settings)).status).toBe(200);
    }
  });
});
