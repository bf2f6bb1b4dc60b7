import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/protocol';
import { SyncClient, openJournal, type Journal } from '../../src/sync';
import { tempDir, waitFor } from './helpers';
import { startTestHub, type TestHub } from './test-hub';

// A store's registers keep selling through a hub restart; each comes back after its own
// jittered delay, resumes from the hub's mark, and every event lands exactly once.

const N = 6;
const terminals = Array.from({ length: N }, (_, i) => ({ token: `tok-R${i}`, terminal_id: `R${i}`, store_id: 'S1' }));
let tmp: ReturnType<typeof tempDir>;
let hub: TestHub | null = null;
const journals: Journal[] = [];
const clients: SyncClient[] = [];

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.stop();
  for (const j of journals.splice(0)) j.close();
  await hub?.close();
  hub = null;
  tmp.cleanup();
});

it('registers ride out a hub restart: jittered reconnects, resume from the mark, nothing lost or doubled', { timeout: 120_000 }, async () => {
  const hubDb = path.join(tmp.dir, 'hub.db');
  hub = await startTestHub({ terminals, dbPath: hubDb });
  const port = hub.port;
  for (const t of terminals) {
    const j = openJournal(path.join(tmp.dir, `${t.terminal_id}.db`), { terminalId: t.terminal_id, storeId: t.store_id });
    journals.push(j);
    const c = new SyncClient({ journal: j, url: hub.url, token: t.token, appVersion: 'test', monitorIntervalMs: 50, ackTimeoutMs: 2_000, connectTimeoutMs: 500, backoff: { baseMs: 200, maxMs: 1_000 } });
    clients.push(c);
    c.start();
  }
  let n = 0;
  const sellRound = (): void => {
    for (const j of journals) j.appendUnchecked('sale.completed', { sale_id: `${j.terminalId}-${n}`, total: { amount: 100 + n, currency: 'EUR' } });
    n += 1;
  };
  for (let r = 0; r < 10; r++) sellRound();
  await waitFor('first drain', () => clients.every((c) => c.status.unsyncedCount === 0));

  await hub.close();
  hub = null;
  for (let r = 0; r < 10; r++) sellRound(); // offline
  await waitFor('all noticed', () => clients.every((c) => !c.status.connected));
  // Each register waits its own jittered delay: they do not all come back at one instant.
  await waitFor('retries scheduled', () => clients.filter((c) => c.status.nextAttemptAt !== null).length >= 2);
  const pending = clients.map((c) => c.status.nextAttemptAt).filter((x): x is string => x !== null);
  expect(new Set(pending).size).toBeGreaterThan(1);

  hub = await startTestHub({ terminals, dbPath: hubDb, port });
  for (let r = 0; r < 10; r++) sellRound(); // while reconnecting
  await waitFor('drained after restart', () => clients.every((c) => c.status.connected && c.status.unsyncedCount === 0), 60_000);

  for (const j of journals) {
    const evs = hub.events(j.terminalId);
    expect(evs.map((e) => e.payload.sale_id)).toEqual(Array.from({ length: 30 }, (_, k) => `${j.terminalId}-${k}`));
    expect(verifyChain(evs)).toBeNull();
    expect(evs.map((e) => e.hash)).toEqual(j.eventsAfter(0, 100).map((e) => e.hash));
  }
});
