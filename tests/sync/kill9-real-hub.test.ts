import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOURNAL_SCHEMA_VERSION, type JournalEvent } from '../../src/core/protocol';
import { openDb, type Db } from '../../src/hub';
import { REPO, killAllChildren, prepareChild, removeChildBundle, runChild, type ChildRun } from './child-process';
import { tempDir, waitFor } from './helpers';
import { runKillScenario } from './kill-harness';

// kill -9 the register mid-sale and mid-sync against the REAL hub (src/hub on PGlite), run
// in its own process so this test process stays free to kill on time. At the end the hub is
// stopped and its database opened here to compare chains.
// SYNC_KILLS_REAL_HUB sets the count (default 50); SYNC_KILL_SEED replays a run.

const KILLS = Number(process.env.SYNC_KILLS_REAL_HUB ?? 50);
const SEED = Number(process.env.SYNC_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ADMIN = `admin-${randomUUID()}`;
const STORE = 'RK1';

let tmp: ReturnType<typeof tempDir>;
let hubProc: ChildRun | null = null;
let url = '';
let entry: string[];
let db: Db | null = null;

async function stopHub(): Promise<void> {
  if (!hubProc) return;
  const p = hubProc;
  hubProc = null;
  p.proc.kill('SIGTERM');
  const killer = setTimeout(() => p.proc.kill('SIGKILL'), 30_000);
  await p.exited;
  clearTimeout(killer);
}

beforeAll(async () => {
  tmp = tempDir('tillstream-kill9-realhub-');
  hubProc = runChild([path.join(REPO, 'bin/run-ts.mjs'), path.join(REPO, 'tests/sync/fixtures/real-hub-server.ts')], [path.join(tmp.dir, 'pgdata'), ADMIN, STORE]);
  await waitFor('hub listening', () => hubProc!.lines.some((l) => l.startsWith('URL ')), 120_000, 50);
  url = hubProc.lines.find((l) => l.startsWith('URL '))!.slice(4);
  entry = await prepareChild();
}, 180_000);

afterAll(async () => {
  killAllChildren();
  await db?.close();
  await stopHub();
  if (entry) removeChildBundle(entry);
  tmp?.cleanup();
}, 60_000);

async function api(method: string, route: string, body: unknown, token: string | null): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

it(`survives ${KILLS} kill -9s of the register mid-sale and mid-sync (real hub, own process)`, { timeout: 400_000 }, async () => {
  const { code } = (await api('POST', '/api/enrollment-codes', { store_id: STORE, terminal_id: 'RK1-T1' }, ADMIN)) as { code: string };
  const cred = (await api('POST', '/api/enroll', { code }, null)) as { token: string; store_id: string; terminal_id: string };
  await runKillScenario(
    {
      name: 'real hub (PGlite, own process)', url, token: cred.token, terminal_id: cred.terminal_id, store_id: cred.store_id,
      // Read after the hub has stopped: its data folder opened here.
      events: async () => {
        await stopHub();
        db = await openDb({ dataDir: path.join(tmp.dir, 'pgdata') });
        const applied = await db.query<{ terminal_id: string; store_id: string; seq: string | number; event_id: string; type: string; occurred_at: Date | string; payload: Record<string, unknown>; prev_hash: string; hash: string }>(
          `SELECT terminal_id, store_id, seq, event_id, type, occurred_at, payload, prev_hash, hash FROM journal_events WHERE terminal_id = $1 ORDER BY seq`,
          [cred.terminal_id],
        );
        const rejected = await db.query<{ event: JournalEvent }>(`SELECT event FROM event_rejections WHERE terminal_id = $1 ORDER BY seq`, [cred.terminal_id]);
        return [
          ...applied.rows.map((r) => ({
            version: JOURNAL_SCHEMA_VERSION as typeof JOURNAL_SCHEMA_VERSION, terminal_id: r.terminal_id, store_id: r.store_id, seq: Number(r.seq), event_id: r.event_id, type: r.type,
            occurred_at: new Date(r.occurred_at).toISOString(), payload: r.payload, prev_hash: r.prev_hash, hash: r.hash, status: 'applied' as const,
          })),
          ...rejected.rows.map((r) => ({ ...r.event, status: 'rejected' as const })),
        ].sort((a, b) => a.seq - b.seq);
      },
    },
    entry, tmp.dir, KILLS, SEED,
  );
});
