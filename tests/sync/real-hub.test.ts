import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_SCHEMA_VERSION, verifyChain, type JournalEvent } from '../../src/core/protocol';
import { adjustStock, createStore, startHub, type HubHandle } from '../../src/hub';
import { SyncClient, openJournal, type PriceChanged, type SyncClientOptions } from '../../src/sync';
import { saleCompletedPayload } from './fixtures/sale-payload';
import { tempDir, waitFor } from './helpers';

// The register side (src/sync) against the REAL hub (src/hub, PGlite in a data folder),
// started in-process on a loopback port: enrollment over HTTP, uplink exactly once with
// the ledger and stock posted by the hub, stock and price changes back down, a permanent
// rejection, a revoked credential. (kill -9 against the real hub: kill9-real-hub.test.ts.)

const ADMIN = `admin-${randomUUID()}`;
const STORE = 'RH1';

let tmp: ReturnType<typeof tempDir>;
let hub: HubHandle;

async function api(method: string, route: string, body?: unknown, token: string | null = ADMIN): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${hub.url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Store IT's enrollment: a code from HQ, redeemed once by the register for its own credential. */
async function enroll(terminalId: string): Promise<{ token: string; store_id: string; terminal_id: string }> {
  const code = await api('POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: terminalId });
  expect(code.status, JSON.stringify(code.body)).toBeLessThan(300);
  const r = await api('POST', '/api/enroll', { code: code.body.code }, null);
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body as { token: string; store_id: string; terminal_id: string };
}

async function hubEvents(terminalId: string): Promise<(JournalEvent & { status: 'applied' | 'rejected' })[]> {
  const applied = await hub.db.query<{ terminal_id: string; store_id: string; seq: string | number; event_id: string; type: string; occurred_at: Date | string; payload: Record<string, unknown>; prev_hash: string; hash: string }>(
    `SELECT terminal_id, store_id, seq, event_id, type, occurred_at, payload, prev_hash, hash FROM journal_events WHERE terminal_id = $1 ORDER BY seq`,
    [terminalId],
  );
  const rejected = await hub.db.query<{ event: JournalEvent }>(`SELECT event FROM event_rejections WHERE terminal_id = $1 ORDER BY seq`, [terminalId]);
  const out = [
    ...applied.rows.map((r) => ({
      version: JOURNAL_SCHEMA_VERSION as typeof JOURNAL_SCHEMA_VERSION, terminal_id: r.terminal_id, store_id: r.store_id, seq: Number(r.seq), event_id: r.event_id, type: r.type,
      occurred_at: new Date(r.occurred_at).toISOString(), payload: r.payload, prev_hash: r.prev_hash, hash: r.hash, status: 'applied' as const,
    })),
    ...rejected.rows.map((r) => ({ ...r.event, status: 'rejected' as const })),
  ];
  return out.sort((a, b) => a.seq - b.seq);
}

async function hubStock(sku: string): Promise<number> {
  const r = await api('GET', `/api/stock?store_id=${STORE}`);
  const row = (r.body.stock as { sku: string; on_hand: { units: number; scale: number } }[]).find((s) => s.sku === sku);
  return row ? row.on_hand.units : NaN;
}

beforeAll(async () => {
  tmp = tempDir('tillstream-realhub-');
  hub = await startHub({ dataDir: path.join(tmp.dir, 'pgdata'), port: 0, host: '127.0.0.1', logLevel: 'silent', adminToken: ADMIN, schedulerIntervalMs: 100 });
  await createStore(hub.db, { store_id: STORE, name: 'Real hub store', currency: 'USD' });
  await hub.db.transaction((tx) => adjustStock(tx, { store_id: STORE, reason: 'opening', items: [{ sku: 'SKU1', quantity: { units: 1000, scale: 0 } }] }));
}, 180_000);

afterAll(async () => {
  await hub?.close();
  tmp?.cleanup();
});

describe('register sync against the real hub (PGlite)', () => {
  it('enrolls, sends sales exactly once, and gets stock, price and rejection feedback', { timeout: 120_000 }, async () => {
    const cred = await enroll('RH1-T1');
    const journal = openJournal(path.join(tmp.dir, 'r1.db'), { terminalId: cred.terminal_id, storeId: cred.store_id });
    const opts: SyncClientOptions = { journal, url: hub.url, token: cred.token, appVersion: 'test', monitorIntervalMs: 100, backoff: { baseMs: 20, maxMs: 300 } };
    const client = new SyncClient(opts);
    const prices: PriceChanged[] = [];
    client.on('price-changed', (p) => prices.push(p));
    try {
      client.start();
      // New register: the hub says take a snapshot; the opening stock comes with it.
      await waitFor('snapshot with opening stock', () => journal.getStockLevel('SKU1')?.units === 1000, 30_000);

      let sold = 0;
      for (let i = 0; i < 30; i++) {
        const qty = 1 + (i % 3);
        sold += qty;
        journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'SKU1', qty, price: 250 }] }, STORE, cred.terminal_id, new Date().toISOString()));
      }
      // Before the hub hears of them the register counts its own movements.
      expect(journal.getStockLevel('SKU1')?.units).toBeLessThanOrEqual(1000);
      await waitFor('synced', () => client.status.unsyncedCount === 0, 60_000);
      const evs = await hubEvents(cred.terminal_id);
      expect(evs.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
      expect(verifyChain(evs)).toBeNull();
      expect(evs.map((e) => e.hash)).toEqual(journal.eventsAfter(0, 100).map((e) => e.hash));
      expect(await hubStock('SKU1')).toBe(1000 - sold);
      await waitFor('hub stock figure applied', () => journal.getStockLevel('SKU1')?.units === 1000 - sold, 30_000);

      // A price change from HQ reaches the register without a restart.
      const pr = await api('POST', '/api/prices', { target: { store_ids: [STORE] }, prices: [{ sku: 'SKU1', amount: 777 }] });
      expect(pr.status, JSON.stringify(pr.body)).toBeLessThan(300);
      await waitFor('price change', () => journal.getPrice('SKU1')?.amount === 777, 30_000);
      expect(prices.some((p) => !p.snapshot && p.changes.some((c) => c.kind === 'price'))).toBe(true);

      // A sale the hub cannot post is rejected for good; the sale behind it still goes through.
      const bad = journal.appendUnchecked('sale.completed', { sale_id: randomUUID(), store_id: STORE, terminal_id: cred.terminal_id, lines: 'not lines' });
      journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'SKU1', qty: 1, price: 250 }] }, STORE, cred.terminal_id, new Date().toISOString()));
      await waitFor('synced past the rejection', () => client.status.unsyncedCount === 0, 60_000);
      expect(journal.rejections()).toMatchObject([{ seq: bad.seq }]);
      expect(client.status.rejectedCount).toBe(1);
      const after = await hubEvents(cred.terminal_id);
      expect(after.map((e) => [e.seq, e.status]).slice(-2)).toEqual([[31, 'rejected'], [32, 'applied']]);
    } finally {
      client.stop();
      journal.close();
    }
  });

  it('a second enrollment of the same terminal revokes the first credential', { timeout: 60_000 }, async () => {
    const first = await enroll('RH1-T3');
    await enroll('RH1-T3');
    const journal = openJournal(path.join(tmp.dir, 'r3.db'), { terminalId: 'RH1-T3', storeId: STORE });
    const client = new SyncClient({ journal, url: hub.url, token: first.token, appVersion: 'test', monitorIntervalMs: 100, backoff: { baseMs: 20, maxMs: 100 } });
    try {
      client.start();
      await waitFor('refused', () => client.status.lastError !== null, 30_000);
      expect(client.status.lastError).toMatch(/UNAUTHORIZED/);
      expect(client.status.connected).toBe(false);
    } finally {
      client.stop();
      journal.close();
    }
  });
});
