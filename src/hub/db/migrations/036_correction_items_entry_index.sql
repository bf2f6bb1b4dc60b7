-- A sale's corrections are shown with the import that made them (sale-adjustments.ts) and an
-- export batch's re-import finds which corrections are its own (corrections/import.ts): both
-- join correction_items on correction_entry_id. With no index each lookup read every item of
-- every import ever made, and the table is append-only.
CREATE INDEX correction_items_correction_entry_idx ON correction_items (correction_entry_id) WHERE correction_entry_id IS NOT NULL;
