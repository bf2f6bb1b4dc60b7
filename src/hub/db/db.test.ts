import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate';
import { openTestDb, testBackends, type TestDb } from '../testing/test-db';

describe.each(testBackends())('hub schema on $name', (backend) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await t.db.query(`INSERT INTO stores (store_id, name, currency) VALUES ('S1', 'One', 'EUR')`);
  });
  afterAll(async () => t?.dispose());

  it('applies migrations once', async () => {
    expect(await migrate(t.db)).toEqual([]);
  });

  it('refuses a database whose migration of the same number had another name', async () => {
    const { rows } = await t.db.query<{ name: string }>(`SELECT name FROM schema_migrations WHERE id = 2`);
    await t.db.query(`UPDATE schema_migrations SET name = '002_from_another_branch.sql' WHERE id = 2`);
    try {
      await expect(migrate(t.db)).rejects.toThrow(/migration 002: this database applied 002_from_another_branch.sql, this hub has 002_/);
    } finally {
      await t.db.query(`UPDATE schema_migrations SET name = $1 WHERE id = 2`, [rows[0]!.name]);
    }
    expect(await migrate(t.db)).toEqual([]);
  });

  it('refuses an unbalanced ledger entry at commit', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        const id = `e-${Math.random()}`;
        await tx.query(`INSERT INTO ledger_entries (entry_id, event_type, date) VALUES ($1, 'test', '2026-01-01')`, [id]);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit) VALUES ($1, 0, 'assets:cash', 'EUR', 100)`, [id]);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, credit) VALUES ($1, 1, 'income:sales', 'EUR', 99)`, [id]);
      }),
    ).rejects.toThrow(/does not balance/);
    const { rows } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_lines`);
    expect(rows[0]!.n).toBe(0);
  });

  it('accepts a balanced entry per currency, refuses one balanced only across currencies', async () => {
    await t.db.transaction(async (tx) => {
      const id = `e-${Math.random()}`;
      await tx.query(`INSERT INTO ledger_entries (entry_id, event_type, date) VALUES ($1, 'test', '2026-01-01')`, [id]);
      await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit) VALUES ($1, 0, 'a', 'EUR', 100)`, [id]);
      await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, credit) VALUES ($1, 1, 'b', 'EUR', 60), ($1, 2, 'c', 'EUR', 40)`, [id]);
    });
    await expect(
      t.db.transaction(async (tx) => {
        const id = `e-${Math.random()}`;
        await tx.query(`INSERT INTO ledger_entries (entry_id, event_type, date) VALUES ($1, 'test', '2026-01-01')`, [id]);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit) VALUES ($1, 0, 'a', 'EUR', 100)`, [id]);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, credit) VALUES ($1, 1, 'b', 'USD', 100)`, [id]);
      }),
    ).rejects.toThrow(/does not balance/);
  });

  it('refuses UPDATE and DELETE of ledger lines', async () => {
    await expect(t.db.query(`UPDATE ledger_lines SET debit = debit + 1 WHERE debit > 0`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM ledger_lines`)).rejects.toThrow(/append-only/);
  });

  it('refuses UPDATE and DELETE of journal events', async () => {
    await t.db.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ('T1', 'S1')`);
    await t.db.query(
      `INSERT INTO journal_events (terminal_id, seq, event_id, store_id, type, occurred_at, payload, prev_hash, hash)
       VALUES ('T1', 1, gen_random_uuid(), 'S1', 'x.y', now(), '{}', 'p', 'h')`,
    );
    await expect(t.db.query(`UPDATE journal_events SET payload = '{"a":1}'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM journal_events`)).rejects.toThrow(/append-only/);
  });
});
