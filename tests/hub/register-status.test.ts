import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient } from 'socket.io-client';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from '../sync/helpers';
import { parseRegisterConfig } from '../../src/main/register/config';
import { hashPin } from '../../src/main/register/pins';
import { NoDevices } from '../../src/main/register/null-devices';
import { RegisterService } from '../../src/main/register/service';
import { deviceReports } from '../../src/main/register/device-report';

// status.report (docs/sync-protocol.md 4.4c): a real register (SyncClient, SQLite journal,
// register engine) reports its unsynced events, open shift, app version and devices; the hub
// keeps the last report and GET /api/terminals shows it. A report for another terminal or a
// malformed one is refused and changes nothing.

describe.each(testBackends())('register status report on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let tmp: ReturnType<typeof tempDir>;
  let journal: Journal;
  let client: SyncClient;
  let svc: RegisterService;
  let token: string;
  const terminal = async () => (await api(hub, 'GET', '/api/terminals?store_id=R1')).body.terminals.find((x: { terminal_id: string }) => x.terminal_id === 'R1-T1');

  beforeAll(async () => {
    tmp = tempDir('tillstream-regstatus-');
    t = await openTestDb(backend);
    await seedStore(t.db, 'R1', {});
    hub = await startTestHub(t.db);
    const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: 'R1', terminal_id: 'R1-T1' });
    const cred = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
    token = cred.body.token;
    const jp = path.join(tmp.dir, 'R1-T1.db');
    journal = openJournal(jp, { terminalId: 'R1-T1', storeId: 'R1' });
    client = new SyncClient({ journal, url: hub.url, token, appVersion: '4.2.0-test', monitorIntervalMs: 50, statusIntervalMs: 100, backoff: { baseMs: 20, maxMs: 300 } });
    const cfg = parseRegisterConfig({
      terminal_id: 'R1-T1', store_id: 'R1', store_name: 'R1', currency: 'USD', journal_path: jp,
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashPin('1234') }],
    });
    svc = new RegisterService({ config: cfg, journal, devices: new NoDevices(), sync: client });
    client.reportDevices(() =>
      deviceReports([
        { kind: 'printer', name: 'Receipt printer', state: 'idle', flags: ['paper_near_end'], advice: 'Paper is low: put in a new roll soon.' },
        { kind: 'drawer', name: 'Cash drawer', state: 'closed', flags: [] },
        { kind: 'payment', name: 'Card terminal', state: 'offline', flags: [], advice: 'The card terminal does not answer.' },
      ]),
    );
    client.start();
    await waitFor('register online', () => client.status.connected === true, 30_000);
  }, 120_000);
  afterAll(async () => {
    svc?.close();
    client?.stop();
    journal?.close();
    await hub?.close();
    await t?.dispose();
    tmp?.cleanup();
  });

  it('the last report is on GET /api/terminals: unsynced events, open shift, app version, devices', { timeout: 60_000 }, async () => {
    await expect.poll(async () => (await terminal())?.reported?.app_version, { timeout: 30_000, interval: 100 }).toBe('4.2.0-test');
    const first = (await terminal()).reported;
    expect(first).toMatchObject({ unsynced_count: 0, oldest_unsynced_at: null, open_shift: null });
    expect(first.devices).toEqual([
      { kind: 'printer', state: 'warning', message: 'Paper is low: put in a new roll soon.' },
      { kind: 'drawer', state: 'ok', message: 'Cash drawer' },
      { kind: 'payment', state: 'error', message: 'The card terminal does not answer.' },
    ]);

    await svc.handle('session.signIn', { cashier_id: '1001', pin: '1234' });
    await svc.handle('shift.open', { opening_float: { amount: 0, currency: 'USD' } });
    const shiftId = (journal.getOpenShift()!.payload as { shift_id: string }).shift_id;
    await expect.poll(async () => (await terminal())?.reported?.open_shift?.shift_id, { timeout: 30_000, interval: 100 }).toBe(shiftId);
    expect((await terminal()).reported.head_seq).toBe(journal.head().seq);

    // Offline for a while: events pile up; the report after the reconnect says how many there were.
    client.stop();
    await svc.handle('cash.paidIn', { amount: { amount: 500, currency: 'USD' }, reason: 'change' });
    const unsynced = journal.unsynced().count;
    expect(unsynced).toBeGreaterThan(0);
    client.start();
    await expect.poll(async () => (await terminal())?.reported?.head_seq, { timeout: 30_000, interval: 100 }).toBe(journal.head().seq);
    await expect.poll(async () => (await terminal())?.reported?.unsynced_count, { timeout: 30_000, interval: 100 }).toBe(0);
  });

  it('refuses a report for another terminal or a malformed one', { timeout: 30_000 }, async () => {
    client.stop(); // its own reports would change the row meanwhile
    const before = await t.db.query(`SELECT reported_status FROM terminals WHERE terminal_id = 'R1-T1'`);
    const sock = ioClient(hub.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', () => resolve());
        sock.once('connect_error', reject);
      });
      const ask = (body: unknown) => new Promise<{ ok: boolean; code?: string; error?: { code: string } }>((resolve) => sock.emit('status.report', body, resolve));
      const base = { terminal_id: 'R1-T1', head_seq: 1, unsynced_count: 0, oldest_unsynced_at: null, open_shift: null, devices: [] };
      const other = await ask({ ...base, terminal_id: 'R1-T9' });
      expect(other.ok).toBe(false);
      expect(JSON.stringify(other)).toContain('FORBIDDEN');
      for (const bad of [{ ...base, unsynced_count: -1 }, { ...base, devices: [{ kind: 'printer', state: 'melted' }] }, { ...base, extra: 1 }, { ...base, devices: Array(17).fill({ kind: 'printer', state: 'ok' }) }]) {
        const r = await ask(bad);
        expect(r.ok, JSON.stringify(bad)).toBe(false);
        expect(JSON.stringify(r)).toContain('BAD_REQUEST');
      }
    } finally {
      sock.close();
    }
    expect((await t.db.query(`SELECT reported_status FROM terminals WHERE terminal_id = 'R1-T1'`)).rows).toEqual(before.rows);
  });
});
