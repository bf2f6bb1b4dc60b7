-- Replacing a broken register (issue 16): a terminal marked replaced has its credentials
-- revoked; a replacement enrollment code lets the new device take over the same terminal id
-- and its chain. Salvaged events of the old device are kept apart, once each.

ALTER TABLE terminals ADD COLUMN replaced_at timestamptz;
ALTER TABLE terminals ADD COLUMN replacements integer NOT NULL DEFAULT 0;
ALTER TABLE enrollment_codes ADD COLUMN replacement boolean NOT NULL DEFAULT false;

-- Each event of a retired device brought in by HQ: applied under the terminal's salvage
-- chain (<terminal>.salvage), or refused with the reason. original_event_id is unique, so the
-- same export imported twice changes nothing.
CREATE TABLE salvaged_events (
  original_event_id uuid PRIMARY KEY,
  terminal_id       text NOT NULL,
  original_seq      bigint NOT NULL,
  original_hash     text NOT NULL,
  type              text NOT NULL,
  outcome           text NOT NULL CHECK (outcome IN ('applied', 'conflict', 'rejected')),
  reason            text,
  salvage_terminal  text,
  salvage_seq       bigint,
  imported_by       text,
  imported_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX salvaged_events_terminal ON salvaged_events (terminal_id, original_seq);
