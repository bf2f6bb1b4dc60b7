-- The entries that adjust an entry (corrections imported from the accounting tool, review
-- releases) are looked up by `adjusts`: the sales explorer shows a sale's corrections and
-- marks a corrected sale in its list, and a corrections import reads the corrections made to
-- the batch's entries before.
CREATE INDEX ledger_entries_adjusts_idx ON ledger_entries (adjusts) WHERE adjusts IS NOT NULL;
