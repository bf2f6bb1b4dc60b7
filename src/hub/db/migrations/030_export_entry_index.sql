-- "Which batches hold these entries", without a target: a QuickBooks/Xero corrections file
-- names no batch, so its batch is the one per_transaction batch holding every entry it names
-- (books/corrections/import.ts, batchOfEntries). The (target, entry_id) and (batch_id,
-- entry_id) indexes of 006 cannot serve entry_id alone, so that lookup read every row of
-- export_batch_entries (one per entry per export): 144 ms → 0.9 ms at 800,000 rows
-- (bench/books-entry-index.ts). The export's "was this entry exported to this target" keeps
-- using (target, entry_id).
CREATE INDEX export_batch_entries_entry_id_idx ON export_batch_entries (entry_id);
