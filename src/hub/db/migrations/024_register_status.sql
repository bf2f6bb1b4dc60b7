-- What a register last said about itself (status.report, docs/sync-protocol.md 4.4c):
-- unsynced events, open shift, app version, devices. Informative, shown on HQ's Registers page.
ALTER TABLE terminals ADD COLUMN reported_status jsonb;
ALTER TABLE terminals ADD COLUMN reported_at timestamptz;
