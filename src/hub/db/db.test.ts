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

  const entry = async (tx: { query: (s: string, p?: unknown[]) => Promise<unknown> }) => {
    const id = `e-${Math.random()}`;
    await tx.query(`INSERT INTO ledger_entries (entry_id, event_type, date) VALUES ($1, 'test', '2026-01-01')`, [id]);
    return id;
  };
  const lineCount = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_lines`)).rows[0]!.n;

  it('refuses an unbalanced ledger entry: it never commits', async () => {
    const before = await lineCount();
    await expect(
      t.db.transaction(async (tx) => {
        const id = await entry(tx);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'assets:cash', 'EUR', 100, 0), ($1, 1, 'income:sales', 'EUR', 0, 99)`, [id]);
      }),
    ).rejects.toThrow(/does not balance in EUR: debits 100 <> credits 99/);
    expect(await lineCount()).toBe(before);
  });

  it('accepts a balanced entry per currency, refuses one balanced only across currencies', async () => {
    await t.db.transaction(async (tx) => {
      const id = await entry(tx);
      await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'a', 'EUR', 100, 0), ($1, 1, 'b', 'EUR', 0, 60), ($1, 2, 'c', 'EUR', 0, 40)`, [id]);
    });
    await expect(
      t.db.transaction(async (tx) => {
        const id = await entry(tx);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'a', 'EUR', 100, 0), ($1, 1, 'b', 'USD', 0, 100)`, [id]);
      }),
    ).rejects.toThrow(/does not balance/);
  });

  it('refuses one unbalanced entry among balanced ones in a multi-entry statement (as ingest and the history import write)', async () => {
    const before = await lineCount();
    await expect(
      t.db.transaction(async (tx) => {
        const a = await entry(tx), b = await entry(tx), c = await entry(tx);
        const lines = [a, b, c].flatMap((id, k) => [
          { entry_id: id, line_no: 0, account: 'a', currency: 'EUR', debit: 100, credit: 0 },
          { entry_id: id, line_no: 1, account: 'b', currency: 'EUR', debit: 0, credit: k === 1 ? 99 : 100 },
        ]);
        await tx.query(
          `INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit)
           SELECT x.entry_id, x.line_no, x.account, x.currency, x.debit, x.credit FROM jsonb_to_recordset($1::jsonb) AS x(entry_id text, line_no int, account text, currency text, debit bigint, credit bigint)`,
          [JSON.stringify(lines)],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    expect(await lineCount()).toBe(before);
  });

  it('refuses lines added to an entry after the statement that wrote it: in the same transaction or a later one, balanced or not', async () => {
    let old = '';
    await t.db.transaction(async (tx) => {
      old = await entry(tx);
      await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'a', 'EUR', 100, 0), ($1, 1, 'b', 'EUR', 0, 100)`, [old]);
    });
    const before = await lineCount();
    // A later transaction: a balanced pair, and a lone line, appended to the committed entry.
    await expect(t.db.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 2, 'a', 'EUR', 5, 0), ($1, 3, 'b', 'EUR', 0, 5)`, [old])).rejects.toThrow(/without its line 0/);
    await expect(t.db.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 2, 'a', 'EUR', 5, 0)`, [old])).rejects.toThrow(/without its line 0/);
    // Another line 0 for it: the unique key refuses it.
    await expect(t.db.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'a', 'EUR', 5, 0), ($1, 9, 'b', 'EUR', 0, 5)`, [old])).rejects.toThrow(/duplicate key|unique/);
    // The same transaction, a second statement.
    await expect(
      t.db.transaction(async (tx) => {
        const id = await entry(tx);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 0, 'a', 'EUR', 100, 0), ($1, 1, 'b', 'EUR', 0, 100)`, [id]);
        await tx.query(`INSERT INTO ledger_lines (entry_id, line_no, account, currency, debit, credit) VALUES ($1, 2, 'a', 'EUR', 0, 7)`, [id]);
      }),
    ).rejects.toThrow(/without its line 0/);
    expect(await lineCount()).toBe(before);
  });

  it("runs a transaction's first statement inside it (on a server BEGIN goes out with that statement, pipelined)", async () => {
    const stores = async () => (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM stores WHERE store_id LIKE 'TX-%'`)).rows[0]!.n;
    // The first statement's write is undone with the transaction.
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query(`INSERT INTO stores (store_id, name, currency) VALUES ('TX-1', 'x', 'EUR')`);
        throw new Error('after the first statement');
      }),
    ).rejects.toThrow('after the first statement');
    expect(await stores()).toBe(0);
    // First and later statements see one transaction; a first statement refused rolls back and leaves the connection usable.
    const ids = await t.db.transaction(async (tx) => {
      const a = await tx.query<{ x: string }>(`SELECT txid_current()::text AS x`);
      await tx.query(`INSERT INTO stores (store_id, name, currency) VALUES ('TX-2', 'x', 'EUR')`);
      const b = await tx.query<{ x: string }>(`SELECT txid_current()::text AS x`);
      return [a.rows[0]!.x, b.rows[0]!.x];
    });
    expect(ids[0]).toBe(ids[1]);
    await expect(t.db.transaction((tx) => tx.query(`INSERT INTO stores (store_id, name, currency) VALUES ('TX-2', 'x', 'EUR')`))).rejects.toThrow(/duplicate key|unique/);
    // Statements sent at once (not awaited one by one) are all in the transaction, in order.
    await t.db.transaction(async (tx) => {
      await Promise.all([3, 4, 5].map((i) => tx.query(`INSERT INTO stores (store_id, name, currency) VALUES ($1, 'x', 'EUR')`, [`TX-${i}`])));
    });
    // A transaction that runs no statement commits; the next one works.
    expect(await t.db.transaction(async () => 'none')).toBe('none');
    expect(await stores()).toBe(4);
    await t.db.query(`DELETE FROM stores WHERE store_id LIKE 'TX-%'`);
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
