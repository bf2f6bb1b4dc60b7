import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { api, seedStore, startTestHub } from '../../src/hub/testing/hub-fixture';
import { SyncClient, openJournal } from '../../src/sync';
import { saleCompletedPayload } from '../sync/fixtures/sale-payload';
import { waitFor } from '../sync/helpers';
import { pruneSyncAudit } from '../../src/hub/integrity/audit-log';

// The sync audit log (issue 15): a real register (src/sync journal + SyncClient) against the
// real hub goes offline, sells, comes back and catches up in several pushes, one event of which
// the hub rejects. The log shows all of it, in order, over the HTTP API and in
// `tillstream audit log` (run as a child process on the stopped hub's database).

const ROOT = path.resolve(__dirname, '../..');
const STORE = 'AUD';

describe.each(testBackends())('sync audit log on $name', (backend) => {
  const scratch = scratchDb(backend, 'audit');
  const { dir, dbOpts } = scratch;
  afterAll(async () => {
    await scratch.dispose();
  });

  it('shows an offline period, the catch-up pushes and a rejection in order; retention prunes', { timeout: 240_000 }, async () => {
    const db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, STORE, { A: 100 });
    const hub = await startTestHub(db);
    const journal = openJournal(path.join(dir, 'reg.db'), { terminalId: 'AUD-1', storeId: STORE });
    let client: SyncClient | null = null;
    try {
      const code = await api(hub, 'POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: 'AUD-1' });
      const enrolled = await api(hub, 'POST', '/api/enroll', { code: code.body.code }, '');
      expect(enrolled.status).toBe(201);
      const sell = () =>
        journal.append('sale.completed', saleCompletedPayload({ sale_id: randomUUID(), lines: [{ sku: 'A', qty: 1, price: 300 }] }, STORE, 'AUD-1', new Date().toISOString()));
      // Batches of two events, so the catch-up takes several pushes.
      client = new SyncClient({ journal, url: hub.url, token: enrolled.body.token, appVersion: 'audit-test', monitorIntervalMs: 50, batchSize: 2, backoff: { baseMs: 20, maxMs: 200 } });
      client.start();
      sell();
      sell();
      await waitFor('first two synced', () => client!.status.unsyncedCount === 0 && client!.status.connected, 60_000);

      // Offline: the register keeps selling; one event the hub cannot post.
      client.stop();
      await new Promise((r) => setTimeout(r, 300));
      const offlineAt = new Date().toISOString();
      sell();
      sell();
      const bad = journal.appendUnchecked('sale.completed', { sale_id: randomUUID(), store_id: STORE, terminal_id: 'AUD-1', lines: 'not lines' });
      sell();
      expect(bad.seq).toBe(5);
      client.start();
      await waitFor('caught up', () => client!.status.unsyncedCount === 0 && client!.status.appliedThrough === 6, 60_000);
      client.stop();

      let rows: Array<Record<string, unknown>> = [];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const r = await api(hub, 'GET', '/api/terminals/AUD-1/sync-audit?limit=1000');
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        rows = r.body.rows;
        if (rows.filter((x) => x.kind === 'disconnect').length >= 2) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      const line = (r: Record<string, unknown>) =>
        r.kind === 'push' ? `push ${r.first_seq}-${r.last_seq}` : r.kind === 'ack' ? `ack ${r.applied_through}` : r.kind === 'rejection' ? `rejection ${r.first_seq} ${r.code}` : r.kind === 'hello' ? `hello ${r.applied_through}` : String(r.kind);
      // The uplink's story; downlink requests (changes.pull, snapshot.get) are not audited unless refused.
      expect(rows.map(line)).toEqual([
        'connect', 'hello 0', 'push 1-2', 'ack 2', 'disconnect',
        // the offline period is the gap between that disconnect and this connect
        'connect', 'hello 2', 'push 3-4', 'ack 4', 'push 5-6', 'ack 6', 'rejection 5 INVALID_PAYLOAD', 'disconnect',
      ]);
      const ids = rows.map((r) => Number(r.audit_id));
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const push = rows.find((r) => r.kind === 'push' && r.first_seq === 3)!;
      expect(push.events).toBe(2);
      expect(Number(push.bytes)).toBeGreaterThan(500);
      expect(push.duration_ms).toBeGreaterThanOrEqual(0);
      const secondConnect = rows.filter((r) => r.kind === 'connect')[1]!;
      expect(Date.parse(String(secondConnect.at))).toBeGreaterThan(Date.parse(offlineAt));

      // Paged by time: nothing before the offline moment but the second session.
      const since = await api(hub, 'GET', `/api/terminals/AUD-1/sync-audit?from=${encodeURIComponent(offlineAt)}`);
      expect(since.body.rows.map((r: Record<string, unknown>) => r.kind)[0]).toBe('connect');
      expect((await api(hub, 'GET', '/api/terminals/NOPE/sync-audit')).status).toBe(404);
    } finally {
      client?.stop();
      journal.close();
      await hub.close();
    }

    // Retention: at most N rows per terminal, newest kept.
    const before = Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM sync_audit WHERE terminal_id = 'AUD-1'`)).rows[0]!.n);
    await db.query(`INSERT INTO sync_audit (terminal_id, store_id, at, kind) SELECT 'OLD-1', $1, now() - interval '40 days', 'connect' FROM generate_series(1, 3)`, [STORE]);
    expect(await pruneSyncAudit(db, { maxRowsPerTerminal: before - 2, maxAgeDays: 30 })).toBe(3 + 2);
    await db.close();

    const configFile = path.join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify(dbOpts));
    const r = spawnSync(process.execPath, ['bin/tillstream.mjs', 'audit', 'log', '--terminal', 'AUD-1', '--config', configFile], {
      cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, DATABASE_URL: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const kinds = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[1]);
    expect(kinds.slice(-8)).toEqual(['connect', 'hello', 'push', 'ack', 'push', 'ack', 'rejection', 'disconnect']);
    expect(r.stdout).toMatch(/rejection\s+seq 5\s+INVALID_PAYLOAD/);
    expect(r.stdout).toMatch(/push\s+seq 3-4\s+2 events\s+\d+ bytes\s+\d+ ms/);
  });
});
