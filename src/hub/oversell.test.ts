import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Loose } from './testing/loose';
import { io as ioClient, type Socket } from 'socket.io-client';
import { MSG } from '../core/protocol';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { ADMIN_TOKEN, checkInvariants, enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import { Inbox } from './testing/wait';
import type { HubHandle } from './server';

const OPENING = { S: { LAST: 1, OTHER: 5 } };

describe.each(testBackends())('offline oversell on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  let hq: Socket;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'S', OPENING.S);
    hub = await startTestHub(t.db);
  });
  afterAll(async () => {
    hq?.close();
    await hub?.close();
    await t?.dispose();
  });

  it('two registers both sell the last unit (one offline): both sales stand, stock -1, HQ and the online register are alerted', async () => {
    hq = ioClient(hub.url, { transports: ['websocket'], auth: { token: ADMIN_TOKEN }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      hq.once('connect', () => resolve());
      hq.once('connect_error', reject);
    });
    const hqAlerts = new Inbox(hq, MSG.alert);
    const online = await enrollRegister(t.db, 'S', 'S-1');
    const offline = await enrollRegister(t.db, 'S', 'S-2');
    const onlineSocket = await online.connect(hub.url);
    const onlineAlerts = new Inbox(onlineSocket, MSG.alert);
    const onlineChanges = new Inbox(onlineSocket, MSG.changes);

    // The offline register sells the last unit first, locally, with no connection.
    const offSale = offline.sell([{ sku: 'LAST', units: 1, unit_price: 500 }]);
    // The online register sells it too and syncs at once: stock 0, no alert.
    const onSale = online.sell([{ sku: 'LAST', units: 1, unit_price: 500 }]);
    expect(await online.push([onSale])).toEqual({ ok: true, applied_through: 1, rejected: [] });
    const stock0 = await onlineChanges.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'stock' && c.payload.levels.some((l: Loose) => l.sku === 'LAST')));
    expect(stock0.changes.find((c: Loose) => c.kind === 'stock').payload.levels).toEqual([{ sku: 'LAST', on_hand: { units: 0, scale: 0 } }]);
    expect(hqAlerts.items).toEqual([]);

    // The offline register comes back and catches up: its sale is accepted.
    await offline.connect(hub.url);
    expect(await offline.push([offSale])).toEqual({ ok: true, applied_through: 1, rejected: [] });

    const a = await hqAlerts.waitFor((x) => x.kind === 'oversell');
    expect(a).toMatchObject({ kind: 'oversell', store_id: 'S', terminal_id: 'S-2', data: { sku: 'LAST', on_hand: { units: -1, scale: 0 } } });
    const b = await onlineAlerts.waitFor((x) => x.kind === 'oversell');
    expect(b.data.sku).toBe('LAST');
    const level = await onlineChanges.waitFor((m) => m.changes.some((c: Loose) => c.kind === 'stock' && c.payload.levels.some((l: Loose) => l.on_hand.units === -1)));
    expect(level.store_id).toBe('S');

    const sales = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journal_events WHERE type = 'sale.completed'`);
    expect(sales.rows[0]!.n).toBe(2);
    const inv = await checkInvariants(t.db, OPENING);
    expect(inv.stock.S!.LAST).toBe(-1);
    expect(inv.balanced).toBe(true);
    expect(inv.mismatches).toEqual([]);
    const stored = await t.db.query(`SELECT kind, store_id FROM alerts WHERE kind = 'oversell'`);
    expect(stored.rows).toEqual([{ kind: 'oversell', store_id: 'S' }]);
    online.close();
    offline.close();
  });
});
