-- The ledger balance check, once per INSERT statement instead of once per line at COMMIT.
-- Migration 001's deferred constraint trigger ran a grouped SUM over the entry's stored lines
-- for every line inserted (2-5 per sale): 1,000 calls and 33 ms of a 500-sale batch's 177 ms
-- rows statement on a quiet machine (EXPLAIN ANALYZE, bench/ingest-explain.ts), plus the
-- early `SET CONSTRAINTS ... IMMEDIATE` round trip ingest used to spend on it.
--
-- Every writer (hub ingest, books/ledger-write.ts, books/history/run.ts) inserts all the lines
-- of an entry in one statement, so the rule becomes: an INSERT into ledger_lines carries each
-- entry it touches whole. Checked on the statement's new rows only (a transition table, no
-- index lookups):
--   1. each entry in the statement has its line 0 in the statement. With UNIQUE (entry_id,
--      line_no) an entry's line 0 exists once, so lines can never be added to an entry by a
--      later statement (or transaction): the entry is closed when its first statement ends;
--   2. each entry balances per currency over the statement's lines (= all its lines, by 1).
-- So no unbalanced entry can ever commit; the refusal now comes at the INSERT (same message
-- and SQLSTATE check_violation) rather than at COMMIT.
DROP TRIGGER ledger_lines_balanced ON ledger_lines;
DROP FUNCTION tillstream_check_entry_balanced();

CREATE FUNCTION tillstream_check_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.entry_id INTO bad FROM new_lines n
   GROUP BY n.entry_id HAVING NOT bool_or(n.line_no = 0) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry % gets lines without its line 0: an entry''s lines are inserted in one statement, lines are never added to an entry later', bad.entry_id
      USING ERRCODE = 'check_violation';
  END IF;
  SELECT n.entry_id, n.currency, sum(n.debit) AS d, sum(n.credit) AS c INTO bad FROM new_lines n
   GROUP BY n.entry_id, n.currency HAVING sum(n.debit) <> sum(n.credit) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry % does not balance in %: debits % <> credits %', bad.entry_id, bad.currency, bad.d, bad.c
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines
  REFERENCING NEW TABLE AS new_lines
  FOR EACH STATEMENT EXECUTE FUNCTION tillstream_check_lines_balanced();
