-- The batch's terminal read (ingest.ts readHead) looks up the batch's event ids in
-- event_rejections by lower(event_id) = ANY(...); with no index that read the whole table every
-- batch, and the table only grows (one row per rejected event, append-only).
CREATE INDEX event_rejections_event_id_lower_idx ON event_rejections (lower(event_id));
