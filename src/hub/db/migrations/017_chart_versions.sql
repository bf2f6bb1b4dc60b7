-- The chart of accounts and posting map are versioned: HQ saves a new version (API or CLI),
-- never edits one. The hub posts with the newest version at the time of the transaction and
-- every ledger entry records the version it was posted with (NULL: posted before versions
-- existed, or by a test processor with a fixed chart). Version 1 is seeded from the hub's
-- configured chart the first time a hub starts on this database.

CREATE TABLE chart_versions (
  version    integer PRIMARY KEY CHECK (version > 0),
  chart      jsonb NOT NULL,
  note       text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER chart_versions_append_only BEFORE UPDATE OR DELETE ON chart_versions
  FOR EACH ROW EXECUTE FUNCTION tillstream_refuse_change();

ALTER TABLE ledger_entries ADD COLUMN chart_version integer REFERENCES chart_versions(version);
