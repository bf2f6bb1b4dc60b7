-- Transfers in two steps (issue 12, Stock): goods are shipped (transfer_out at the source, the
-- transfer is in transit), then received at the destination, all or per line (transfer_in;
-- a shortfall is written off there as transfer_loss), or cancelled while in transit
-- (transfer_cancel puts them back at the source). src/hub/transfers.ts.
--
-- Transfers made before this migration moved in one step: they are received in full.

ALTER TABLE stock_transfers ADD COLUMN state text NOT NULL DEFAULT 'received'
  CHECK (state IN ('in_transit', 'received', 'received_short', 'cancelled'));
ALTER TABLE stock_transfers ADD COLUMN received_at timestamptz;
ALTER TABLE stock_transfers ADD COLUMN received_by text;
ALTER TABLE stock_transfers ADD COLUMN receive_note text;
ALTER TABLE stock_transfers ADD COLUMN cancelled_at timestamptz;
ALTER TABLE stock_transfers ADD COLUMN cancelled_by text;
ALTER TABLE stock_transfers ADD COLUMN cancel_note text;
-- Idempotency keys of the three steps: a client that resends a step after a timeout gets the
-- first answer again instead of a second shipment (the ship key is unique chain-wide).
ALTER TABLE stock_transfers ADD COLUMN ship_key text;
ALTER TABLE stock_transfers ADD COLUMN receive_key text;
ALTER TABLE stock_transfers ADD COLUMN cancel_key text;
CREATE UNIQUE INDEX stock_transfers_ship_key_idx ON stock_transfers (ship_key) WHERE ship_key IS NOT NULL;
UPDATE stock_transfers SET received_at = created_at, received_by = created_by;
ALTER TABLE stock_transfers ADD CONSTRAINT stock_transfers_state_times CHECK (
  (state = 'in_transit' AND received_at IS NULL AND cancelled_at IS NULL)
  OR (state IN ('received', 'received_short') AND received_at IS NOT NULL AND cancelled_at IS NULL)
  OR (state = 'cancelled' AND cancelled_at IS NOT NULL AND received_at IS NULL));
-- What is in transit to or from a store: the open transfers at either end.
CREATE INDEX stock_transfers_open_from_idx ON stock_transfers (from_store) WHERE state = 'in_transit';
CREATE INDEX stock_transfers_open_to_idx ON stock_transfers (to_store) WHERE state = 'in_transit';
CREATE INDEX stock_transfers_state_idx ON stock_transfers (state, transfer_id);

-- One row per SKU of a transfer: shipped, and received once it has been (NULL before).
CREATE TABLE stock_transfer_lines (
  transfer_id bigint NOT NULL REFERENCES stock_transfers(transfer_id),
  sku         text NOT NULL,
  shipped     numeric NOT NULL CHECK (shipped > 0),
  received    numeric CHECK (received >= 0 AND received <= shipped),
  PRIMARY KEY (transfer_id, sku)
);
INSERT INTO stock_transfer_lines (transfer_id, sku, shipped, received)
SELECT t.transfer_id, i->>'sku', q.d, q.d
  FROM stock_transfers t, jsonb_array_elements(t.items) AS i,
       LATERAL (SELECT trim_scale((i->'quantity'->>'units')::numeric / (10::numeric ^ (i->'quantity'->>'scale')::int)) AS d) q;
