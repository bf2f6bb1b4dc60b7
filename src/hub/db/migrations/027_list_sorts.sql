-- Sorted lists (docs/hub.md "Sorting"): a sort the HTTP API offers on a list that grows
-- without bound reads an index in that order (sort key, then the tiebreakers that make it
-- unique), so a page is one index range scan however deep a person pages. Sorts bounded by
-- what the route filters to (a store's stock levels) need none.

-- GET /api/sales?sort=total: the signed amount exactly as SIGNED_AMOUNT_SQL (src/hub/sales-figures.ts)
-- writes it, for the sale types only.
CREATE INDEX journal_events_sale_amount_idx ON journal_events ((CASE type
    WHEN 'sale.completed' THEN (payload->'totals'->>'total')::bigint
    WHEN 'sale.refunded' THEN -(payload->'totals'->>'total')::bigint
    WHEN 'sale.post_voided' THEN -(payload->'original'->'totals'->>'total')::bigint END), occurred_at, terminal_id, seq)
  WHERE type IN ('sale.completed', 'sale.refunded', 'sale.post_voided');

-- GET /api/products?sort=name (the catalog, chain-wide).
CREATE INDEX products_name_sort_idx ON products (lower(coalesce(data->>'name', sku)), sku);

-- GET /api/customers?sort=name|since. customers_name_idx is text_pattern_ops (prefix search),
-- which orders by bytes, not by the database's collation that ORDER BY uses.
CREATE INDEX customers_name_sort_idx ON customers (lower(name), customer_id);
CREATE INDEX customers_since_idx ON customers (created_at, customer_id);

-- GET /api/gift-cards?sort=balance.
CREATE INDEX value_accounts_card_balance_idx ON value_accounts (balance, account_id) WHERE kind = 'gift_card';
