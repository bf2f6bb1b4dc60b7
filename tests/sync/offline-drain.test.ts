import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { verifyChain } from '../../src/core/protocol';
import { SyncClient, openJournal, type Journal, type SyncLinkStatus } from '../../src/sync';
import { tempDir, waitFor } from './helpers';
import { startTestHub, type TestHub } from './test-hub';

// A register that cannot reach its hub keeps committing sales; when the hub comes back it
// drains all of them, in bounded batches, and both sides agree on count and totals.

const T = { token: 'tok-O1', terminal_id: 'O1', store_id: 'S1' };
const SALES = 1_000;
let tmp: ReturnType<typeof tempDir>;
let hub: TestHub | null = null;
let journal: Journal | null = null;
let client: SyncClient | null = null;

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  client?.stop();
  journal?.close();
  await hub?.close();
  tmp.cleanup();
});

it(`commits ${SALES} sales offline, then drains them on reconnect with matching count and totals`, { timeout: 120_000 }, async () => {
  // Reserve a port for the hub, then take the hub down: the register starts offline.
  hub = await startTestHub({ terminals: [T], dbPath: path.join(tmp.dir, 'hub.db') });
  const port = hub.port;
  await hub.close();
  hub = null;

  journal = openJournal(path.join(tmp.dir, 'register.db'), { terminalId: T.terminal_id, storeId: T.store_id });
  client = new SyncClient({
    journal, url: `http://127.0.0.1:${port}`, token: T.token, appVersion: 'test',
    monitorIntervalMs: 100, ackTimeoutMs: 5_000, connectTimeoutMs: 500, backoff: { baseMs: 20, maxMs: 300 },
  });
  const statuses: SyncLinkStatus[] = [];
  client.on('status', (s) => statuses.push(s));
  client.start();

  let localTotal = 0;
  for (let i = 0; i < SALES; i++) {
    const amount = 1 + ((i * 7919) % 10_000);
    localTotal += amount;
    journal.appendUnchecked('sale.completed', { sale_id: `off-${i}`, total: { amount, currency: 'EUR' } }, { stockMovements: [{ sku: `SKU${i % 10}`, delta: { units: -1, scale: 0 } }] });
  }
  expect(client.status).toMatchObject({ connected: false, unsyncedCount: SALES, appliedThrough: 0 });
  expect(client.status.oldestUnsyncedAt).not.toBeNull();
  expect(journal.getStockLevel('SKU3')).toEqual({ units: -100, scale: 0 }); // local movements only

  hub = await startTestHub({ terminals: [T], dbPath: path.join(tmp.dir, 'hub.db'), port });
  await waitFor('drained', () => client!.status.unsyncedCount === 0, 60_000);

  const events = hub.events(T.terminal_id);
  expect(events).toHaveLength(SALES);
  expect(verifyChain(events)).toBeNull();
  const hubTotal = events.reduce((s, e) => s + (e.payload.total as { amount: number }).amount, 0);
  expect(hubTotal).toBe(localTotal);
  expect(new Set(events.map((e) => e.payload.sale_id)).size).toBe(SALES);
  expect(hub.stats.pushes).toBe(Math.ceil(SALES / 500)); // bounded batches, each sent once
  expect(journal.verify()).toMatchObject({ ok: true, count: SALES, headHash: events[SALES - 1]!.hash });
  expect(client.status).toMatchObject({ connected: true, unsyncedCount: 0, appliedThrough: SALES, lastError: null });
  // While offline the status said so, with the error.
  expect(statuses.some((s) => !s.connected && s.unsyncedCount === SALES && /cannot connect/.test(s.lastError ?? ''))).toBe(true);
});
