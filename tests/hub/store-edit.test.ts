import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from '../sync/helpers';
import { parseRegisterConfig } from '../../src/main/register/config';
import { hashPin } from '../../src/main/register/pins';
import { NoDevices } from '../../src/main/register/null-devices';
import { RegisterService } from '../../src/main/register/service';
import { formatIssuedAt } from '../../src/core/receipt';

// Editing a store from HQ (issue 12, "Stores and tax") against a real hub and a real register
// (src/sync's client, SQLite journal, the register engine): bad input is refused with a code
// and the field at fault; the name and receipt lines reach the register through the change
// log and are printed on its next receipt; a tax change effective now is charged on the next
// sale, one effective later is not charged until it is due.

const TAX = (ppm: number) => ({ rates: [{ code: 'ST', jurisdiction: 'US-XX', label: 'State', rate_ppm: ppm, inclusive: false, categories: ['*'] }] });
const MILK = { sku: 'MILK', gtins: ['4006381333931'], name: 'Milk', category: 'grocery', tax_category: 'general', unit: 'each', price: 1000, currency: 'USD', active: true };

describe.each(testBackends())('store edit with a real register on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let tmp: ReturnType<typeof tempDir>;
  let journal: Journal;
  let client: SyncClient;
  let svc: RegisterService;

  /** Rings one MILK and returns its tax, voiding the sale (nothing is journalled). */
  const taxOnNextSale = async (): Promise<number> => {
    await svc.handle('sale.new', {});
    const s = (await svc.handle('sale.addSku', { sku: 'MILK' })) as { tax_total: { amount: number } };
    await svc.handle('sale.void', { approval: { manager_pin: '9876' } });
    return s.tax_total.amount;
  };
  const applied = async (cursor: number) => expect.poll(() => journal.syncState().changeCursor, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(cursor);

  beforeAll(async () => {
    tmp = tempDir('tillstream-store-edit-');
    t = await openTestDb(backend);
    await seedStore(t.db, 'E1', { MILK: 50 });
    hub = await startTestHub(t.db);
    expect((await api(hub, 'POST', '/api/catalog', { products: [MILK] })).status).toBe(201);
    expect((await api(hub, 'POST', '/api/prices', { target: { store_ids: ['E1'] }, prices: [{ sku: 'MILK', amount: 1000 }] })).status).toBe(201);
    expect((await api(hub, 'PUT', '/api/stores/E1/tax', { tax: TAX(80_000) })).status).toBe(201);
    const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'E1', terminal_id: 'E1-T1' });
    const cred = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    expect(cred.status, JSON.stringify(cred.body)).toBe(201);
    const jp = path.join(tmp.dir, 'E1-T1.db');
    journal = openJournal(jp, { terminalId: 'E1-T1', storeId: 'E1' });
    const cfg = parseRegisterConfig({
      terminal_id: 'E1-T1', store_id: 'E1', store_name: 'Local name', store_lines: ['local line'], currency: 'USD', journal_path: jp,
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashPin('1234') }, { cashier_id: '9001', name: 'Manager', role: 'manager', pin_hash: hashPin('9876') }],
    });
    // As start.ts does: the hello names the cashiers (docs/sync-protocol.md 4.1), never their PINs.
    const cashiers = cfg.cashiers.map((c) => ({ cashier_id: c.cashier_id, name: c.name }));
    client = new SyncClient({ journal, url: hub.url, token: cred.body.token, appVersion: '9.9.9-test', cashiers, monitorIntervalMs: 100, backoff: { baseMs: 20, maxMs: 300 } });
    client.start();
    await waitFor('register online', () => client.status.connected === true, 30_000);
    svc = new RegisterService({ config: cfg, journal, devices: new NoDevices(), sync: client });
    await svc.handle('session.signIn', { cashier_id: '1001', pin: '1234' });
    await svc.handle('shift.open', { opening_float: { amount: 0, currency: 'USD' } });
    // The catalog, price and tax changes reach the register: 8 % of 10.00.
    const deadline = Date.now() + 30_000;
    let tax: number;
    let lastErr: unknown = null;
    const attempt = () =>
      taxOnNextSale().catch((e: unknown) => {
        lastErr = e;
        return -1;
      });
    while ((tax = await attempt()) !== 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(tax, `${String(lastErr)} ${JSON.stringify(journal.syncState())}`).toBe(80);
  }, 120_000);
  afterAll(async () => {
    svc?.close();
    client?.stop();
    journal?.close();
    await hub?.close();
    await t?.dispose();
    tmp?.cleanup();
  });

  it('creates a store with receipt lines and a time zone; refuses bad input with a code naming the field', async () => {
    const ok = await api(hub, 'POST', '/api/stores', { store_id: 'E2', name: 'Kiosk', currency: 'EUR', receipt_lines: ['Hauptstr. 1', '10115 Berlin'], time_zone: 'Europe/Berlin' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const e2 = (await api(hub, 'GET', '/api/stores')).body.stores.find((s: { store_id: string }) => s.store_id === 'E2');
    expect(e2).toMatchObject({ name: 'Kiosk', currency: 'EUR', receipt_lines: ['Hauptstr. 1', '10115 Berlin'], time_zone: 'Europe/Berlin' });

    const refused: Array<[string, string, unknown, number, string]> = [
      ['POST', '/api/stores', { store_id: 'E3', name: 'x', currency: 'EUR', time_zone: 'Mars/Olympus' }, 400, 'time_zone'],
      ['POST', '/api/stores', { store_id: 'E3', name: 'x', currency: 'euro' }, 400, 'currency'],
      ['POST', '/api/stores', { store_id: 'E3', name: '  ', currency: 'EUR' }, 400, 'name'],
      ['POST', '/api/stores', { store_id: 'E3', name: 'x', currency: 'EUR', receipt_lines: ['a'.repeat(65)] }, 400, 'receipt_lines.0'],
      ['POST', '/api/stores', { store_id: 'E3', name: 'x', currency: 'EUR', receipt_lines: Array(7).fill('a') }, 400, 'receipt_lines'],
      ['PATCH', '/api/stores/E2', { time_zone: 'Europe/Nowhere' }, 400, 'time_zone'],
      ['PATCH', '/api/stores/E2', { name: 'y'.repeat(65) }, 400, 'name'],
      ['PATCH', '/api/stores/E2', { colour: 'red' }, 400, ''],
      ['PATCH', '/api/stores/E2', {}, 400, ''],
      ['PATCH', '/api/stores/E1', { currency: 'EUR' }, 409, 'currency'], // it has a register
      ['PATCH', '/api/stores/NOPE', { name: 'x' }, 404, 'store_id'],
    ];
    for (const [method, url, body, status, field] of refused) {
      const r = await api(hub, method, url, body);
      expect(r.status, `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body.error.code).toMatch(/^[A-Z_]+$/);
      if (field) expect(r.body.error.field).toBe(field);
    }
    expect((await api(hub, 'GET', '/api/stores')).body.stores.map((s: { store_id: string }) => s.store_id)).toEqual(['E1', 'E2']);
    // A store without registers or sales may still change its currency.
    const cur = await api(hub, 'PATCH', '/api/stores/E2', { currency: 'CHF' });
    expect(cur.status).toBe(200);
    expect(cur.body).toMatchObject({ store: { currency: 'CHF', time_zone: 'Europe/Berlin' }, change: null });
  });

  /** What the hub's change log holds for a change of E1 (the route answers its cursor only). */
  const changePayload = async (cursor: number): Promise<Record<string, unknown>> =>
    (await t.db.query<{ payload: Record<string, unknown> }>(`SELECT payload FROM change_log WHERE store_id = 'E1' AND cursor = $1`, [cursor])).rows[0]!.payload;
  /** Sells one MILK for cash and returns the printed receipt. */
  const sellAndPrint = async (): Promise<string> => {
    await svc.handle('sale.new', {});
    await svc.handle('sale.addSku', { sku: 'MILK' });
    await svc.handle('sale.tender', { kind: 'cash', amount: { amount: 2000, currency: 'USD' } });
    return ((await svc.handle('receipt.last', {})) as { text: string }).text;
  };

  it('a time-zone edit of a store without receipt lines at the hub leaves the register printing its own lines', { timeout: 60_000 }, async () => {
    expect(((await svc.handle('store.info', {})) as { store_name: string }).store_name).toBe('Local name');
    const r = await api(hub, 'PATCH', '/api/stores/E1', { time_zone: 'Europe/Paris' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.store.receipt_lines).toEqual([]);
    expect(r.body.change).toMatchObject({ store_id: 'E1', kind: 'config' });
    expect(await changePayload(r.body.change.cursor)).not.toHaveProperty('receipt_lines');
    await applied(r.body.change.cursor);
    // The change names the store as the hub has it; the lines stay the register's own.
    expect(((await svc.handle('store.info', {})) as { store_name: string }).store_name).toBe('Store E1');
    const text = await sellAndPrint();
    expect(text).toContain('Store E1');
    expect(text).toContain('local line');
  });

  it("the name and receipt lines reach the store's register and are printed on its next receipt", { timeout: 60_000 }, async () => {
    expect(((await svc.handle('store.info', {})) as { store_name: string }).store_name).toBe('Store E1');
    const r = await api(hub, 'PATCH', '/api/stores/E1', { name: 'Tillstream Mitte', receipt_lines: ['Torstr. 5', '10119 Berlin', 'USt-IdNr. DE123456789'], time_zone: 'Europe/Berlin' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.change).toMatchObject({ store_id: 'E1', kind: 'config' });
    await applied(r.body.change.cursor);
    expect(((await svc.handle('store.info', {})) as { store_name: string }).store_name).toBe('Tillstream Mitte');
    await svc.handle('sale.new', {});
    await svc.handle('sale.addSku', { sku: 'MILK' });
    await svc.handle('sale.tender', { kind: 'cash', amount: { amount: 2000, currency: 'USD' } });
    const receipt = (await svc.handle('receipt.last', {})) as { receipt_no: string; text: string };
    expect(receipt.text).toContain('Tillstream Mitte');
    expect(receipt.text).toContain('USt-IdNr. DE123456789');
    expect(receipt.text).not.toContain('local line');

    // The sales explorer shows the receipt as the register printed it (issue 12): rebuilt on
    // the hub with the register's receipt code from the journal event, the store's header in
    // effect at the sale (checked again below, after the store is renamed) and the cashier's
    // name the register gave in its hello.
    await expect
      .poll(async () => (await api(hub, 'GET', `/api/sales?receipt_no=${receipt.receipt_no}`)).body.sales?.[0]?.event_id ?? null, { timeout: 30_000, interval: 50 })
      .not.toBeNull();
    const eventId = (await api(hub, 'GET', `/api/sales?receipt_no=${receipt.receipt_no}`)).body.sales[0].event_id as string;
    const detail = await api(hub, 'GET', `/api/sales/${eventId}`);
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body.receipt).toMatchObject({ receipt_no: receipt.receipt_no, kind: 'sale' });
    const printed = receipt.text.split('\n');
    const tillLine = printed.findIndex((l) => l.startsWith('Till E1-T1'));
    expect(printed[tillLine]).toMatch(/ Cashier$/);
    const hello = await t.db.query<{ cashiers: Record<string, string> }>(`SELECT cashiers FROM terminals WHERE terminal_id = 'E1-T1'`);
    expect(hello.rows[0]!.cashiers).toEqual({ '1001': 'Cashier', '9001': 'Manager' }); // names only
    // The register prints its machine's local time (this process's); the hub prints the
    // store's (Europe/Berlin), which is the register's own in a store that runs in Berlin.
    const at = String(detail.body.payload.completed_at).replace('Z', '+00:00');
    const headLine = printed.findIndex((l) => l.startsWith(`Receipt ${receipt.receipt_no}`));
    const local = formatIssuedAt(at, 'en-US');
    const berlin = formatIssuedAt(at, 'en-US', 'Europe/Berlin');
    expect(printed[headLine]!.endsWith(local)).toBe(true);
    printed[headLine] = `Receipt ${receipt.receipt_no}`.padEnd(42 - berlin.length) + berlin;
    expect(detail.body.receipt.text.split('\n')).toEqual(printed);
    // A register that never named its cashiers (an older one): the hub prints the id there.
    const names = hello.rows[0]!.cashiers;
    await t.db.query(`UPDATE terminals SET cashiers = NULL WHERE terminal_id = 'E1-T1'`);
    const byId = (await api(hub, 'GET', `/api/sales/${eventId}`)).body.receipt.text.split('\n') as string[];
    expect(byId[tillLine]).toBe(`Till E1-T1${' '.repeat(42 - 'Till E1-T1'.length - '1001'.length)}1001`);
    expect(byId.filter((_, i) => i !== tillLine)).toEqual(printed.filter((_, i) => i !== tillLine));
    await t.db.query(`UPDATE terminals SET cashiers = $1::jsonb WHERE terminal_id = 'E1-T1'`, [JSON.stringify(names)]);
    // A post-void or any event that printed no receipt has none.
    const other = await t.db.query<{ event_id: string }>(`SELECT event_id::text AS event_id FROM journal_events WHERE store_id = 'E1' AND type = 'shift.opened' LIMIT 1`);
    expect((await api(hub, 'GET', `/api/sales/${other.rows[0]!.event_id}`)).body.receipt).toBeNull();
    // The list shows it.
    expect((await api(hub, 'GET', '/api/stores')).body.stores[0]).toMatchObject({ name: 'Tillstream Mitte', receipt_lines: ['Torstr. 5', '10119 Berlin', 'USt-IdNr. DE123456789'], time_zone: 'Europe/Berlin' });

    // HQ clears the lines: the register prints its own again, and a later name-only edit
    // (the hub has none now) does not send an empty list that would blank them.
    const cleared = await api(hub, 'PATCH', '/api/stores/E1', { receipt_lines: [] });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    await applied(cleared.body.change.cursor);
    expect(await sellAndPrint()).toContain('local line');
    const renamed = await api(hub, 'PATCH', '/api/stores/E1', { name: 'Tillstream Mitte 2' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(await changePayload(renamed.body.change.cursor)).not.toHaveProperty('receipt_lines');
    await applied(renamed.body.change.cursor);
    const text = await sellAndPrint();
    expect(text).toContain('Tillstream Mitte 2');
    expect(text).toContain('local line');
    expect(text).not.toContain('USt-IdNr. DE123456789');

    // The earlier sale's receipt in the explorer still has the header it was printed with.
    expect((await api(hub, 'GET', `/api/sales/${eventId}`)).body.receipt.text.split('\n')).toEqual(printed);
  });

  it('a tax change effective now is charged on the next sale; one effective later only once it is due', { timeout: 90_000 }, async () => {
    const now = await api(hub, 'PUT', '/api/stores/E1/tax', { tax: TAX(100_000), effective_at: new Date(Date.now() - 1000).toISOString() });
    expect(now.status, JSON.stringify(now.body)).toBe(201);
    expect(now.body.scheduled).toBeNull();
    await applied(now.body.changes[0].cursor);
    expect(await taxOnNextSale()).toBe(100);

    // Effective in an hour: scheduled, nothing reaches the register.
    const later = await api(hub, 'PUT', '/api/stores/E1/tax', { tax: TAX(120_000), effective_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    expect(later.body.changes).toEqual([]);
    const id = later.body.scheduled.change_id;
    const cursorBefore = (await api(hub, 'GET', '/api/stores')).body.stores.find((s: { store_id: string }) => s.store_id === 'E1').change_cursor;
    // The hub's scheduler runs every 100 ms here: give it many turns, then check no tax change
    // was published (the last sale's stock levels may still move the cursor: that is not tax).
    await new Promise((r) => setTimeout(r, 1500));
    const since = await t.db.query<{ kind: string }>(`SELECT kind FROM change_log WHERE store_id = 'E1' AND cursor > $1`, [cursorBefore]);
    expect(since.rows.map((c) => c.kind)).not.toContain('tax');
    expect(await taxOnNextSale()).toBe(100);
    const pending = (await api(hub, 'GET', '/api/scheduled-changes?state=pending&kind=tax')).body;
    expect(JSON.stringify(pending)).toContain(`"change_id":${id}`);

    // The hour passes (the row's effective time moved into the past, as the clock would): the
    // scheduler publishes it and the register charges 12 % on its next sale.
    await t.db.query(`UPDATE scheduled_changes SET effective_at = now() - interval '1 second' WHERE change_id = $1`, [id]);
    await expect.poll(taxOnNextSale, { timeout: 30_000, interval: 100 }).toBe(120);
    const versions = (await api(hub, 'GET', '/api/stores/E1/tax/versions')).body.versions;
    expect(versions.map((v: { tax: { rates: Array<{ rate_ppm: number }> } }) => v.tax.rates[0]!.rate_ppm)).toEqual([120_000, 100_000, 80_000]);
  });
});
