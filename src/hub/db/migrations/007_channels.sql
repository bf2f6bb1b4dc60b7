-- Sales channels (web shops, marketplaces, a phone-order desk): sources of sales like
-- registers. Each channel owns a virtual terminal (a terminals row) whose gap-free sequence
-- and hash chain the hub keeps, so its orders become journal events that go through the one
-- ingest path (src/hub/channels, docs/channels.md).

CREATE TABLE channels (
  channel_id     text PRIMARY KEY,
  store_id       text NOT NULL REFERENCES stores(store_id),
  -- the virtual terminal the hub writes this channel's journal events as
  terminal_id    text NOT NULL UNIQUE REFERENCES terminals(terminal_id),
  kind           text NOT NULL CHECK (kind IN ('api', 'shopify', 'woocommerce')),
  name           text NOT NULL,
  -- HMAC key of the platform's webhooks; kept in clear because verifying needs it
  webhook_secret text,
  -- online shows only the stock above this many units (per SKU)
  stock_buffer   numeric NOT NULL DEFAULT 0 CHECK (stock_buffer >= 0),
  -- platform SKU / variant id → our SKU
  sku_map        jsonb NOT NULL DEFAULT '{}',
  -- payment gateway name → card processor key of the chart (card clearing per processor)
  processor_map  jsonb NOT NULL DEFAULT '{}',
  default_processor text,
  -- how long a refund / payment / cancellation waits for its order before it expires
  hold_minutes   integer NOT NULL DEFAULT 1440 CHECK (hold_minutes > 0),
  -- the virtual shift all of the channel's events are journalled under
  shift_id       uuid NOT NULL,
  created_by     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  disabled_at    timestamptz
);
CREATE INDEX channels_store_idx ON channels (store_id);

-- API credentials of channels (tsc_… tokens), kept as SHA-256 like every other token.
CREATE TABLE channel_credentials (
  credential_id bigserial PRIMARY KEY,
  channel_id    text NOT NULL REFERENCES channels(channel_id),
  token_hash    text NOT NULL UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

-- Orders as the channel sent them and what became of them. sale_id is fixed when the order
-- is first accepted, so a replay or a payment later builds the same sale.
CREATE TABLE channel_orders (
  channel_id  text NOT NULL REFERENCES channels(channel_id),
  order_ref   text NOT NULL,
  sale_id     uuid NOT NULL UNIQUE,
  status      text NOT NULL CHECK (status IN ('awaiting_payment', 'applied', 'cancelled')),
  -- the normalised order and the sale.completed payload built from it
  order_data  jsonb NOT NULL,
  sale        jsonb NOT NULL,
  payments    jsonb NOT NULL DEFAULT '[]',
  -- [{refund_ref, refund_id}] of the platform refunds booked against it
  refunds     jsonb NOT NULL DEFAULT '[]',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel_id, order_ref)
);

-- Every delivery to a channel (an API call or a platform webhook) and its fate. The key is
-- the Idempotency-Key of an API call or the platform's own delivery id; a delivery refused
-- before it was authenticated has no key (it proves nothing, so it may not block a real one).
CREATE TABLE channel_deliveries (
  delivery_id   bigserial PRIMARY KEY,
  channel_id    text NOT NULL REFERENCES channels(channel_id),
  source        text NOT NULL,
  delivery_key  text,
  operation     text NOT NULL,
  order_ref     text,
  status        text NOT NULL CHECK (status IN ('applied', 'held', 'refused', 'duplicate', 'expired')),
  code          text,
  reason        text,
  -- SHA-256 of the content: the same key with other content is a conflict
  content_hash  text,
  -- the raw body as received (for a replay after the cause is fixed), or null when not kept
  raw_body      text,
  headers       jsonb NOT NULL DEFAULT '{}',
  -- the normalised operations the body became (held ones are applied from here)
  operations    jsonb,
  result        jsonb,
  -- 1 + the replays a person asked for
  attempts      integer NOT NULL DEFAULT 1,
  received_at   timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX channel_deliveries_key_idx ON channel_deliveries (channel_id, delivery_key) WHERE delivery_key IS NOT NULL;
CREATE INDEX channel_deliveries_recent_idx ON channel_deliveries (channel_id, delivery_id DESC);
CREATE INDEX channel_deliveries_held_idx ON channel_deliveries (channel_id, order_ref) WHERE status = 'held';
