-- A bank line matched to a payout or a cash deposit is named by that item's matched_with;
-- the console reads a statement's lines with the item that claimed each one.
CREATE INDEX recon_items_matched_with_idx ON recon_items (matched_with) WHERE matched_with IS NOT NULL;
