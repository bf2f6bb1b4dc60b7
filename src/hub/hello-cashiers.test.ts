import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG } from '../core/protocol';
import { keepGoodCashiers } from './hello-cashiers';
import { openTestDb, testBackends, type TestDb } from './testing/test-db';
import { enrollRegister, seedStore, startTestHub } from './testing/hub-fixture';
import type { HubHandle } from './server';

// `cashiers` in hello never refuses the hello (docs/sync-protocol.md 4.1): one odd name in a
// register's config must not stop it syncing.

describe('keepGoodCashiers', () => {
  it('keeps good entries, makes names storable and drops what still does not fit', () => {
    const long = 'Ä'.repeat(63) + '😀'; // 65 UTF-16 units: the emoji would be split at 64
    expect(
      keepGoodCashiers([
        { cashier_id: '1001', name: 'Anna' },
        { cashier_id: '1002', name: long },
        { cashier_id: '1003', name: 'Bad\u0000Name' },
        { cashier_id: '1004', name: 'lone \uD83D surrogate' },
        { cashier_id: '-bad id', name: 'X' },
        { cashier_id: '1005', name: '' },
        { cashier_id: '1006', name: 7 },
        null,
        'text',
      ]),
    ).toEqual([
      { cashier_id: '1001', name: 'Anna' },
      { cashier_id: '1002', name: 'Ä'.repeat(63) },
      { cashier_id: '1003', name: 'BadName' },
      { cashier_id: '1004', name: 'lone  surrogate' },
    ]);
    expect(keepGoodCashiers('nope')).toBeUndefined();
    expect(keepGoodCashiers(undefined)).toBeUndefined();
    expect(keepGoodCashiers(Array.from({ length: 600 }, (_, i) => ({ cashier_id: `c${i}`, name: `N${i}` })))).toHaveLength(500);
  });
});

describe.each(testBackends())('hello with odd cashiers on $name', (backend) => {
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await seedStore(t.db, 'HC', {});
    hub = await startTestHub(t.db);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('answers the hello and keeps the names it can store', async () => {
    const r = await enrollRegister(t.db, 'HC', 'HC-T1');
    await r.connect(hub.url);
    const ack = (await r.request(MSG.hello, {
      protocol: 1, terminal_id: 'HC-T1', app_version: 'test', change_cursor: 0,
      cashiers: [{ cashier_id: '1001', name: 'Anna' }, { cashier_id: '1002', name: 'x'.repeat(200) }, { cashier_id: '1003', name: 'lone \uDC00' }, { cashier_id: '', name: 'nobody' }],
    })) as { ok: boolean };
    expect(ack.ok).toBe(true);
    const { rows } = await t.db.query<{ cashiers: Record<string, string> }>(`SELECT cashiers FROM terminals WHERE terminal_id = 'HC-T1'`);
    expect(rows[0]!.cashiers).toEqual({ '1001': 'Anna', '1002': 'x'.repeat(64), '1003': 'lone' });
    r.close();
  });
});
