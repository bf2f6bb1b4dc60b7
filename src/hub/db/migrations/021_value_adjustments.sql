-- HQ's manual adjustments of points and gift card / store credit balances (docs/loyalty.md):
-- a movement of kind 'adjust' (cause `adjust:<idempotency key>`, reason and who in the row)
-- with a ledger entry `adjust:<key>` of event type 'value.adjusted'. Saving a posting map asks
-- whether any adjustment exists (it must keep an account for them): one index probe.
CREATE INDEX value_movements_adjust_idx ON value_movements (movement_id) WHERE kind = 'adjust';
