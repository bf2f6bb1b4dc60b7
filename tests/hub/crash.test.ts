import { afterAll, describe, expect, it } from 'vitest';
import type { Loose } from '../../src/hub/testing/loose';
import { openDb } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { checkInvariants, enrollRegister, seedStore } from '../../src/hub/testing/hub-fixture';
import { spawnHub, type ChildHub } from '../../src/hub/testing/spawn-hub';
import type { RegisterSim } from '../../src/hub/testing/register-sim';

// A hub process SIGKILLed after committing a batch and before acking it: the register never
// got the ack, resends everything, and the restarted hub applies each seq exactly once.

const OPENING = { S: { A: 1000, B: 1000 } };

describe.each(testBackends())('hub killed between commit and ack on $name', (backend) => {
  const scratch = scratchDb(backend, 'crash');
  const { dbOpts } = scratch;
  const children: ChildHub[] = [];
  let reg: RegisterSim | null = null;
  afterAll(async () => {
    reg?.close();
    for (const c of children) await c.stop().catch(() => undefined);
    await scratch.dispose();
  });

  it('ends with every seq applied once, a zero trial balance and consistent stock', { timeout: 240_000 }, async () => {
    // Set up with the database to ourselves (PGlite is single-process), then hand it to the hub.
    let db = await openDb(dbOpts);
    await migrate(db);
    await seedStore(db, 'S', OPENING.S);
    reg = await enrollRegister(db, 'S', 'S-1');
    await db.close();

    const events = Array.from({ length: 30 }, (_, i) => reg!.sell([{ sku: i % 2 ? 'A' : 'B', units: 1 + (i % 4), unit_price: 250 }]));
    const first = await spawnHub({ ...dbOpts, crash_after_through: 20 });
    children.push(first);
    await reg.connect(first.url);
    expect(await reg.push(events.slice(0, 10))).toEqual({ ok: true, applied_through: 10, rejected: [] });
    // This batch commits, then the hub dies before acking.
    await expect(reg.push(events.slice(10, 20), 10_000)).rejects.toThrow();
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    reg.close();

    const second = await spawnHub(dbOpts);
    children.push(second);
    await reg.connect(second.url);
    const hello = await reg.hello();
    expect(hello.applied_through).toBe(20); // the commit survived the kill
    expect(hello.applied_hash).toBe(events[19]!.hash);
    // The register did not see the ack, so it resends from what it knew (11..), overlapping.
    expect(await reg.push(events.slice(10, 30))).toEqual({ ok: true, applied_through: 30, rejected: [] });
    expect(await reg.push(events)).toEqual({ ok: true, applied_through: 30, rejected: [] });
    reg.close();
    await second.stop();

    db = await openDb(dbOpts);
    try {
      const { rows } = await db.query<{ n: number; distinct_seq: number; max: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct_seq, max(seq)::int AS max FROM journal_events WHERE terminal_id = 'S-1'`,
      );
      expect(rows[0]).toEqual({ n: 30, distinct_seq: 30, max: 30 });
      const entries = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_entries`);
      expect(entries.rows[0]!.n).toBe(30);
      const inv = await checkInvariants(db, OPENING);
      expect(inv.balanced).toBe(true);
      expect(inv.mismatches).toEqual([]);
      const soldA = events.filter((_, i) => i % 2).reduce((s, e) => s + (e.payload as Loose).lines[0].quantity.units, 0);
      expect(inv.stock.S!.A).toBe(1000 - soldA);
    } finally {
      await db.close();
    }
  });
});
