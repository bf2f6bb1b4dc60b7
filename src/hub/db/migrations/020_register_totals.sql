-- Integrity watch (issue 15), part 3: register-reported totals. A register reports its open
-- shift's running totals up to its journal head (totals.report); the hub keeps the latest
-- report per terminal and shift with its own figures for the same events and the verdict
-- (src/hub/integrity/register-totals.ts). A discrepancy is an alert with both figures.

CREATE TABLE register_totals (
  terminal_id  text NOT NULL REFERENCES terminals(terminal_id),
  shift_id     text NOT NULL,
  store_id     text NOT NULL REFERENCES stores(store_id),
  currency     text NOT NULL,
  through_seq  bigint NOT NULL CHECK (through_seq >= 1),
  reported     jsonb NOT NULL,
  hub          jsonb,
  status       text NOT NULL CHECK (status IN ('agree', 'differ', 'pending')),
  differences  jsonb NOT NULL DEFAULT '[]',
  reported_at  timestamptz NOT NULL DEFAULT now(),
  checked_at   timestamptz,
  -- Stuck sync: since when the register's head has been ahead of the hub's mark while the
  -- mark stayed at ahead_mark (NULL: not ahead).
  ahead_since  timestamptz,
  ahead_mark   bigint,
  PRIMARY KEY (terminal_id, shift_id)
);
CREATE INDEX register_totals_store_idx ON register_totals (store_id, reported_at);

-- The hub folds one terminal's shift from its copy of the journal.
CREATE INDEX journal_events_shift_idx ON journal_events (terminal_id, (payload->>'shift_id'), seq);
