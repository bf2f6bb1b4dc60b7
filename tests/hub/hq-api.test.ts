import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from '../sync/helpers';
import { parseRegisterConfig } from '../../src/main/register/config';
import { hashPin } from '../../src/main/register/pins';
import { NoDevices } from '../../src/main/register/null-devices';
import { RegisterService } from '../../src/main/register/service';

const product = (sku: string, gtin: string, tax_category = 'general') => ({ sku, gtins: [gtin], name: `Product ${sku}`, category: 'grocery', tax_category, unit: 'each', price: 100, currency: 'USD', active: true });
const TAX_8 = { rates: [{ code: 'ST', jurisdiction: 'US-XX', label: 'State', rate_ppm: 80_000, inclusive: false, categories: ['*'] }] };
const TAX_10 = { rates: [{ code: 'ST', jurisdiction: 'US-XX', label: 'State', rate_ppm: 100_000, inclusive: false, categories: ['*'] }] };

// The HQ console's API against a real hub with real registers (src/sync's client and SQLite
// journal): two stores, three registers. A price change is published to one store and the
// propagation view shows both of its registers applying it (they report with
// 'changes.applied'); the other store's register is not involved.

interface Reg {
  id: string;
  store: string;
  journal: Journal;
  client: SyncClient;
}

describe.each(testBackends())('HQ API with real registers on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let tmp: ReturnType<typeof tempDir>;
  let hq: Socket;
  const regs: Reg[] = [];
  const hqEvents: Array<{ name: string; body: Record<string, unknown> }> = [];

  const startRegister = async (store: string, id: string): Promise<Reg> => {
    const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: store, terminal_id: id });
    const cred = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    expect(cred.status, JSON.stringify(cred.body)).toBe(201);
    const journal = openJournal(path.join(tmp.dir, `${id}.db`), { terminalId: id, storeId: store });
    const client = new SyncClient({ journal, url: hub.url, token: cred.body.token, appVersion: '9.9.9-test', monitorIntervalMs: 100, backoff: { baseMs: 20, maxMs: 300 } });
    client.start();
    const r = { id, store, journal, client };
    regs.push(r);
    return r;
  };

  beforeAll(async () => {
    tmp = tempDir('tillstream-hqapi-');
    t = await openTestDb(backend);
    await seedStore(t.db, 'N1', { MILK: 10 });
    await seedStore(t.db, 'N2', { MILK: 10 });
    hub = await startTestHub(t.db);
    expect((await api(hub, 'POST', '/api/catalog', { products: [product('MILK', '4006381333931'), product('BREAD', '4012345678901'), product('EGGS', '5901234123457')] })).status).toBe(201);
    expect((await api(hub, 'PUT', '/api/stores/N1/tax', { tax: TAX_8 })).status).toBe(201);
    hq = ioClient(hub.url, { transports: ['websocket'], auth: { token: ADMIN_TOKEN }, reconnection: false, forceNew: true });
    hq.onAny((name: string, body: Record<string, unknown>) => hqEvents.push({ name, body }));
    await new Promise<void>((resolve, reject) => {
      hq.once('connect', () => resolve());
      hq.once('connect_error', reject);
    });
    await startRegister('N1', 'N1-T1');
    await startRegister('N1', 'N1-T2');
    await startRegister('N2', 'N2-T1');
    await waitFor('registers online', () => regs.every((r) => r.client.status.connected === true), 30_000);
  }, 120_000);
  afterAll(async () => {
    hq?.close();
    for (const r of regs) {
      r.client.stop();
      r.journal.close();
    }
    await hub?.close();
    await t?.dispose();
    tmp?.cleanup();
  });

  it('a price change published to one store: the propagation view shows both of its registers applying it', { timeout: 60_000 }, async () => {
    const n2Before = (await api(hub, 'GET', '/api/stores')).body.stores.find((x: { store_id: string }) => x.store_id === 'N2').change_cursor;
    const pub = await api(hub, 'POST', '/api/prices', { target: { store_ids: ['N1'] }, prices: [{ sku: 'MILK', amount: 199 }] });
    expect(pub.status).toBe(201);
    expect(pub.body.changes).toEqual([expect.objectContaining({ store_id: 'N1', kind: 'price' })]);
    const ref = `N1:${pub.body.changes[0].cursor}`;
    await expect
      .poll(async () => (await api(hub, 'GET', `/api/propagation?changes=${ref}`)).body.changes[0].applied_count, { timeout: 30_000, interval: 100 })
      .toBe(2);
    const view = (await api(hub, 'GET', `/api/propagation?changes=${ref}`)).body.changes[0];
    expect(view).toMatchObject({ store_id: 'N1', kind: 'price', terminal_count: 2 });
    expect(view.terminals.map((x: { terminal_id: string; applied: boolean; online: boolean }) => [x.terminal_id, x.applied, x.online])).toEqual([
      ['N1-T1', true, true],
      ['N1-T2', true, true],
    ]);
    // The registers really have the price; the other store's register does not.
    for (const r of regs.filter((x) => x.store === 'N1')) expect(r.journal.syncState().changeCursor).toBeGreaterThanOrEqual(pub.body.changes[0].cursor);
    expect(hqEvents.some((e) => e.name === 'terminal.applied' && e.body.terminal_id === 'N1-T2')).toBe(true);
    expect((await api(hub, 'GET', '/api/stores')).body.stores.find((x: { store_id: string }) => x.store_id === 'N2').change_cursor).toBe(n2Before);
    expect(hqEvents.filter((e) => e.name === 'terminal.applied' && e.body.store_id === 'N2').every((e) => Number(e.body.change_cursor) <= n2Before)).toBe(true);
    const terms = (await api(hub, 'GET', '/api/terminals?store_id=N1')).body.terminals;
    expect(terms.every((x: { app_version: string; changes_behind: number }) => x.app_version === '9.9.9-test' && x.changes_behind === 0)).toBe(true);
    // Bad references are refused and change nothing.
    for (const q of ['N1', 'N1:0', 'N1:x', '', `${'N1:1,'.repeat(201)}N1:1`]) {
      const r = await api(hub, 'GET', `/api/propagation?changes=${q}`);
      expect(r.status, q).toBe(400);
    }
  });

  it('imports a price book CSV: two bad rows shown and skipped, a preview changes nothing, the good rows reach both registers of the store', { timeout: 60_000 }, async () => {
    const csv = 'sku,price\nMILK,1.49\nBREAD,abc\nEGGS,2.5\nNOPE,1.00\n';
    const before = await t.db.query(`SELECT sku, amount FROM prices ORDER BY store_id, sku`);
    const preview = await api(hub, 'POST', '/api/prices/import', { target: { store_ids: ['N1'] }, csv });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ dry_run: true, currency: 'USD', stores: ['N1'], rows: 4, result: null });
    expect(preview.body.items.map((i: { sku: string; amount: number }) => [i.sku, i.amount])).toEqual([['MILK', 149], ['EGGS', 250]]);
    expect(preview.body.rejected.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([[3, 'BAD_PRICE'], [5, 'UNKNOWN_SKU']]);
    expect((await t.db.query(`SELECT sku, amount FROM prices ORDER BY store_id, sku`)).rows).toEqual(before.rows);

    const applied = await api(hub, 'POST', '/api/prices/import', { target: { store_ids: ['N1'] }, csv, dry_run: false });
    expect(applied.status).toBe(201);
    expect(applied.body.rejected).toHaveLength(2);
    const ref = applied.body.result.changes.map((c: { store_id: string; cursor: number }) => `${c.store_id}:${c.cursor}`).join(',');
    await expect.poll(async () => (await api(hub, 'GET', `/api/propagation?changes=${ref}`)).body.changes[0].applied_count, { timeout: 30_000, interval: 100 }).toBe(2);
    const prices = await t.db.query<{ store_id: string; sku: string; amount: string }>(`SELECT store_id, sku, amount::text AS amount FROM prices WHERE sku IN ('MILK','EGGS','BREAD','NOPE') ORDER BY store_id, sku`);
    expect(prices.rows.map((r) => `${r.store_id}/${r.sku}=${r.amount}`)).toEqual(['N1/EGGS=250', 'N1/MILK=149']);

    // A file that cannot be an import is refused whole, with a code, writing nothing.
    for (const [bad, code] of [['price,sku_typo\n1,2', 'BAD_HEADER'], ['sku,price\n"unterminated', 'BAD_CSV']] as const) {
      const r = await api(hub, 'POST', '/api/prices/import', { target: { store_ids: ['N1'] }, csv: bad, dry_run: false });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe(code);
    }
    expect((await api(hub, 'POST', '/api/prices/import', { target: { store_ids: ['NOPE'] }, csv, dry_run: false })).status).toBe(400);
  });

  it('schedules a price change and cancels it: it is never published', { timeout: 60_000 }, async () => {
    const at = new Date(Date.now() + 1500).toISOString();
    const r = await api(hub, 'POST', '/api/prices/import', { target: { all: true }, csv: 'sku,amount\nBREAD,999\n', dry_run: false, effective_at: at });
    expect(r.status).toBe(201);
    const id = r.body.result.scheduled.change_id;
    expect((await api(hub, 'GET', '/api/scheduled-changes?state=pending')).body.scheduled.map((x: { change_id: number }) => x.change_id)).toContain(id);
    const c = await api(hub, 'POST', `/api/scheduled-changes/${id}/cancel`, {});
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ change_id: id, state: 'canceled', canceled_by: 'admin', items: 1 });
    expect((await api(hub, 'POST', `/api/scheduled-changes/${id}/cancel`, {})).body.error.code).toBe('ALREADY_CANCELED');
    await new Promise((res) => setTimeout(res, 2500));
    expect((await t.db.query(`SELECT 1 FROM prices WHERE sku = 'BREAD' AND amount = 999`)).rows).toEqual([]);
    // One that falls due is published and can no longer be cancelled.
    const due = await api(hub, 'POST', '/api/prices', { target: { store_ids: ['N2'] }, prices: [{ sku: 'BREAD', amount: 333 }], effective_at: new Date(Date.now() + 300).toISOString() });
    const dueId = due.body.scheduled.change_id;
    await expect.poll(async () => (await t.db.query(`SELECT 1 FROM prices WHERE sku = 'BREAD' AND amount = 333`)).rows.length, { timeout: 20_000 }).toBe(1);
    expect((await api(hub, 'POST', `/api/scheduled-changes/${dueId}/cancel`, {})).body.error.code).toBe('ALREADY_PUBLISHED');
    expect((await api(hub, 'POST', '/api/scheduled-changes/999999/cancel', {})).status).toBe(404);
  });

  it('transfers stock between stores in one step (receive: true), refuses more than the source has', async () => {
    const r = await api(hub, 'POST', '/api/stock/transfers', { from_store: 'N1', to_store: 'N2', items: [{ sku: 'MILK', quantity: { units: 3, scale: 0 } }], note: 'rebalance', receive: true });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.changes.map((c: { store_id: string }) => c.store_id)).toEqual(['N1', 'N2']);
    const level = async (s: string) => (await api(hub, 'GET', `/api/stock?store_id=${s}&q=MILK`)).body.stock[0].on_hand_decimal;
    expect(Number(await level('N1'))).toBe(7);
    expect(Number(await level('N2'))).toBe(13);
    const moves = (await api(hub, 'GET', `/api/stock/movements?reason=transfer_out`)).body.movements;
    expect(moves).toEqual([expect.objectContaining({ store_id: 'N1', sku: 'MILK', transfer_id: r.body.transfer_id })]);
    const before = await t.db.query(`SELECT count(*)::int AS n FROM stock_movements`);
    const tooMuch = await api(hub, 'POST', '/api/stock/transfers', { from_store: 'N1', to_store: 'N2', items: [{ sku: 'MILK', quantity: { units: 8, scale: 0 } }] });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.message).toMatch(/MILK has 7/);
    for (const bad of [{ from_store: 'N1', to_store: 'N1', items: [{ sku: 'MILK', quantity: { units: 1, scale: 0 } }] }, { from_store: 'N1', to_store: 'N2', items: [] }, { from_store: 'N1', to_store: 'NOPE', items: [{ sku: 'MILK', quantity: { units: 1, scale: 0 } }] }]) {
      expect((await api(hub, 'POST', '/api/stock/transfers', bad)).status).toBeGreaterThanOrEqual(400);
    }
    expect((await t.db.query(`SELECT count(*)::int AS n FROM stock_movements`)).rows).toEqual(before.rows);
    expect((await api(hub, 'GET', '/api/stock/transfers?store_id=N2')).body.transfers).toHaveLength(1);
  });

  it("a store's tax change reaches its registers and the next sale is charged at the new rate", { timeout: 60_000 }, async () => {
    const reg = regs.find((r) => r.id === 'N1-T1')!;
    const cfg = parseRegisterConfig({
      terminal_id: 'N1-T1', store_id: 'N1', store_name: 'N1', currency: 'USD', journal_path: path.join(tmp.dir, 'N1-T1.db'),
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashPin('1234') }, { cashier_id: '9001', name: 'Manager', role: 'manager', pin_hash: hashPin('9876') }],
    });
    const svc = new RegisterService({ config: cfg, journal: reg.journal, devices: new NoDevices() });
    try {
      await svc.handle('session.signIn', { cashier_id: '1001', pin: '1234' });
      await svc.handle('shift.open', { opening_float: { amount: 0, currency: 'USD' } });
      const s1 = (await svc.handle('sale.addSku', { sku: 'MILK' })) as { tax_total: { amount: number }; total: { amount: number } };
      const net = s1.total.amount - s1.tax_total.amount;
      expect(s1.tax_total.amount).toBe(Math.round(net * 0.08)); // 8 % exclusive
      await svc.handle('sale.void', { approval: { manager_pin: '9876' } });
      const put = await api(hub, 'PUT', '/api/stores/N1/tax', { tax: TAX_10, reason: 'rate change' });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      const ref = `N1:${put.body.changes[0].cursor}`;
      await expect.poll(async () => (await api(hub, 'GET', `/api/propagation?changes=${ref}`)).body.changes[0].applied_count, { timeout: 30_000, interval: 100 }).toBe(2);
      await svc.handle('sale.new', {});
      const s2 = (await svc.handle('sale.addSku', { sku: 'MILK' })) as { tax_total: { amount: number }; total: { amount: number } };
      expect(s2.total.amount - s2.tax_total.amount).toBe(net);
      expect(s2.tax_total.amount).toBe(Math.round(net * 0.1));
      expect(s2.tax_total.amount).toBeGreaterThan(s1.tax_total.amount);
      // The register's events (the shift opened, the void) reach the HQ console's live feed.
      await expect.poll(() => hqEvents.some((e) => e.name === 'journal' && e.body.terminal_id === 'N1-T1' && e.body.store_id === 'N1'), { timeout: 30_000, interval: 100 }).toBe(true);
    } finally {
      svc.close();
    }
    const versions = (await api(hub, 'GET', '/api/stores/N1/tax/versions')).body.versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    // A malformed table is refused and changes nothing.
    const bad = await api(hub, 'PUT', '/api/stores/N1/tax', { tax: { rates: [{ code: 'X', rate_ppm: 2_000_000 }] } });
    expect(bad.status).toBe(400);
    expect((await api(hub, 'GET', '/api/stores/N1/tax/versions')).body.versions).toHaveLength(2);
  });

  it('an enrollment code enrolls a register; revoking the code takes the register offline', { timeout: 60_000 }, async () => {
    const reg = await startRegister('N2', 'N2-T9');
    await waitFor('N2-T9 online', () => reg.client.status.connected === true, 30_000);
    const online = async () => (await api(hub, 'GET', '/api/terminals?store_id=N2')).body.terminals.find((x: { terminal_id: string }) => x.terminal_id === 'N2-T9')?.online;
    await expect.poll(online, { timeout: 10_000 }).toBe(true);
    const code = (await api(hub, 'GET', '/api/enrollment-codes?store_id=N2&state=used')).body.codes.find((c: { terminal_id: string }) => c.terminal_id === 'N2-T9');
    expect(code).toMatchObject({ state: 'used' });
    const rv = await api(hub, 'POST', `/api/enrollment-codes/${code.code_id}/revoke`, {});
    expect(rv.status, JSON.stringify(rv.body)).toBe(200);
    expect(rv.body).toMatchObject({ state: 'revoked', credentials_revoked: 1 });
    await expect.poll(online, { timeout: 10_000 }).toBe(false);
    expect((await api(hub, 'POST', `/api/enrollment-codes/${code.code_id}/revoke`, {})).body.error.code).toBe('ALREADY_REVOKED');
    // An unused code, revoked, cannot be redeemed.
    const fresh = await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'N2', terminal_id: 'N2-T8' });
    expect((await api(hub, 'POST', `/api/enrollment-codes/${fresh.body.code_id}/revoke`, {})).body.credentials_revoked).toBe(0);
    const redeem = await api(hub, 'POST', '/api/enroll', { code: fresh.body.code }, '');
    expect(redeem.status).toBe(401);
    expect(redeem.body.error.message).toMatch(/revoked/);
  });
});
