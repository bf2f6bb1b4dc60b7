-- Fleet updates, the register's side (issue 16): what each terminal reports about an update
-- (installed and ready; failed to start, rolled back by its boot guard; not installed). The
-- feed stops offering a terminal a version that failed to start on it, and HQ sees the
-- reports in `tillstream updates status`. A register's report is applied once: the same
-- (terminal, version, outcome, reported_at) again changes nothing.

CREATE TABLE update_reports (
  terminal_id  text NOT NULL REFERENCES terminals(terminal_id),
  store_id     text NOT NULL,
  version      text NOT NULL,
  from_version text,
  outcome      text NOT NULL CHECK (outcome IN ('installed', 'failed_start', 'not_installed')),
  detail       text NOT NULL DEFAULT '',
  reported_at  timestamptz NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (terminal_id, version, outcome, reported_at)
);
CREATE INDEX update_reports_latest ON update_reports (terminal_id, received_at DESC);
