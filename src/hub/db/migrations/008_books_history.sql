-- Books: historical sales imports. One row per file (by SHA-256); `next_line` is the resume
-- point, advanced in the same transaction as the entries of each batch, so an interrupted
-- import resumes exactly where its last committed batch ended. The entries themselves are
-- keyed by the sale (sale-<uuid from store and old id>): re-running posts nothing twice.

CREATE TABLE history_imports (
  import_id      bigserial PRIMARY KEY,
  content_sha256 text NOT NULL UNIQUE,
  file_name      text NOT NULL DEFAULT '',
  format         text NOT NULL,
  total_sales    int NOT NULL,
  total_lines    int NOT NULL,
  next_line      int NOT NULL DEFAULT 1,
  done_sales     int NOT NULL DEFAULT 0,
  posted_entries int NOT NULL DEFAULT 0,
  status         text NOT NULL CHECK (status IN ('running', 'pause_requested', 'paused', 'done')),
  created_by     text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
