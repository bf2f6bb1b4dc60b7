-- The paged snapshot (docs/sync-protocol.md 4.5b) walks each section in byte order of its keys
-- (COLLATE "C"), the order a register compares them in (SQLite BINARY), whatever collation the
-- database was created with. These indexes serve that order; without them every page would
-- sort the whole section.
CREATE INDEX products_sku_bytes_idx ON products (sku COLLATE "C");
CREATE INDEX prices_store_sku_bytes_idx ON prices (store_id, sku COLLATE "C");
CREATE INDEX stock_levels_store_sku_bytes_idx ON stock_levels (store_id, sku COLLATE "C");
CREATE INDEX promotions_store_id_bytes_idx ON promotions (store_id, promotion_id COLLATE "C");
