// Hub bounds (issue 9.14): what a register can make the hub do with pushes it should not
// send. 1) A gap batch (500 events, ~0.9 MB, starting past the terminal's mark) is answered
// from one indexed read before it is parsed or hashed: its round trip is printed next to the
// floor of the same run, a `hello` round trip (one UPDATE + one read). 2) 30 such pushes sent
// at once by one register: the hub admits at most MAX_QUEUED_BATCHES_PER_TERMINAL and answers
// the rest BUSY before parsing them.
// Usage: node bin/run-ts.mjs bench/hub-bounds.ts   (PGlite; Postgres too with DATABASE_URL)
import { openDb } from '../src/hub/db/db';
import { migrate } from '../src/hub/db/migrate';
import { randomSchema } from '../src/hub/testing/test-db';
import { enrollRegister, seedStore, startTestHub } from '../src/hub/testing/hub-fixture';
import type { Loose } from '../src/hub/testing/loose';

const ROUNDS = 20;

async function mean(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t0) / n;
}

async function run(name: string, opts: { databaseUrl?: string }) {
  const schema = randomSchema();
  const db = await openDb({ ...opts, schema });
  try {
    await migrate(db);
    await seedStore(db, 'BB', { A: 1_000_000 });
    const hub = await startTestHub(db, { schedulerIntervalMs: 3_600_000 });
    const r = await enrollRegister(db, 'BB', 'BB-1');
    await r.connect(hub.url);
    for (let n = 0; n < 501; n++) r.sell(Array.from({ length: 8 }, (_, i) => ({ sku: 'A', units: 1 + i, unit_price: 100 + n })));
    const gap = r.journal.slice(1); // seqs 2..501, the hub is at 0
    const bytes = JSON.stringify(gap).length;
    const floor = await mean(ROUNDS, () => r.hello());
    const gapMs = await mean(ROUNDS, async () => {
      const ack: Loose = await r.push(gap, 120_000);
      if (!ack.ok || ack.applied_through !== 0) throw new Error(`gap push: ${JSON.stringify(ack).slice(0, 200)}`);
    });
    console.log(
      `${name.padEnd(8)} gap batch of ${gap.length} events (${(bytes / 1e6).toFixed(2)} MB): ${gapMs.toFixed(1)} ms per round trip; floor (hello) ${floor.toFixed(1)} ms; ratio ${(gapMs / floor).toFixed(2)}`,
    );

    const before = process.memoryUsage().rss;
    const acks: Loose[] = await Promise.all(Array.from({ length: 30 }, () => r.push(r.journal.slice(0, 500), 120_000)));
    const busy = acks.filter((a) => a.ok === false && a.error.code === 'BUSY').length;
    const admitted = acks.filter((a) => a.ok).length;
    console.log(
      `${name.padEnd(8)} 30 pushes of 500 events at once from one register: ${admitted} admitted, ${busy} answered BUSY; process RSS ${(before / 1e6).toFixed(0)} → ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB (clients and hub share this process)`,
    );
    r.close();
    await hub.close();
    if (opts.databaseUrl) await db.exec(`DROP SCHEMA ${schema} CASCADE`);
  } finally {
    await db.close();
  }
}

await run('pglite', {});
if (process.env.DATABASE_URL) await run('postgres', { databaseUrl: process.env.DATABASE_URL });
else console.log('postgres  skipped (set DATABASE_URL=postgres://… to measure)');
process.exit(0);
