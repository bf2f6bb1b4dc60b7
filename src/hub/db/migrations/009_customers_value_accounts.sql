-- Customers, loyalty points and gift cards (docs/loyalty.md). A balance is the sum of its
-- account's movements; every movement is caused once (its `cause` is unique: the journal
-- event and the part of it, a merge, or a person's adjustment) and is never changed.
-- value_accounts.balance and .value are kept in the same statement as each movement so a
-- balance read is one row; the property test and reconciliation check them against the sums.

CREATE TABLE customers (
  customer_id     text PRIMARY KEY,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  phone           text CHECK (phone ~ '^[0-9]{6,20}$'),
  email           text CHECK (length(email) <= 200),
  loyalty_id      text CHECK (loyalty_id ~ '^[0-9A-Za-z-]{6,32}$'),
  consent         jsonb NOT NULL DEFAULT '{}',
  origin_store_id text REFERENCES stores(store_id),
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_loyalty_id_idx ON customers (loyalty_id) WHERE loyalty_id IS NOT NULL;
CREATE UNIQUE INDEX customers_phone_idx ON customers (phone) WHERE phone IS NOT NULL;
CREATE INDEX customers_name_idx ON customers (lower(name) text_pattern_ops);

-- A customer id a register made up (offline) that turned out to name an existing customer.
CREATE TABLE customer_aliases (
  alias_id    text PRIMARY KEY,
  customer_id text NOT NULL REFERENCES customers(customer_id),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE value_accounts (
  account_id      text PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('gift_card', 'points')),
  ref             text NOT NULL,
  currency        text CHECK (currency ~ '^[A-Z]{3}$'),
  balance         bigint NOT NULL DEFAULT 0,
  value           bigint NOT NULL DEFAULT 0,
  held            bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
  origin_store_id text REFERENCES stores(store_id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, ref),
  CHECK ((kind = 'gift_card') = (currency IS NOT NULL))
);

CREATE TABLE value_movements (
  movement_id bigserial PRIMARY KEY,
  account_id  text NOT NULL REFERENCES value_accounts(account_id),
  amount      bigint NOT NULL CHECK (amount <> 0),
  value       bigint NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('load', 'unload', 'redeem', 'refund', 'earn', 'unearn', 'redeem_points', 'refund_points', 'void', 'merge', 'adjust')),
  cause       text NOT NULL UNIQUE,
  event_id    uuid,
  store_id    text,
  terminal_id text,
  seq         bigint,
  offline     boolean NOT NULL DEFAULT false,
  reason      text CHECK (length(reason) <= 200),
  created_by  text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX value_movements_account_idx ON value_movements (account_id, movement_id);
CREATE INDEX value_movements_event_idx ON value_movements (event_id) WHERE event_id IS NOT NULL;

CREATE TRIGGER value_movements_append_only BEFORE UPDATE OR DELETE ON value_movements
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();

CREATE TABLE value_reservations (
  sale_id     uuid NOT NULL,
  tender_id   text NOT NULL,
  account_id  text NOT NULL REFERENCES value_accounts(account_id),
  amount      bigint NOT NULL CHECK (amount > 0),
  store_id    text NOT NULL REFERENCES stores(store_id),
  terminal_id text NOT NULL,
  status      text NOT NULL CHECK (status IN ('held', 'settled', 'released', 'expired')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  closed_at   timestamptz,
  closed_by   text,
  PRIMARY KEY (sale_id, tender_id)
);
CREATE INDEX value_reservations_held_idx ON value_reservations (expires_at) WHERE status = 'held';

-- The chain's loyalty settings: one row.
CREATE TABLE loyalty_settings (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  settings   jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL
);
