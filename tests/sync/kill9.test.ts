import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { killAllChildren, prepareChild, removeChildBundle } from './child-process';
import { runKillScenario } from './kill-harness';
import { tempDir } from './helpers';
import { startTestHub, type TestHub } from './test-hub';

// kill -9 the register 50 times mid-sale and mid-sync against the test hub (SQLite file).
// Replay a failure with SYNC_KILL_SEED=<seed printed>; SYNC_KILLS sets the count.

const KILLS = Number(process.env.SYNC_KILLS ?? 50);
const SEED = Number(process.env.SYNC_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
const T = { token: 'tok-K1', terminal_id: 'K1', store_id: 'S1' };

let tmp: ReturnType<typeof tempDir>;
let hub: TestHub;
let entry: string[];

beforeAll(async () => {
  tmp = tempDir('tillstream-kill9-');
  hub = await startTestHub({ terminals: [T], dbPath: path.join(tmp.dir, 'hub.db') });
  entry = await prepareChild();
});
afterAll(async () => {
  killAllChildren();
  await hub?.close();
  if (entry) removeChildBundle(entry);
  tmp?.cleanup();
});

it(`survives ${KILLS} kill -9s of the register mid-sale and mid-sync (test hub)`, { timeout: 240_000 }, async () => {
  await runKillScenario(
    { name: 'test hub', url: hub.url, token: T.token, terminal_id: T.terminal_id, store_id: T.store_id, events: async () => hub.events(T.terminal_id).map((e) => ({ ...e, status: e.status as 'applied' | 'rejected' })) },
    entry, tmp.dir, KILLS, SEED,
  );
});
