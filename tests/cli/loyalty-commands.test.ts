import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '../../src/hub/testing/test-db';
import { ADMIN_TOKEN, api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import type { HubHandle } from '../../src/hub/server';
import { reconcileValue } from '../../src/hub/value/reconcile';

// `tillstream loyalty adjust-points` and `adjust-card` as a script runs them: a child process
// against a running hub's HTTP API; the same --key twice adjusts once.

const ROOT = path.resolve(__dirname, '../..');
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tillstream.mjs', ...args], { cwd: ROOT, env: { ...process.env, TILLSTREAM_TOKEN: ADMIN_TOKEN }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

describe('loyalty commands against a running hub', { timeout: 240_000 }, () => {
  const who = randomUUID();
  let t: TestDb;
  let hub: HubHandle;
  beforeAll(async () => {
    t = await openTestDb({ name: 'pglite' });
    await seedStore(t.db, 'S1', {});
    hub = await startTestHub(t.db);
    expect((await api(hub, 'POST', '/api/customers', { customer_id: who, name: 'Grace Hopper', consent: { marketing: false } })).status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
    await t?.dispose();
  });

  it('adjusts points and a card once per key, prints the balance, refuses with the hub’s code', async () => {
    const a = await cli(['loyalty', 'adjust-points', who, '120', '--reason', 'welcome bonus', '--key', 'cli-key-0001', '--hub-url', hub.url]);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toBe(`Adjusted: points:${who} +120 points; balance now 120; ledger entry adjust:cli-key-0001; key cli-key-0001\n`);
    const again = await cli(['loyalty', 'adjust-points', who, '120', '--reason', 'welcome bonus', '--key', 'cli-key-0001', '--hub-url', hub.url]);
    expect(again.out).toMatch(/^Already applied under this key \(nothing more done\): .* balance now 120/);
    const minus = await cli(['loyalty', 'adjust-points', '--reason', 'typo', '--hub-url', hub.url, '--json', '--', who, '-20']);
    expect(minus.code, minus.err).toBe(0);
    expect(JSON.parse(minus.out)).toMatchObject({ amount: -20, balance: 100, applied: true });
    const card = await cli(['loyalty', 'adjust-card', 'SC-CLI-0001', '2500', '--currency', 'USD', '--reason', 'store credit for a complaint', '--hub-url', hub.url]);
    expect(card.code, card.err).toBe(0);
    expect(card.out).toMatch(/balance now 2500/);
    const over = await cli(['loyalty', 'adjust-card', '--reason', 'x', '--hub-url', hub.url, '--', 'SC-CLI-0001', '-2501']);
    expect(over.code).not.toBe(0);
    expect(over.err).toMatch(/409 INSUFFICIENT_BALANCE/);
    const zero = await cli(['loyalty', 'adjust-points', who, '0', '--reason', 'x', '--hub-url', hub.url]);
    expect(zero.err).toMatch(/must not be 0/);
    const r = await reconcileValue(t.db, { gift_card: '2100', points: '2110' });
    expect(r.points).toMatchObject({ points: 100, ledger: 100, difference: 0 });
    expect(r.gift_cards).toEqual([{ currency: 'USD', balances: 2500, ledger: 2500, difference: 0 }]);
  });
});
