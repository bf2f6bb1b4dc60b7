-- Alerts fold repeats of one cause into the open alert instead of piling up (src/hub/alerts.ts).
ALTER TABLE alerts ADD COLUMN cause text;
ALTER TABLE alerts ADD COLUMN folded integer NOT NULL DEFAULT 0 CHECK (folded >= 0);
ALTER TABLE alerts ADD COLUMN last_at timestamptz;
CREATE INDEX alerts_open_cause_idx ON alerts (cause, alert_id) WHERE acknowledged_at IS NULL;

-- An entry is reversed at most once (a sale post-voided twice would restore stock twice and
-- reverse its revenue twice); ingest checks first and names the rejection, this index
-- makes it true even for two hubs racing.
CREATE UNIQUE INDEX ledger_entries_reversed_once ON ledger_entries (reverses) WHERE reverses IS NOT NULL;

