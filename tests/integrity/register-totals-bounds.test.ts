import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/hub/db/db';
import { migrate } from '../../src/hub/db/migrate';
import { scratchDb, testBackends } from '../../src/hub/testing/test-db';
import { seedStore } from '../../src/hub/testing/hub-fixture';
import { MAX_TOTALS_ROWS_PER_TERMINAL, checkTotalsReport } from '../../src/hub/integrity/register-totals';
import { openShift, shiftTotals } from '../../src/core/shift';
import type { TotalsReport } from '../../src/core/protocol';

// The bounds of a register's totals reports (docs/sync-protocol.md 4.4b): the rows a terminal
// can make the hub keep are capped, and checking a report never waits on the terminal's row,
// which ingest holds while it applies that register's batches.

const STORE = 'TB';
const TERMINAL = 'TB-1';
const who = { terminal_id: TERMINAL, store_id: STORE };

function report(shiftId: string, throughSeq: number): TotalsReport {
  const { state } = openShift({ shift_id: shiftId, store_id: STORE, terminal_id: TERMINAL, cashier_id: 'c1', currency: 'USD', opening_float: 0, opened_at: new Date().toISOString() });
  return { terminal_id: TERMINAL, shift_id: shiftId, currency: 'USD', through_seq: throughSeq, head_hash: '0'.repeat(64), totals: shiftTotals(state) };
}

describe.each(testBackends())('register totals bounds on $name', (backend) => {
  const scratch = scratchDb(backend, 'totals-bounds');
  let db: Db;
  afterAll(async () => {
    await db?.close();
    await scratch.dispose();
  });

  it(`keeps at most ${MAX_TOTALS_ROWS_PER_TERMINAL} report rows a terminal, the newest`, { timeout: 180_000 }, async () => {
    db = await openDb(scratch.dbOpts);
    await migrate(db);
    await seedStore(db, STORE, {});
    await db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2)`, [TERMINAL, STORE]);
    const shifts = Array.from({ length: MAX_TOTALS_ROWS_PER_TERMINAL + 5 }, () => randomUUID());
    for (const s of shifts) {
      // Ahead of the hub's mark (0): each report is pending and leaves a row.
      const v = await checkTotalsReport(db, who, report(s, 1));
      expect(v.ack.status).toBe('pending');
    }
    const { rows } = await db.query<{ shift_id: string }>(`SELECT shift_id FROM register_totals WHERE terminal_id = $1`, [TERMINAL]);
    expect(rows).toHaveLength(MAX_TOTALS_ROWS_PER_TERMINAL);
    const kept = new Set(rows.map((r) => r.shift_id));
    expect(shifts.slice(0, 5).some((s) => kept.has(s))).toBe(false);
    expect(shifts.slice(5).every((s) => kept.has(s))).toBe(true);
  });

  it('an older report of a shift reaching the hub after a newer one changes nothing', async () => {
    const shift = randomUUID();
    await checkTotalsReport(db, who, report(shift, 5));
    const before = await db.query(`SELECT through_seq, reported_at FROM register_totals WHERE terminal_id = $1 AND shift_id = $2`, [TERMINAL, shift]);
    const late = await checkTotalsReport(db, who, report(shift, 4));
    expect(late.alerts).toEqual([]);
    const after = await db.query(`SELECT through_seq, reported_at FROM register_totals WHERE terminal_id = $1 AND shift_id = $2`, [TERMINAL, shift]);
    expect(after.rows).toEqual(before.rows);
  });

  it.runIf(backend.databaseUrl)('a report is checked while ingest holds the terminal row', { timeout: 60_000 }, async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = db.transaction(async (tx) => {
      await tx.query(`UPDATE terminals SET applied_through = 3 WHERE terminal_id = $1`, [TERMINAL]);
      locked();
      await held;
    });
    await isLocked;
    try {
      // The hub's mark as committed is 0, so the report is pending; the point is that it answers at all.
      const verdict = await Promise.race([
        checkTotalsReport(db, who, report(randomUUID(), 1)).then((v) => v.ack.status),
        new Promise<string>((r) => setTimeout(() => r('blocked on the terminal row'), 20_000)),
      ]);
      expect(verdict).toBe('pending');
    } finally {
      release();
      await holder;
    }
  });
});
