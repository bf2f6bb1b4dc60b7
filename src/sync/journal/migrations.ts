import type { SqlDb } from './sql';

// Versioned schema of the register database. Each migration runs once, in a transaction,
// at open; the applied versions are recorded in schema_migrations. Never edit a released
// migration: append a new one.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const GENESIS = '0'.repeat(64);

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'journal, sync state, open sale, projections',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      -- The append-only, hash-chained journal. seq is gap-free from 1; prev_hash links to the
      -- row before; payload is the canonical JSON the hash covers.
      CREATE TABLE journal (
        seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
        version     INTEGER NOT NULL,
        terminal_id TEXT NOT NULL,
        store_id    TEXT NOT NULL,
        event_id    TEXT NOT NULL UNIQUE,
        type        TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        payload     TEXT NOT NULL,
        prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
      ) STRICT;

      CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
      BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END;
      CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
      BEGIN SELECT RAISE(ABORT, 'journal is append-only: DELETE refused'); END;
      -- Gap-free and linked, enforced by the database too, not only by code.
      CREATE TRIGGER journal_append_only_at_head BEFORE INSERT ON journal
      WHEN NEW.seq <> COALESCE((SELECT MAX(seq) FROM journal), 0) + 1
        OR NEW.prev_hash <> COALESCE((SELECT hash FROM journal WHERE seq = NEW.seq - 1), '${GENESIS}')
      BEGIN SELECT RAISE(ABORT, 'journal insert must be at the head with prev_hash = hash of the previous row'); END;

      -- Stock movements a journal event caused locally (hub figure + these, while unsynced).
      CREATE TABLE local_stock_movements (
        seq   INTEGER NOT NULL REFERENCES journal(seq),
        sku   TEXT NOT NULL,
        units INTEGER NOT NULL,
        scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 6)
      ) STRICT;
      CREATE INDEX local_stock_movements_sku ON local_stock_movements(sku, seq);

      -- Uplink state, kept apart from the journal rows so they stay immutable.
      CREATE TABLE sync_state (
        id               INTEGER PRIMARY KEY CHECK (id = 1),
        applied_through  INTEGER NOT NULL DEFAULT 0,
        change_cursor    INTEGER NOT NULL DEFAULT 0,
        last_synced_at   TEXT,
        last_error       TEXT
      ) STRICT;
      INSERT INTO sync_state (id) VALUES (1);

      CREATE TABLE rejections (
        seq          INTEGER PRIMARY KEY REFERENCES journal(seq),
        event_id     TEXT NOT NULL,
        code         TEXT NOT NULL,
        reason       TEXT NOT NULL,
        rejected_at  TEXT NOT NULL,
        acknowledged_at TEXT
      ) STRICT;

      -- The sale in progress, rewritten on every cart change, so a crash brings it back.
      CREATE TABLE open_sale (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        cart       TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Downlink projections (what the register needs offline).
      CREATE TABLE store_changes (
        cursor     INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        applied_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE catalog_items (sku TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
      CREATE TABLE prices (sku TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
      CREATE TABLE promotions (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
      CREATE TABLE customers (customer_id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT;
      CREATE TABLE hub_stock (
        sku   TEXT PRIMARY KEY,
        units INTEGER NOT NULL,
        scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 6)
      ) STRICT;
      CREATE TABLE settings (
        scope TEXT NOT NULL CHECK (scope IN ('tax', 'config')),
        key   TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT;
      CREATE TABLE open_shift (
        id        INTEGER PRIMARY KEY CHECK (id = 1),
        seq       INTEGER NOT NULL REFERENCES journal(seq),
        opened_at TEXT NOT NULL,
        payload   TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'indexed catalog lookups: barcodes, product-name words, quick keys',
    // A chain's catalog (a million SKUs) is looked up here, not in memory: barcode -> sku by
    // primary key, and names through FTS5 (prefix indexes for the first 1-4 characters, so a
    // cashier's partial word is an index read). The rows are kept in step with catalog_items
    // by the projection code; this backfills what an older register already holds.
    // FTS5 rowid = catalog_items.rowid (kept across ON CONFLICT updates).
    sql: `
      CREATE TABLE catalog_barcodes (
        code TEXT PRIMARY KEY,
        sku  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX catalog_barcodes_sku ON catalog_barcodes(sku);
      -- Products HQ put on the quick-key grid (goods without barcodes), in grid order.
      CREATE TABLE catalog_quick_keys (
        sku      TEXT PRIMARY KEY,
        grp      TEXT NOT NULL,
        position INTEGER NOT NULL
      ) STRICT;
      CREATE VIRTUAL TABLE catalog_names USING fts5(
        name, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4', content = '', contentless_delete = 1
      );
      INSERT OR IGNORE INTO catalog_barcodes (code, sku)
        SELECT substr('00000000000000' || j.value, -14), c.sku
        FROM catalog_items c, json_each(c.data, CASE
          WHEN json_type(c.data, '$.gtins') = 'array' THEN '$.gtins'
          WHEN json_type(c.data, '$.gtin') = 'text' THEN '$.gtin'
          ELSE '$.barcodes' END) j
        WHERE j.type = 'text' AND length(j.value) BETWEEN 8 AND 14 AND j.value NOT GLOB '*[^0-9]*';
      INSERT INTO catalog_quick_keys (sku, grp, position)
        SELECT sku, json_extract(data, '$.quick_key.group'), json_extract(data, '$.quick_key.position') FROM catalog_items
        WHERE json_type(data, '$.quick_key.group') = 'text' AND json_type(data, '$.quick_key.position') = 'integer';
      INSERT INTO catalog_names (rowid, name)
        SELECT rowid, COALESCE(json_extract(data, '$.name'), json_extract(data, '$.description'), '') FROM catalog_items;
    `,
  },
  {
    version: 3,
    name: 'indexes: receipts, reversals per sale, events per shift',
    // Written in the same transaction as the event they index (Journal.append), so a lookup
    // by receipt, the returns against a sale or a shift's events never scan the journal.
    // Existing journals are backfilled from their rows.
    sql: `
      CREATE TABLE sale_receipts (
        receipt_no TEXT PRIMARY KEY,
        seq        INTEGER NOT NULL UNIQUE REFERENCES journal(seq),
        sale_id    TEXT NOT NULL
      ) STRICT;
      CREATE INDEX sale_receipts_sale ON sale_receipts(sale_id);
      CREATE TABLE sale_reversals (
        sale_id TEXT NOT NULL,
        seq     INTEGER NOT NULL REFERENCES journal(seq),
        kind    TEXT NOT NULL CHECK (kind IN ('refund', 'post_void')),
        PRIMARY KEY (sale_id, seq)
      ) STRICT;
      CREATE TABLE shift_events (
        shift_id TEXT NOT NULL,
        seq      INTEGER NOT NULL REFERENCES journal(seq),
        PRIMARY KEY (shift_id, seq)
      ) STRICT;

      INSERT OR IGNORE INTO sale_receipts (receipt_no, seq, sale_id)
        SELECT printf('%s-%06d', terminal_id, seq), seq, json_extract(payload, '$.sale_id') FROM journal
        WHERE type = 'sale.completed' AND json_valid(payload) AND json_type(payload, '$.sale_id') = 'text';
      INSERT OR IGNORE INTO sale_reversals (sale_id, seq, kind)
        SELECT json_extract(payload, '$.original_sale_id'), seq, 'refund' FROM journal
        WHERE type = 'sale.refunded' AND json_valid(payload) AND json_type(payload, '$.original_sale_id') = 'text';
      INSERT OR IGNORE INTO sale_reversals (sale_id, seq, kind)
        SELECT json_extract(payload, '$.sale_id'), seq, 'post_void' FROM journal
        WHERE type = 'sale.post_voided' AND json_valid(payload) AND json_type(payload, '$.sale_id') = 'text';
      INSERT OR IGNORE INTO shift_events (shift_id, seq)
        SELECT json_extract(payload, '$.shift_id'), seq FROM journal
        WHERE json_valid(payload) AND json_type(payload, '$.shift_id') = 'text';
    `,
  },
  {
    version: 4,
    name: 'open card payments: unresolved outcomes until resolved',
    // One row per `payment.unresolved` without its `payment.resolved`, written and removed in
    // the append's transaction: the block on card payments survives a restart without a scan.
    sql: `
      CREATE TABLE open_payments (
        reference TEXT PRIMARY KEY,
        seq       INTEGER NOT NULL UNIQUE REFERENCES journal(seq)
      ) STRICT;
      INSERT OR IGNORE INTO open_payments (reference, seq)
        SELECT json_extract(u.payload, '$.reference'), u.seq FROM journal u
        WHERE u.type = 'payment.unresolved' AND json_valid(u.payload) AND json_type(u.payload, '$.reference') = 'text'
          AND NOT EXISTS (SELECT 1 FROM journal r WHERE r.type = 'payment.resolved' AND r.seq > u.seq AND json_valid(r.payload)
                          AND json_extract(r.payload, '$.reference') = json_extract(u.payload, '$.reference'));
    `,
  },
  {
    version: 5,
    name: 'chain base: a replacement register continues its terminal\'s chain from the hub\'s head',
    sql: `
      -- Where this database's chain starts: (0, genesis) for a new terminal; for a replacement
      -- device, the event before the first one the hub handed over. Set once, before any row.
      CREATE TABLE chain_base (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        seq        INTEGER NOT NULL CHECK (seq >= 0),
        hash       TEXT NOT NULL CHECK (length(hash) = 64),
        adopted_at TEXT
      ) STRICT;
      INSERT INTO chain_base (id, seq, hash) VALUES (1, 0, '${GENESIS}');
      CREATE TRIGGER chain_base_no_delete BEFORE DELETE ON chain_base
      BEGIN SELECT RAISE(ABORT, 'chain base cannot be deleted'); END;
      CREATE TRIGGER chain_base_before_rows BEFORE UPDATE ON chain_base
      WHEN (SELECT COUNT(*) FROM journal) > 0
      BEGIN SELECT RAISE(ABORT, 'chain base can only be set before the first journal row'); END;

      -- The same rule as before, from the base instead of seq 0 and the genesis hash.
      DROP TRIGGER journal_append_only_at_head;
      CREATE TRIGGER journal_append_only_at_head BEFORE INSERT ON journal
      WHEN NEW.seq <> COALESCE((SELECT MAX(seq) FROM journal), (SELECT seq FROM chain_base WHERE id = 1)) + 1
        OR NEW.prev_hash <> COALESCE((SELECT hash FROM journal WHERE seq = NEW.seq - 1), (SELECT hash FROM chain_base WHERE id = 1))
      BEGIN SELECT RAISE(ABORT, 'journal insert must be at the head with prev_hash = hash of the previous row'); END;
    `,
  },
  {
    version: 6,
    name: 'loyalty: offline spending per card and day, customers created offline',
    sql: `
      -- What this register let be spent offline per card (or customer's points) and UTC day,
      -- so the chain's limit holds across a restart (docs/loyalty.md).
      CREATE TABLE offline_spend (
        card_key TEXT NOT NULL,
        day      TEXT NOT NULL CHECK (length(day) = 10),
        amount   INTEGER NOT NULL CHECK (amount >= 0),
        PRIMARY KEY (card_key, day)
      ) STRICT;
      -- Customers created while the hub could not be reached, sent again until it answers.
      CREATE TABLE pending_customers (
        customer_id TEXT PRIMARY KEY,
        data        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 7,
    name: 'validated products for one-probe lookups; a paged snapshot in progress',
    // catalog_products holds each product as core's Product after the register checked it
    // (productSchema, at write time), so a barcode lookup is one probe of the barcode index and
    // one of this table, with no schema check at read. The triggers keep it from ever disagreeing
    // with its sources, whoever writes them: any write of a catalog record or a price drops the
    // product row and marks the sku stale, and the journal rebuilds stale rows (checked again)
    // after the write (Journal.refreshCatalogProducts); until then a lookup reads the sources.
    // (No INSERT OR IGNORE in the triggers: an upsert that fires them would override it.) While
    // a paged snapshot is being written they stand aside: its pages replace whole key ranges
    // of catalog_items, prices and catalog_products and check each product themselves.
    sql: `
      -- A paged snapshot being taken (docs/sync-protocol.md 4.5b): the cursor of its first page
      -- and the next page to ask for, so a cut connection or a restart resumes where it stopped.
      CREATE TABLE snapshot_progress (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        cursor     INTEGER NOT NULL CHECK (cursor >= 0),
        section    TEXT NOT NULL,
        after      TEXT NOT NULL,
        received   INTEGER NOT NULL DEFAULT 0,
        total      INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE catalog_products (sku TEXT PRIMARY KEY, product TEXT NOT NULL) STRICT, WITHOUT ROWID;
      CREATE TABLE catalog_products_stale (sku TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
      CREATE TRIGGER catalog_items_stale_ins AFTER INSERT ON catalog_items
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        INSERT INTO catalog_products_stale (sku) SELECT NEW.sku WHERE NOT EXISTS (SELECT 1 FROM catalog_products_stale WHERE sku = NEW.sku);
        DELETE FROM catalog_products WHERE sku = NEW.sku;
      END;
      CREATE TRIGGER catalog_items_stale_upd AFTER UPDATE ON catalog_items
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        INSERT INTO catalog_products_stale (sku) SELECT NEW.sku WHERE NOT EXISTS (SELECT 1 FROM catalog_products_stale WHERE sku = NEW.sku);
        DELETE FROM catalog_products WHERE sku IN (OLD.sku, NEW.sku);
      END;
      CREATE TRIGGER catalog_items_stale_del AFTER DELETE ON catalog_items
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        DELETE FROM catalog_products WHERE sku = OLD.sku;
      END;
      CREATE TRIGGER prices_stale_ins AFTER INSERT ON prices
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        INSERT INTO catalog_products_stale (sku) SELECT NEW.sku WHERE NOT EXISTS (SELECT 1 FROM catalog_products_stale WHERE sku = NEW.sku);
        DELETE FROM catalog_products WHERE sku = NEW.sku;
      END;
      CREATE TRIGGER prices_stale_upd AFTER UPDATE ON prices
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        INSERT INTO catalog_products_stale (sku) SELECT NEW.sku WHERE NOT EXISTS (SELECT 1 FROM catalog_products_stale WHERE sku = NEW.sku);
        DELETE FROM catalog_products WHERE sku IN (OLD.sku, NEW.sku);
      END;
      CREATE TRIGGER prices_stale_del AFTER DELETE ON prices
        WHEN NOT EXISTS (SELECT 1 FROM snapshot_progress) BEGIN
        INSERT INTO catalog_products_stale (sku) SELECT OLD.sku WHERE NOT EXISTS (SELECT 1 FROM catalog_products_stale WHERE sku = OLD.sku);
        DELETE FROM catalog_products WHERE sku = OLD.sku;
      END;
      INSERT INTO catalog_products_stale (sku) SELECT sku FROM catalog_items;

    `,
  },
  {
    version: 8,
    name: 'fewer b-trees written per append: no receipt table, movements and shift index without rowid',
    // A sale's commit wrote 11 b-trees (14 WAL pages; the bare row writes 3 b-trees, 5 pages).
    // - sale_receipts (a rowid table, its receipt_no and seq keys and a sale_id index nothing
    //   read: 4 b-trees) is dropped: a receipt number is the terminal and the seq
    //   (core/receipt receiptNo), so Journal.saleByReceipt reads the journal row by its seq.
    // - local_stock_movements was a rowid table plus its (sku, seq) index: now the index alone
    //   (WITHOUT ROWID, keyed (sku, seq, n), n the movement's place in its event).
    // - shift_events was a rowid table plus its primary key's index: now the key alone.
    // Same rows, same reads; the journal itself is untouched.
    sql: `
      DROP TABLE sale_receipts;

      CREATE TABLE local_stock_movements_v8 (
        sku   TEXT NOT NULL,
        seq   INTEGER NOT NULL REFERENCES journal(seq),
        n     INTEGER NOT NULL,
        units INTEGER NOT NULL,
        scale INTEGER NOT NULL CHECK (scale BETWEEN 0 AND 6),
        PRIMARY KEY (sku, seq, n)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO local_stock_movements_v8 (sku, seq, n, units, scale) SELECT sku, seq, rowid, units, scale FROM local_stock_movements;
      DROP TABLE local_stock_movements;
      ALTER TABLE local_stock_movements_v8 RENAME TO local_stock_movements;

      CREATE TABLE shift_events_v8 (
        shift_id TEXT NOT NULL,
        seq      INTEGER NOT NULL REFERENCES journal(seq),
        PRIMARY KEY (shift_id, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO shift_events_v8 (shift_id, seq) SELECT shift_id, seq FROM shift_events;
      DROP TABLE shift_events;
      ALTER TABLE shift_events_v8 RENAME TO shift_events;
    `,
  },
  {
    version: 9,
    name: 'a new register builds its catalog lookup indexes after the last catalog page of its snapshot',
    // Set when a paged snapshot starts on a register with no catalog: its catalog pages write the
    // records and checked products only, and the page that ends the catalog section builds the
    // barcode and name indexes of the whole catalog at once (projections.ts buildCatalogIndexes).
    // In the progress row, so a snapshot resumed after a cut or a restart goes on the same way.
    sql: `ALTER TABLE snapshot_progress ADD COLUMN defer_indexes INTEGER NOT NULL DEFAULT 0 CHECK (defer_indexes IN (0, 1));`,
  },
  {
    version: 10,
    name: "a new register's snapshot keeps each catalog page's barcodes in a plain table until the catalog's last page",
    // snapshot_barcodes: while a snapshot with defer_indexes runs, each catalog page writes its
    // records' barcode keys here (barcodeKeysOf, key-ordered appends by sku), and the page that
    // ends the catalog builds catalog_barcodes from this table instead of parsing every record's
    // JSON again; emptied in the same transaction. A snapshot already in progress when this
    // migration runs (pages written by the previous version) gets its pages' codes from
    // catalog_items here, by the same rule, so its barcode index is whole when it ends.
    sql: `
      CREATE TABLE snapshot_barcodes (
        sku  TEXT NOT NULL,
        n    INTEGER NOT NULL,
        code TEXT NOT NULL,
        PRIMARY KEY (sku, n)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO snapshot_barcodes (sku, n, code)
        SELECT c.sku, COALESCE(j.key, 0), substr('00000000000000' || j.value, -14)
          FROM catalog_items c, json_each(c.data, CASE WHEN json_type(c.data, '$.gtins') = 'array' THEN '$.gtins'
                                                       WHEN json_type(c.data, '$.gtin') = 'text' THEN '$.gtin'
                                                       ELSE '$.barcodes' END) j
         WHERE EXISTS (SELECT 1 FROM snapshot_progress WHERE defer_indexes = 1)
           AND (json_type(c.data, '$.gtins') = 'array' OR json_type(c.data, '$.gtin') = 'text' OR json_type(c.data, '$.barcodes') = 'array')
           AND (j.key IS NULL OR j.key < 64) AND j.type = 'text' AND length(j.value) BETWEEN 8 AND 14 AND j.value NOT GLOB '*[^0-9]*'
        ON CONFLICT (sku, n) DO NOTHING;
    `,
  },
];

export function applyMigrations(db: SqlDb, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  );
  const known = new Set(migrations.map((m) => m.version));
  for (const v of done) {
    if (!known.has(v)) throw new Error(`database has schema version ${v}, which this app does not know (newer app wrote it?)`);
  }
  const applied: number[] = [
];
  const run = db.transaction((m: Migration) => {
    db.exec(m.sql);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
  });
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    run.immediate(m);
    applied.push(m.version);
  }
  return applied;
}
