-- HQ console API (issue 12): keyset paging indexes, sales figures kept at ingest, what each
-- register last reported, acknowledgements, cancellable scheduled changes, stock transfers,
-- revocable enrollment codes.

-- Lists of journal events page by (occurred_at, terminal_id, seq), newest first, per store or chain-wide.
CREATE INDEX journal_events_occurred_idx ON journal_events (occurred_at, terminal_id, seq);
CREATE INDEX journal_events_store_occurred_idx ON journal_events (store_id, occurred_at, terminal_id, seq);

-- Sales figures per store, hour (UTC) and currency, updated in the transaction that applies
-- the sale, refund or post-void (src/hub/sales-figures.ts). Amounts are signed minor units:
-- refunds_total and voids_total are <= 0, so net = sales_total + refunds_total + voids_total.
CREATE TABLE sales_hourly (
  store_id      text NOT NULL REFERENCES stores(store_id),
  hour          timestamptz NOT NULL,
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  sales_count   integer NOT NULL DEFAULT 0,
  sales_total   bigint NOT NULL DEFAULT 0,
  refunds_count integer NOT NULL DEFAULT 0,
  refunds_total bigint NOT NULL DEFAULT 0 CHECK (refunds_total <= 0),
  voids_count   integer NOT NULL DEFAULT 0,
  voids_total   bigint NOT NULL DEFAULT 0 CHECK (voids_total <= 0),
  PRIMARY KEY (store_id, hour, currency)
);
CREATE INDEX sales_hourly_hour_idx ON sales_hourly (hour, store_id);

INSERT INTO sales_hourly (store_id, hour, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
SELECT store_id, date_trunc('hour', occurred_at), cur,
       count(*) FILTER (WHERE type = 'sale.completed'), coalesce(sum(amt) FILTER (WHERE type = 'sale.completed'), 0),
       count(*) FILTER (WHERE type = 'sale.refunded'), coalesce(sum(amt) FILTER (WHERE type = 'sale.refunded'), 0),
       count(*) FILTER (WHERE type = 'sale.post_voided'), coalesce(sum(amt) FILTER (WHERE type = 'sale.post_voided'), 0)
  FROM (SELECT store_id, occurred_at, type,
               coalesce(payload->>'currency', payload->'original'->>'currency') AS cur,
               CASE type WHEN 'sale.completed' THEN (payload->'totals'->>'total')::bigint
                         WHEN 'sale.refunded' THEN -(payload->'totals'->>'total')::bigint
                         ELSE -(payload->'original'->'totals'->>'total')::bigint END AS amt
          FROM journal_events WHERE type IN ('sale.completed', 'sale.refunded', 'sale.post_voided')) s
 WHERE cur IS NOT NULL
 GROUP BY store_id, date_trunc('hour', occurred_at), cur;

-- What the register said in its last hello (and each changes.pull): app version and the
-- last store change it applied (the propagation view compares it with change cursors).
ALTER TABLE terminals ADD COLUMN app_version text;
ALTER TABLE terminals ADD COLUMN change_cursor bigint NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN change_cursor_at timestamptz;

ALTER TABLE alerts ADD COLUMN acknowledged_by text;
CREATE INDEX alerts_created_idx ON alerts (created_at);

-- A scheduled change can be cancelled before it is published (never after).
ALTER TABLE scheduled_changes ADD COLUMN canceled_at timestamptz;
ALTER TABLE scheduled_changes ADD COLUMN canceled_by text;
ALTER TABLE scheduled_changes ADD CONSTRAINT scheduled_changes_one_end CHECK (published_at IS NULL OR canceled_at IS NULL);
DROP INDEX scheduled_changes_due_idx;
CREATE INDEX scheduled_changes_due_idx ON scheduled_changes (effective_at) WHERE published_at IS NULL AND canceled_at IS NULL;

-- Transfers between stores: one row per transfer; its movements are transfer_out at the
-- source and transfer_in at the destination, written in the same transaction.
CREATE TABLE stock_transfers (
  transfer_id  bigserial PRIMARY KEY,
  from_store   text NOT NULL REFERENCES stores(store_id),
  to_store     text NOT NULL REFERENCES stores(store_id),
  items        jsonb NOT NULL,
  note         text NOT NULL DEFAULT '',
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (from_store <> to_store)
);
ALTER TABLE stock_movements ADD COLUMN transfer_id bigint REFERENCES stock_transfers(transfer_id);

-- Enrollment codes get an id to list and revoke them by (the code itself is only a hash).
ALTER TABLE enrollment_codes ADD COLUMN code_id bigserial;
ALTER TABLE enrollment_codes ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE enrollment_codes ADD COLUMN revoked_at timestamptz;
CREATE UNIQUE INDEX enrollment_codes_id_idx ON enrollment_codes (code_id);

-- A store's tax table is versioned: every change is a row (who, when, effective when).
CREATE TABLE store_tax_versions (
  store_id     text NOT NULL REFERENCES stores(store_id),
  version      integer NOT NULL,
  tax          jsonb NOT NULL,
  created_by   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, version)
);
