-- Tillstream hub schema. Postgres is the single source of truth for every hub process.

CREATE TABLE stores (
  store_id      text PRIMARY KEY,
  name          text NOT NULL,
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  groups        text[] NOT NULL DEFAULT '{}',
  tax           jsonb NOT NULL DEFAULT '{}',
  config        jsonb NOT NULL DEFAULT '{}',
  -- last allocated change-log cursor; bumped under this row's lock so cursors are gap-free
  change_cursor bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE terminals (
  terminal_id     text PRIMARY KEY,
  store_id        text NOT NULL REFERENCES stores(store_id),
  -- every seq <= applied_through is durably applied or rejected
  applied_through bigint NOT NULL DEFAULT 0,
  -- hash of the event at applied_through (chain link for the next one)
  applied_hash    text,
  last_seen_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  user_id    text PRIMARY KEY,
  name       text NOT NULL,
  role       text NOT NULL CHECK (role IN ('admin', 'hq', 'store_manager')),
  store_ids  text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- API tokens of users and registers, kept as SHA-256 of the random token.
CREATE TABLE credentials (
  credential_id bigserial PRIMARY KEY,
  token_hash    text NOT NULL UNIQUE,
  kind          text NOT NULL CHECK (kind IN ('user', 'register')),
  user_id       text REFERENCES users(user_id),
  terminal_id   text REFERENCES terminals(terminal_id),
  store_id      text REFERENCES stores(store_id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz,
  CHECK ((kind = 'user' AND user_id IS NOT NULL) OR (kind = 'register' AND terminal_id IS NOT NULL AND store_id IS NOT NULL))
);

CREATE TABLE enrollment_codes (
  code_hash   text PRIMARY KEY,
  store_id    text NOT NULL REFERENCES stores(store_id),
  terminal_id text NOT NULL,
  created_by  text,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);

-- The journal as received: append-only, one row per applied (terminal_id, seq).
CREATE TABLE journal_events (
  terminal_id text NOT NULL REFERENCES terminals(terminal_id),
  seq         bigint NOT NULL CHECK (seq >= 1),
  event_id    uuid NOT NULL UNIQUE,
  store_id    text NOT NULL REFERENCES stores(store_id),
  type        text NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload     jsonb NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, seq)
);
CREATE INDEX journal_events_store_idx ON journal_events (store_id, received_at);

-- Events the hub refused for good; they still advanced the terminal's cursor.
CREATE TABLE event_rejections (
  terminal_id text NOT NULL,
  seq         bigint NOT NULL,
  event_id    text NOT NULL,
  code        text NOT NULL,
  reason      text NOT NULL,
  event       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, seq)
);

-- Entries as core's postEvent makes them: deterministic ids derived from the event, so a
-- double post of one event is refused by the primary key.
CREATE TABLE ledger_entries (
  entry_id    text PRIMARY KEY,
  event_id    uuid REFERENCES journal_events(event_id),
  store_id    text REFERENCES stores(store_id),
  terminal_id text,
  seq         bigint,
  event_type  text NOT NULL,
  date        date NOT NULL,
  memo        text NOT NULL DEFAULT '',
  -- corrections reverse or adjust an earlier entry instead of editing it
  reverses    text REFERENCES ledger_entries(entry_id),
  adjusts     text REFERENCES ledger_entries(entry_id),
  posted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_event_idx ON ledger_entries (event_id);
CREATE INDEX ledger_entries_date_idx ON ledger_entries (date);

CREATE TABLE ledger_lines (
  line_id    bigserial PRIMARY KEY,
  entry_id   text NOT NULL REFERENCES ledger_entries(entry_id),
  line_no    int NOT NULL,
  account    text NOT NULL,
  currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  debit      bigint NOT NULL DEFAULT 0 CHECK (debit >= 0),
  credit     bigint NOT NULL DEFAULT 0 CHECK (credit >= 0),
  dimensions jsonb NOT NULL DEFAULT '{}',
  CHECK ((debit = 0) <> (credit = 0)),
  UNIQUE (entry_id, line_no)
);
CREATE INDEX ledger_lines_account_idx ON ledger_lines (account);

-- Stock is a ledger of movements; levels are their sum (stock_levels is a locked running total).
CREATE TABLE stock_movements (
  movement_id bigserial PRIMARY KEY,
  store_id    text NOT NULL REFERENCES stores(store_id),
  sku         text NOT NULL,
  quantity    numeric NOT NULL,
  reason      text NOT NULL,
  event_id    uuid REFERENCES journal_events(event_id),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_movements_store_sku_idx ON stock_movements (store_id, sku);

CREATE TABLE stock_levels (
  store_id text NOT NULL REFERENCES stores(store_id),
  sku      text NOT NULL,
  on_hand  numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (store_id, sku)
);

-- Catalog (chain-wide), prices and promotions (per store).
CREATE TABLE products (
  sku        text PRIMARY KEY,
  data       jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prices (
  store_id   text NOT NULL REFERENCES stores(store_id),
  sku        text NOT NULL,
  amount     bigint NOT NULL CHECK (amount >= 0),
  currency   text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, sku)
);

CREATE TABLE promotions (
  store_id     text NOT NULL REFERENCES stores(store_id),
  promotion_id text NOT NULL,
  data         jsonb NOT NULL,
  active       boolean NOT NULL DEFAULT true,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, promotion_id)
);

-- Per-store change log, cursor gap-free per store.
CREATE TABLE change_log (
  store_id   text NOT NULL REFERENCES stores(store_id),
  cursor     bigint NOT NULL,
  kind       text NOT NULL,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, cursor)
);

-- HQ changes that take effect later; the scheduler publishes them (FOR UPDATE SKIP LOCKED).
CREATE TABLE scheduled_changes (
  change_id    bigserial PRIMARY KEY,
  kind         text NOT NULL,
  target       jsonb NOT NULL,
  payload      jsonb NOT NULL,
  effective_at timestamptz NOT NULL,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX scheduled_changes_due_idx ON scheduled_changes (effective_at) WHERE published_at IS NULL;

CREATE TABLE alerts (
  alert_id     bigserial PRIMARY KEY,
  kind         text NOT NULL,
  store_id     text NOT NULL,
  terminal_id  text,
  message      text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz
);
CREATE INDEX alerts_store_idx ON alerts (store_id, created_at);

-- ---- invariants enforced by the database ----

CREATE FUNCTION tillstream_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% of % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER journal_events_append_only BEFORE UPDATE OR DELETE ON journal_events
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER ledger_lines_append_only BEFORE UPDATE OR DELETE ON ledger_lines
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER event_rejections_append_only BEFORE UPDATE OR DELETE ON event_rejections
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();

-- Checked at COMMIT, once all lines of the entry are in.
CREATE FUNCTION tillstream_check_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT currency, sum(debit) AS d, sum(credit) AS c INTO bad
    FROM ledger_lines WHERE entry_id = NEW.entry_id
    GROUP BY currency HAVING sum(debit) <> sum(credit) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry % does not balance in %: debits % <> credits %', NEW.entry_id, bad.currency, bad.d, bad.c
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_lines_balanced AFTER INSERT ON ledger_lines
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION tillstream_check_entry_balanced();
