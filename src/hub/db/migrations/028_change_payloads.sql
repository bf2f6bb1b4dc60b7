-- A change-log payload shared by many stores (a chain-wide price book, issue 18): stored once
-- and referenced by each store's change_log row, instead of one copy per store (a 10,000-SKU
-- price book for 50 stores wrote 50 copies of the same 10,000 prices). Each store's entry
-- keeps its own gap-free cursor, so what a register receives and pulls is unchanged
-- (docs/sync-protocol.md 4.3/4.4): the hub reads coalesce(change_log.payload, the shared one).
CREATE TABLE change_payloads (
  payload_id bigserial PRIMARY KEY,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE change_log ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE change_log ADD COLUMN payload_id bigint REFERENCES change_payloads(payload_id);
ALTER TABLE change_log ADD CONSTRAINT change_log_one_payload CHECK ((payload IS NULL) <> (payload_id IS NULL));

-- Free space in each page of prices, so a price book's update of a store's rows can stay on
-- the page (a HOT update writes no index entry): the per-store write is most of a chain-wide
-- price change. Applies to pages written from now on (VACUUM FULL prices rewrites the old ones).
ALTER TABLE prices SET (fillfactor = 70);
