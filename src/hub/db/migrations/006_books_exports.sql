-- Books: export targets and batches (what each export covered, so "since the last export"
-- is exact and a batch can be rendered again byte for byte), and corrections imported back
-- from the accounting tool (each difference an adjusting entry linked to what it corrects,
-- or an item for a person). All append-only.

CREATE TABLE export_targets (
  target     text PRIMARY KEY CHECK (target ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  format     text NOT NULL CHECK (format IN ('hledger', 'beancount', 'quickbooks-csv', 'xero-csv')),
  mode       text NOT NULL CHECK (mode IN ('per_transaction', 'daily_summary')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE export_batches (
  batch_id     bigserial PRIMARY KEY,
  target       text NOT NULL REFERENCES export_targets(target),
  format       text NOT NULL,
  mode         text NOT NULL,
  range_from   date,
  range_to     date,
  -- true when entries already exported to this target were included on request
  repeat       boolean NOT NULL DEFAULT false,
  entry_count  int NOT NULL,
  -- the chart the batch was rendered with, so a re-export is identical after a map change
  chart        jsonb NOT NULL,
  options      jsonb NOT NULL DEFAULT '{}',
  content_sha256 text NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE export_batch_entries (
  batch_id bigint NOT NULL REFERENCES export_batches(batch_id),
  ordinal  int NOT NULL,
  target   text NOT NULL,
  entry_id text NOT NULL REFERENCES ledger_entries(entry_id),
  PRIMARY KEY (batch_id, ordinal)
);
CREATE INDEX export_batch_entries_target_idx ON export_batch_entries (target, entry_id);
CREATE INDEX export_batch_entries_entry_idx ON export_batch_entries (batch_id, entry_id);

CREATE TABLE correction_imports (
  import_id    bigserial PRIMARY KEY,
  batch_id     bigint NOT NULL REFERENCES export_batches(batch_id),
  format       text NOT NULL,
  content_sha256 text NOT NULL,
  file_name    text NOT NULL DEFAULT '',
  imported_by  text NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  summary      jsonb NOT NULL DEFAULT '{}',
  UNIQUE (batch_id, content_sha256)
);

CREATE TABLE correction_items (
  item_id      bigserial PRIMARY KEY,
  import_id    bigint NOT NULL REFERENCES correction_imports(import_id),
  entry_id     text,
  outcome      text NOT NULL CHECK (outcome IN ('adjusted', 'needs_person')),
  correction_entry_id text REFERENCES ledger_entries(entry_id),
  reason       text NOT NULL DEFAULT ''
);
CREATE INDEX correction_items_import_idx ON correction_items (import_id);

CREATE TRIGGER export_targets_append_only BEFORE UPDATE OR DELETE ON export_targets
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER export_batches_append_only BEFORE UPDATE OR DELETE ON export_batches
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER export_batch_entries_append_only BEFORE UPDATE OR DELETE ON export_batch_entries
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER correction_imports_append_only BEFORE UPDATE OR DELETE ON correction_imports
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
CREATE TRIGGER correction_items_append_only BEFORE UPDATE OR DELETE ON correction_items
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();
