import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommandName } from '../../src/core/register-api';
import { DEFAULT_LOYALTY_SETTINGS } from '../../src/core/loyalty';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { api, startTestHub } from '../../src/hub/testing/hub-fixture';
import { seedDemoStore } from '../../src/hub/demo/seed';
import { createEnrollmentCode, redeemEnrollmentCode } from '../../src/hub/auth';
import { setLoyaltySettings } from '../../src/hub/value/settings';
import type { HubHandle } from '../../src/hub/server';
import { parseRegisterConfig, type RegisterConfig } from '../../src/main/register/config';
import { hashPinWithCost } from '../../src/main/register/pins';
import { startRegister, type RunningRegister } from '../../src/main/register/start';

// Two real registers of one store (journals on disk, SyncClient over socket.io) with the hub
// stopped: both spend the same gift card offline beyond its balance. The chain's offline limit
// per card and day holds on each register, also after a restart (the count is in the
// register's database); a customer created offline survives a restart and reaches the hub.
// When the hub is back both sales are applied (nothing lost), the card ends negative by the
// excess, and HQ gets one card_negative alert.

const PIN = '1234';
const hash = hashPinWithCost(PIN, 1024);
const USD = (amount: number) => ({ amount, currency: 'USD' });
const LIMIT = 3000;

describe.each(testBackends())('two registers spend one gift card offline on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle | null = null;
  let port = 0;
  const dirs: string[] = [];
  const configs: Record<string, RegisterConfig> = {};
  const regs: Record<string, RunningRegister> = {};
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- results checked field by field
  const call = (r: string, name: CommandName, params: unknown = {}) => regs[r]!.service.handle(name, params) as Promise<any>;

  async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await fn().catch(() => null);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const start = async (r: string) => {
    regs[r] = await startRegister({ config: configs[r]!, browser: false, syncMonitorMs: 200 });
    await call(r, 'session.signIn', { cashier_id: '1001', pin: PIN });
  };
  const restart = async (r: string) => {
    await regs[r]!.close();
    await start(r);
  };
  const synced = (r: string) => until(`${r} synced`, async () => (await call(r, 'sync.status')).unsynced === 0);
  const spend = async (r: string, amount: number) => {
    await call(r, 'sale.addSku', { sku: 'COFFEE-LARGE', quantity: { units: 10, scale: 0 } }); // 34.90
    return call(r, 'sale.tender', { kind: 'gift', amount: USD(amount), gift_code: 'GC-OFF0001' });
  };
  const finish = async (r: string) => {
    const v = await call(r, 'sale.get');
    expect((await call(r, 'sale.tender', { kind: 'cash', amount: v.due })).status).toBe('completed');
    await call(r, 'sale.new');
  };

  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedDemoStore(t.db, { stores: ['S'], products: 10 });
    await t.db.transaction((tx) => setLoyaltySettings(tx, { ...DEFAULT_LOYALTY_SETTINGS, offline: { mode: 'limit', limit_per_card_per_day: LIMIT } }, 'test'));
    hub = await startTestHub(t.db);
    port = Number(new URL(hub.url).port);
    for (const r of ['R1', 'R2']) {
      const { code } = await createEnrollmentCode(t.db, { store_id: 'S', terminal_id: `S-${r}` });
      const { token } = await redeemEnrollmentCode(t.db, code);
      const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-loyalty-offline-'));
      dirs.push(dir);
      configs[r] = parseRegisterConfig({
        terminal_id: `S-${r}`, store_id: 'S', store_name: 'S', currency: 'USD', journal_path: path.join(dir, 'journal.sqlite'),
        hub: { url: hub.url, token }, cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'manager', pin_hash: hash }],
      });
      await start(r);
      await until(`${r} has its catalog and the limit`, async () => (await call(r, 'catalog.search', { query: 'Coffee' })).length > 0 && regs[r]!.journal.getSettings('config').loyalty);
      await call(r, 'shift.open', { opening_float: USD(10_000) });
    }
    await call('R1', 'giftcard.load', { code: 'GC-OFF0001', amount: USD(4000) });
    await finish('R1');
    await synced('R1');
  }, 120_000);
  afterAll(async () => {
    for (const r of Object.values(regs)) await r.close();
    await hub?.close();
    await t?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('both sales stand, the card ends negative by the excess, one alert; the per-card-day limit and offline customers survive a restart', async () => {
    await hub!.close();
    hub = null;
    for (const r of ['R1', 'R2']) await until(`${r} offline`, async () => !(await call(r, 'sync.status')).online);

    // Each register takes 2500 of the card's 4000 offline: 5000 in all.
    expect((await spend('R1', 2500)).tenders).toEqual([expect.objectContaining({ kind: 'gift', amount: USD(2500) })]);
    await finish('R1');
    expect((await spend('R2', 2500)).tenders).toEqual([expect.objectContaining({ kind: 'gift', amount: USD(2500) })]);
    await finish('R2');
    const olga = await call('R1', 'customer.create', { name: 'Offline Olga', phone: '15550007777', marketing: true });
    expect(olga.provisional).toBe(true);

    // The limit (3000 a card a day per register) holds, and still holds after a restart.
    await expect(spend('R1', 600)).rejects.toMatchObject({ code: 'DECLINED', message: expect.stringContaining('2500 taken already') });
    await restart('R1');
    await expect(call('R1', 'sale.tender', { kind: 'gift', amount: USD(600), gift_code: 'GC-OFF0001' })).rejects.toMatchObject({ code: 'DECLINED', message: expect.stringContaining('2500 taken already') });
    expect((await call('R1', 'sale.tender', { kind: 'gift', amount: USD(500), gift_code: 'GC-OFF0001' })).tenders).toHaveLength(1);
    await finish('R1');
    await expect(spend('R1', 1)).rejects.toMatchObject({ code: 'DECLINED' });
    await finish('R1');
    // The offline customer is still here after the restart (found offline by name).
    expect(await call('R1', 'customer.find', { by: 'name', q: 'Offline' })).toEqual([expect.objectContaining({ customer_id: olga.customer_id, provisional: true })]);

    hub = await startTestHub(t.db, { port });
    await synced('R1');
    await synced('R2');
    const { body } = await api(hub, 'GET', '/api/gift-cards/GC-OFF0001');
    expect(body.card.balance).toBe(4000 - 2500 - 2500 - 500);
    expect(body.movements.filter((m: { kind: string; offline: boolean }) => m.kind === 'redeem' && m.offline)).toHaveLength(3);
    const alerts = await api(hub, 'GET', '/api/alerts?kind=card_negative');
    expect(alerts.body.alerts).toHaveLength(1);
    const rec = await api(hub, 'GET', '/api/loyalty/reconciliation');
    expect(rec.body.gift_cards).toEqual([{ currency: 'USD', balances: -1500, ledger: -1500, difference: 0 }]);
    // The next search sends the offline customer; the hub has them once, with their id.
    const found = await call('R2', 'customer.find', { by: 'phone', q: '15550007777' });
    expect(found).toHaveLength(0); // R2 never heard of Olga, and the hub does not either until R1 sends her
    const atHub = await until('Olga at the hub', async () => {
      const f = await call('R1', 'customer.find', { by: 'phone', q: '15550007777' });
      return f.length === 1 && !f[0].provisional ? f : null;
    });
    expect(atHub[0].customer_id).toBe(olga.customer_id);
    expect(regs.R1!.journal.pendingCustomers()).toEqual([]);
  });
});
