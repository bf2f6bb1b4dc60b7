-- Daily sales figures beside the hourly ones (src/hub/sales-figures.ts keeps both in the
-- transaction that applies the event): a dashboard over a year reads 365 rows per store,
-- not up to 24 × 365.
CREATE TABLE sales_daily (
  store_id      text NOT NULL REFERENCES stores(store_id),
  day           date NOT NULL,
  currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  sales_count   integer NOT NULL DEFAULT 0,
  sales_total   bigint NOT NULL DEFAULT 0,
  refunds_count integer NOT NULL DEFAULT 0,
  refunds_total bigint NOT NULL DEFAULT 0 CHECK (refunds_total <= 0),
  voids_count   integer NOT NULL DEFAULT 0,
  voids_total   bigint NOT NULL DEFAULT 0 CHECK (voids_total <= 0),
  PRIMARY KEY (store_id, day, currency)
);
CREATE INDEX sales_daily_day_idx ON sales_daily (day, store_id);

INSERT INTO sales_daily (store_id, day, currency, sales_count, sales_total, refunds_count, refunds_total, voids_count, voids_total)
SELECT store_id, (hour AT TIME ZONE 'UTC')::date, currency, sum(sales_count), sum(sales_total), sum(refunds_count), sum(refunds_total), sum(voids_count), sum(voids_total)
  FROM sales_hourly GROUP BY 1, 2, 3;
