-- Every catalog change of a product (the HQ console's product edit, POST /api/catalog, a
-- scheduled catalog change) is a numbered version, written in the transaction that changes
-- the products row and appends the 'catalog' change to every store's change log. An edit can
-- say which version it started from (409 when another person saved meanwhile); HQ sees history.
CREATE TABLE product_versions (
  sku        text NOT NULL REFERENCES products(sku),
  version    integer NOT NULL CHECK (version > 0),
  data       jsonb NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku, version)
);
INSERT INTO product_versions (sku, version, data, created_at) SELECT sku, 1, data, updated_at FROM products;
