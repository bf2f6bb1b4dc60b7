-- Returns across registers: the hub answers 'sale.lookup' (a sale by its receipt number and
-- everything already reversed of it) from indexes, not a scan of the store's journal.
CREATE INDEX journal_events_refund_of_idx ON journal_events (store_id, (payload->>'original_sale_id')) WHERE type = 'sale.refunded';
CREATE INDEX journal_events_post_void_of_idx ON journal_events (store_id, (payload->>'sale_id')) WHERE type = 'sale.post_voided';
