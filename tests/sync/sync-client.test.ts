import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain, type Alert, type RejectedEvent } from '../../src/core/protocol';
import { SyncClient, openJournal, type Journal, type PriceChanged, type SyncClientOptions } from '../../src/sync';
import { tempDir, waitFor } from './helpers';
import { startTestHub, type TestHub } from './test-hub';

// The register's SyncClient against the test hub over a real loopback socket.io
// connection, with the journal in a real SQLite file.

const T = { token: 'tok-T1', terminal_id: 'T1', store_id: 'S1' };
let tmp: ReturnType<typeof tempDir>;
let hub: TestHub | null = null;
let journal: Journal | null = null;
let client: SyncClient | null = null;

function makeClient(over: Partial<SyncClientOptions> = {}): SyncClient {
  client = new SyncClient({
    journal: journal!, url: hub!.url, token: T.token, appVersion: 'test',
    monitorIntervalMs: 50, ackTimeoutMs: 1_000, connectTimeoutMs: 1_000,
    backoff: { baseMs: 20, maxMs: 200 }, ...over,
  });
  return client;
}

function sale(i: number, extra: Record<string, unknown> = {}) {
  return journal!.appendUnchecked('sale.completed', { sale_id: `sale-${i}`, total: { amount: 100 + i, currency: 'EUR' }, ...extra });
}

beforeEach(async () => {
  tmp = tempDir();
  hub = await startTestHub({ terminals: [T, { token: 'tok-T2', terminal_id: 'T2', store_id: 'S1' }] });
  journal = openJournal(path.join(tmp.dir, 'register.db'), { terminalId: 'T1', storeId: 'S1' });
});

afterEach(async () => {
  client?.stop();
  client = null;
  journal?.close();
  journal = null;
  await hub?.close();
  hub = null;
  tmp.cleanup();
});

describe('SyncClient uplink', () => {
  it('sends every committed event once, in order, and marks them synced only on the hub ack', async () => {
    for (let i = 0; i < 25; i++) sale(i);
    const c = makeClient();
    expect(c.status).toMatchObject({ state: 'stopped', unsyncedCount: 25, appliedThrough: 0 });
    c.start();
    await waitFor('synced', () => c.status.unsyncedCount === 0);
    for (let i = 25; i < 40; i++) sale(i); // appended while connected: drained without waiting for the monitor
    await waitFor('synced again', () => c.status.unsyncedCount === 0);
    const hubEvents = hub!.events('T1');
    expect(hubEvents.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(hubEvents.map((e) => e.payload.sale_id)).toEqual(Array.from({ length: 40 }, (_, i) => `sale-${i}`));
    expect(verifyChain(hubEvents)).toBeNull();
    expect(hubEvents.map((e) => e.hash)).toEqual(journal!.eventsAfter(0, 100).map((e) => e.hash));
    expect(c.status).toMatchObject({ connected: true, appliedThrough: 40, head: 40, oldestUnsyncedAt: null, lastError: null });
  });

  it('sends in bounded batches', async () => {
    for (let i = 0; i < 23; i++) sale(i);
    const c = makeClient({ batchSize: 5 });
    c.start();
    await waitFor('synced', () => c.status.unsyncedCount === 0);
    expect(hub!.stats.pushes).toBe(5);
    expect(() => makeClient({ batchSize: 501 })).toThrow(/batchSize/);
  });

  it('a lost ack (hub committed, register never heard) resends from the hub mark without doubling', async () => {
    for (let i = 0; i < 10; i++) sale(i);
    // Three acks lost in two sessions: the first session's two batches in flight (1-4, 5-8),
    // then the second session's one (9-10).
    hub!.dropAcks(3);
    const c = makeClient({ ackTimeoutMs: 200, batchSize: 4 });
    const errors: string[] = [];
    c.on('status', (s) => s.lastError && errors.push(s.lastError));
    c.start();
    await waitFor('synced', () => c.status.unsyncedCount === 0);
    expect(errors.some((e) => /no ack within/.test(e))).toBe(true);
    expect(hub!.events('T1').map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(hub!.stats.connections).toBeGreaterThanOrEqual(3);
  });

  it('a push that fails before the hub commits leaves the events unsynced, and they are sent again', async () => {
    for (let i = 0; i < 6; i++) sale(i);
    hub!.failBeforeCommit(2);
    const c = makeClient({ batchSize: 3 });
    const marks: number[] = [];
    journal!.on('synced', (s) => marks.push(s.appliedThrough));
    c.start();
    await waitFor('synced', () => c.status.unsyncedCount === 0);
    expect(hub!.events('T1').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // The mark only ever took values the hub acknowledged after its commit.
    expect(marks.filter((m) => m > 0)).toEqual([3, 6]);
    expect(c.status.lastError).toBeNull();
  });

  it('waits a full-jitter backoff after a failure instead of reconnecting at once', async () => {
    const now = 1_000_000;
    const port = hub!.port;
    await hub!.close();
    hub = null;
    const c = new SyncClient({
      journal: journal!, url: `http://127.0.0.1:${port}`, token: T.token, appVersion: 'test', monitorIntervalMs: 50,
      backoff: { baseMs: 60_000, maxMs: 600_000 }, random: () => 0.5, now: () => now,
    });
    client = c;
    c.start();
    await waitFor('first failure', () => c.status.nextAttemptAt !== null);
    // attempt 0: window 60 s, random 0.5 → 30 s
    expect(Date.parse(c.status.nextAttemptAt!) - now).toBe(30_000);
    expect(c.status.state).toBe('waiting');
  });

  it('backs off further while the hub keeps failing pushes after a good hello', async () => {
    for (let i = 0; i < 3; i++) sale(i);
    hub!.failBeforeCommit(1_000_000);
    const T0 = Date.parse('2026-01-01T00:00:00Z');
    const delays: number[] = [];
    let waiting = false;
    // A fixed clock: nextAttemptAt - T0 is exactly the chosen delay.
    const c = makeClient({ backoff: { baseMs: 10, maxMs: 80 }, random: () => 0.999, now: () => T0 });
    c.on('status', (s) => {
      if (s.nextAttemptAt !== null && !waiting) delays.push(Date.parse(s.nextAttemptAt) - T0);
      waiting = s.nextAttemptAt !== null;
    });
    c.start();
    await waitFor('five retries', () => delays.length >= 5);
    c.stop();
    // Windows 10, 20, 40, 80, 80 ms at random 0.999: a good hello did not reset the attempt count.
    expect(delays.slice(0, 5)).toEqual([9, 19, 39, 79, 79]);
    expect(hub!.events('T1')).toHaveLength(0);
  });

  it('keeps selling offline, reports the unsynced count and age, and drains after reconnect', async () => {
    let now = Date.parse('2026-03-01T10:00:00Z');
    journal!.close();
    journal = openJournal(path.join(tmp.dir, 'register.db'), { terminalId: 'T1', storeId: 'S1', now: () => new Date(now) });
    const port = hub!.port;
    await hub!.close();
    hub = null;
    const c = new SyncClient({
      journal: journal!, url: `http://127.0.0.1:${port}`, token: T.token, appVersion: 'test',
      monitorIntervalMs: 50, ackTimeoutMs: 1_000, connectTimeoutMs: 500, backoff: { baseMs: 20, maxMs: 100 }, now: () => now,
    });
    client = c;
    c.start();
    sale(1);
    now += 90_000;
    sale(2);
    await waitFor('a failed connect', () => c.status.lastError !== null);
    expect(c.status).toMatchObject({ connected: false, unsyncedCount: 2, oldestUnsyncedAt: '2026-03-01T10:00:00.000Z', oldestUnsyncedAgeMs: 90_000 });
    expect(c.status.lastError).toMatch(/cannot connect/);
    hub = await startTestHub({ terminals: [T], port });
    await waitFor('synced after reconnect', () => c.status.unsyncedCount === 0, 10_000);
    expect(hub.events('T1')).toHaveLength(2);
    expect(c.status.lastError).toBeNull();
  });

  it('records a permanent rejection next to the event, keeps going behind it, and surfaces it', async () => {
    sale(1);
    sale(2, { [hub!.rejectKey]: true });
    sale(3);
    const rejected: RejectedEvent[] = [];
    const c = makeClient();
    c.on('rejected', (r) => rejected.push(...r));
    c.start();
    await waitFor('synced', () => c.status.unsyncedCount === 0);
    expect(rejected).toMatchObject([{ seq: 2, code: 'INVALID_PAYLOAD' }]);
    expect(journal!.rejections()).toMatchObject([{ seq: 2, code: 'INVALID_PAYLOAD', acknowledged_at: null }]);
    expect(c.status.rejectedCount).toBe(1);
    expect(hub!.events('T1').map((e) => [e.seq, e.status])).toEqual([[1, 'applied'], [2, 'rejected'], [3, 'applied']]);
    expect(journal!.acknowledgeRejection(2)).toBe(true);
    expect(c.status.rejectedCount).toBe(0);
    expect(journal!.rejections()).toHaveLength(1); // acknowledged, still recorded
  });

  it('refuses a credential the hub does not know and says so in the status', async () => {
    sale(1);
    const c = makeClient({ token: 'wrong' });
    c.start();
    await waitFor('an error', () => c.status.lastError !== null);
    expect(c.status.lastError).toMatch(/UNAUTHORIZED/);
    expect(hub!.events('T1')).toHaveLength(0);
  });

  it('stops pushing when the hub holds a different chain for this terminal', async () => {
    // Another register database claiming to be T1 got there first.
    const otherDir = tempDir();
    const other = openJournal(path.join(otherDir.dir, 'r.db'), { terminalId: 'T1', storeId: 'S1' });
    other.appendUnchecked('sale.completed', { sale_id: 'other' });
    const oc = new SyncClient({ journal: other, url: hub!.url, token: T.token, appVersion: 't', monitorIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } });
    oc.start();
    await waitFor('other synced', () => oc.status.unsyncedCount === 0);
    oc.stop();
    other.close();
    otherDir.cleanup();
    sale(1);
    sale(2);
    const c = makeClient();
    c.start();
    await waitFor('divergence reported', () => /chain diverged/.test(c.status.lastError ?? ''));
    expect(hub!.events('T1')).toHaveLength(1);
    expect(c.status.unsyncedCount).toBe(2);
  });
});

describe('SyncClient downlink', () => {
  it('applies pushed changes with the cursor and tells the sale engine about price changes', async () => {
    const c = makeClient();
    const priceEvents: PriceChanged[] = [];
    c.on('price-changed', (p) => priceEvents.push(p));
    c.start();
    await waitFor('connected', () => c.status.connected);
    hub!.publishChange('S1', 'price', { sku: 'A', price: { amount: 250, currency: 'EUR' } });
    hub!.publishChange('S1', 'customer', { customer_id: 'C1', points: 120 });
    await waitFor('applied', () => journal!.syncState().changeCursor === 2);
    expect(journal!.getPrice('A')).toMatchObject({ price: { amount: 250 } });
    expect(journal!.getCustomer('C1')).toMatchObject({ points: 120 });
    expect(priceEvents).toMatchObject([{ snapshot: false, changes: [{ cursor: 1, payload: { sku: 'A' } }] }]);
  });

  it('pulls from its cursor after a gap and after a reconnect', async () => {
    const c = makeClient();
    c.start();
    await waitFor('connected', () => c.status.connected);
    hub!.appendChangeSilently('S1', 'price', { sku: 'A', price: { amount: 1, currency: 'EUR' } });
    hub!.appendChangeSilently('S1', 'price', { sku: 'B', price: { amount: 2, currency: 'EUR' } });
    hub!.publishChange('S1', 'price', { sku: 'C', price: { amount: 3, currency: 'EUR' } }); // cursor 3 arrives first: a gap
    await waitFor('caught up', () => journal!.syncState().changeCursor === 3);
    expect(journal!.listPrices().map((p) => p.sku)).toEqual(['A', 'B', 'C']);
    c.stop();
    hub!.appendChangeSilently('S1', 'price', { sku: 'A', price: { amount: 10, currency: 'EUR' } });
    c.start();
    await waitFor('pulled after reconnect', () => journal!.syncState().changeCursor === 4);
    expect(journal!.getPrice('A')).toMatchObject({ price: { amount: 10 } });
  });

  it('takes a snapshot when it is too far behind and continues from the snapshot cursor', async () => {
    for (let i = 0; i < 30; i++) hub!.appendChangeSilently('S1', 'price', { sku: `P${i % 5}`, price: { amount: i, currency: 'EUR' } });
    hub!.appendChangeSilently('S1', 'stock', { sku: 'P1', on_hand: { units: 7, scale: 0 } });
    hub!.appendChangeSilently('S1', 'config', { receipt_footer: 'thanks' });
    hub!.setCompactedThrough(20);
    const c = makeClient();
    const snaps: number[] = [];
    c.on('snapshot', (s) => snaps.push(s.cursor));
    c.start();
    await waitFor('snapshot', () => journal!.syncState().changeCursor === 32);
    expect(snaps).toEqual([32]);
    expect(journal!.listPrices()).toHaveLength(5);
    expect(journal!.getPrice('P4')).toMatchObject({ price: { amount: 29 } });
    expect(journal!.getStockLevel('P1')).toEqual({ units: 7, scale: 0 });
    expect(journal!.getSettings('config')).toEqual({ receipt_footer: 'thanks' });
    hub!.publishChange('S1', 'price', { sku: 'P0', price: { amount: 999, currency: 'EUR' } });
    await waitFor('next change', () => journal!.syncState().changeCursor === 33);
    expect(journal!.getPrice('P0')).toMatchObject({ price: { amount: 999 } });
  });

  it('passes hub alerts on', async () => {
    const c = makeClient();
    const alerts: Alert[] = [];
    c.on('alert', (a) => alerts.push(a));
    c.start();
    await waitFor('connected', () => c.status.connected);
    hub!.io.to('store:S1').emit('alert', { kind: 'oversell', store_id: 'S1', message: 'A below zero', data: { sku: 'A' }, created_at: new Date().toISOString() });
    hub!.io.to('store:S1').emit('alert', { kind: 'nonsense' });
    await waitFor('alert', () => alerts.length === 1);
    expect(alerts[0]).toMatchObject({ kind: 'oversell' });
  });
});
