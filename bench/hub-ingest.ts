// Hub ingest throughput: registers push sale events over loopback socket.io (real sockets,
// websocket transport) into a hub on PGlite, and on Postgres when DATABASE_URL is set.
// Prints events/second per backend. Usage: node bin/run-ts.mjs bench/hub-ingest.ts [events-per-register]
import { openDb } from '../src/hub/db/db';
import { migrate } from '../src/hub/db/migrate';
import { randomSchema } from '../src/hub/testing/test-db';
import { enrollRegister, seedStore, startTestHub, checkInvariants } from '../src/hub/testing/hub-fixture';

const REGISTERS = 4;
const PER_REGISTER = Number(process.argv[2] ?? 500);
const BATCH = 50;
const SKUS = Array.from({ length: 20 }, (_, i) => `SKU-${i}`);

async function run(name: string, opts: { databaseUrl?: string }) {
  const schema = randomSchema();
  const db = await openDb({ ...opts, schema });
  try {
    await migrate(db);
    const opening = Object.fromEntries(SKUS.map((s) => [s, 1_000_000]));
    await seedStore(db, 'BENCH', opening);
    const hub = await startTestHub(db);
    const regs = [];
    for (let i = 0; i < REGISTERS; i++) {
      const r = await enrollRegister(db, 'BENCH', `BENCH-${i}`);
      await r.connect(hub.url);
      for (let n = 0; n < PER_REGISTER; n++) r.sell([{ sku: SKUS[(n * 7 + i) % SKUS.length]!, units: 1, unit_price: 199 }, { sku: SKUS[(n * 3 + i) % SKUS.length]!, units: 2, unit_price: 99 }]);
      regs.push(r);
    }
    const t0 = performance.now();
    await Promise.all(
      regs.map(async (r) => {
        for (let i = 0; i < r.journal.length; i += BATCH) {
          const ack = await r.push(r.journal.slice(i, i + BATCH), 120_000);
          if (!ack.ok || ack.rejected.length) throw new Error(`bench push failed: ${JSON.stringify(ack).slice(0, 300)}`);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    const total = REGISTERS * PER_REGISTER;
    const inv = await checkInvariants(db, { BENCH: opening });
    if (!inv.balanced || inv.mismatches.length) throw new Error('invariants broken after bench');
    console.log(`${name.padEnd(8)} ${total} events (${REGISTERS} registers, batches of ${BATCH}, 2 lines each): ${secs.toFixed(2)} s, ${(total / secs).toFixed(0)} events/s`);
    for (const r of regs) r.close();
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
