-- The console lists an imported file's own lines with their reconciliation status
-- (GET /api/books/imports/:import_id/lines): an index range per import, not a scan of every
-- bank or settlement line ever imported.
CREATE INDEX bank_lines_import_idx ON bank_lines (import_id, bank_line_id);
CREATE INDEX settlement_lines_import_idx ON settlement_lines (import_id, settlement_line_id);
