-- Books: historical imports the hub runs itself, now or inside an off-peak window (docs/books.md,
-- "Scheduled runs"). The file travels into the database (gzip parts) so any hub of the chain can
-- run it, after a restart too. The window is wall-clock time in the job's time zone; the hub's
-- scheduler claims a due job (a lease, renewed every batch, so a crashed hub's job is taken over
-- when the lease runs out) and stops it between batches when the window closes.

ALTER TABLE history_imports DROP CONSTRAINT history_imports_status_check;
ALTER TABLE history_imports ADD CONSTRAINT history_imports_status_check
  CHECK (status IN ('scheduled', 'running', 'pause_requested', 'paused', 'window_paused', 'done', 'failed'));

-- NULL window: the hub runs the job as soon as it is scheduled ("now").
ALTER TABLE history_imports ADD COLUMN window_start text CHECK (window_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$');
ALTER TABLE history_imports ADD COLUMN window_end text CHECK (window_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$');
ALTER TABLE history_imports ADD COLUMN time_zone text;
ALTER TABLE history_imports ADD CONSTRAINT history_imports_window_check
  CHECK ((window_start IS NULL) = (window_end IS NULL) AND (window_start IS NULL) = (time_zone IS NULL) AND (window_start IS NULL OR window_start <> window_end));
-- Set for jobs the hub runs (the file is in history_import_parts); NULL for CLI runs.
ALTER TABLE history_imports ADD COLUMN hub_run boolean NOT NULL DEFAULT false;
ALTER TABLE history_imports ADD COLUMN batch_size int NOT NULL DEFAULT 1000 CHECK (batch_size BETWEEN 1 AND 5000);
ALTER TABLE history_imports ADD COLUMN yield_ms int NOT NULL DEFAULT 0 CHECK (yield_ms BETWEEN 0 AND 60000);
ALTER TABLE history_imports ADD COLUMN lease_until timestamptz;
ALTER TABLE history_imports ADD COLUMN last_error text;

CREATE TABLE history_import_parts (
  import_id bigint NOT NULL REFERENCES history_imports (import_id),
  part      int NOT NULL CHECK (part >= 0),
  gz        bytea NOT NULL,
  PRIMARY KEY (import_id, part)
);

CREATE INDEX history_imports_due ON history_imports (import_id) WHERE hub_run AND status IN ('scheduled', 'window_paused', 'running');
