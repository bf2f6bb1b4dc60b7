import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as ioClient, type Socket } from 'socket.io-client';
import { openTestDb, testBackends, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from '../sync/helpers';

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
});
