-- Books: imported bank statements and processor settlements, reconciliation items and the
-- resolutions people record. Imported files and resolutions are append-only; items are the
-- current state of matching (recomputed by a run), keyed so a resolution keeps pointing at
-- the same item.

CREATE TABLE books_imports (
  import_id    bigserial PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('statement', 'settlement')),
  format       text NOT NULL,
  processor    text,
  -- SHA-256 of the file's bytes: the same file imported twice is recognised
  content_hash text NOT NULL,
  file_name    text NOT NULL DEFAULT '',
  imported_by  text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  summary      jsonb NOT NULL DEFAULT '{}',
  UNIQUE (kind, content_hash)
);

CREATE TABLE bank_lines (
  bank_line_id bigserial PRIMARY KEY,
  import_id    bigint NOT NULL REFERENCES books_imports(import_id),
  account      text NOT NULL,
  currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  booking_date date NOT NULL,
  value_date   date NOT NULL,
  amount       bigint NOT NULL,
  reference    text NOT NULL DEFAULT '',
  counterparty text NOT NULL DEFAULT '',
  description  text NOT NULL DEFAULT '',
  -- the same bank line in an overlapping statement: kept, flagged as a duplicate item
  fingerprint  text NOT NULL
);
CREATE INDEX bank_lines_fingerprint_idx ON bank_lines (fingerprint);

CREATE TABLE settlement_lines (
  settlement_line_id bigserial PRIMARY KEY,
  import_id        bigint NOT NULL REFERENCES books_imports(import_id),
  processor        text NOT NULL,
  kind             text NOT NULL,
  line_id          text NOT NULL,
  reference        text NOT NULL DEFAULT '',
  merchant_reference text NOT NULL DEFAULT '',
  transaction_date date NOT NULL,
  currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  gross            bigint NOT NULL,
  fee              bigint NOT NULL,
  net              bigint NOT NULL,
  payout_id        text NOT NULL DEFAULT '',
  description      text NOT NULL DEFAULT '',
  CHECK (net = gross - fee)
);
CREATE INDEX settlement_lines_ref_idx ON settlement_lines (processor, reference);
CREATE INDEX settlement_lines_line_idx ON settlement_lines (processor, line_id);

CREATE TABLE settlement_payouts (
  payout_row_id bigserial PRIMARY KEY,
  import_id   bigint NOT NULL REFERENCES books_imports(import_id),
  processor   text NOT NULL,
  payout_id   text NOT NULL,
  date        date NOT NULL,
  currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  amount      bigint NOT NULL,
  lines_check text NOT NULL
);
CREATE INDEX settlement_payouts_idx ON settlement_payouts (processor, payout_id);

CREATE TABLE recon_items (
  item_key    text PRIMARY KEY,
  kind        text NOT NULL,
  store_id    text,
  date        date NOT NULL,
  currency    text NOT NULL,
  expected    bigint NOT NULL DEFAULT 0,
  received    bigint NOT NULL DEFAULT 0,
  status      text NOT NULL CHECK (status IN ('matched', 'open')),
  reason      text CHECK (reason IS NULL OR reason IN ('missing', 'amount differs', 'duplicate', 'outside the window', 'unknown reference')),
  matched_with text,
  detail      text NOT NULL DEFAULT '',
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recon_items_open_idx ON recon_items (status, date);

CREATE TABLE recon_resolutions (
  resolution_id bigserial PRIMARY KEY,
  item_key    text NOT NULL,
  resolved_by text NOT NULL,
  resolved_at timestamptz NOT NULL DEFAULT now(),
  note        text NOT NULL CHECK (length(note) BETWEEN 1 AND 1000)
);
CREATE INDEX recon_resolutions_item_idx ON recon_resolutions (item_key);

CREATE TRIGGER books_imports_append_only BEFORE UPDATE OR DELETE ON books_imports
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER bank_lines_append_only BEFORE UPDATE OR DELETE ON bank_lines
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE OR DELETE ON settlement_lines
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER settlement_payouts_append_only BEFORE UPDATE OR DELETE ON settlement_payouts
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER recon_resolutions_append_only BEFORE UPDATE OR DELETE ON recon_resolutions
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
