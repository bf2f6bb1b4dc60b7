-- The cashiers a register named in its last hello that named any (docs/sync-protocol.md 4.1):
-- {cashier_id: name}, the name its receipts print, so the sales explorer's copy of a receipt
-- names the cashier as the paper does. Kept outside the journal: a name is personal data that
-- must stay correctable, and the journal is immutable.
ALTER TABLE terminals ADD COLUMN cashiers jsonb;
ALTER TABLE terminals ADD COLUMN cashiers_at timestamptz;
