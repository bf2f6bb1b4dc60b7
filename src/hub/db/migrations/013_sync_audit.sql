-- Integrity watch (issue 15), part 1: the sync audit log. Every connect, hello, push, ack,
-- rejection, disconnect and error of a register, per terminal, in the order the hub saw
-- them. Not a source of truth (the journal is): rows are pruned by age and by a bound per
-- terminal (src/hub/integrity/audit-log.ts), so a chatty register cannot fill the database.

CREATE TABLE sync_audit (
  audit_id        bigserial PRIMARY KEY,
  terminal_id     text NOT NULL,
  store_id        text NOT NULL,
  at              timestamptz NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('connect', 'hello', 'push', 'ack', 'rejection', 'disconnect', 'error')),
  -- the socket.io session, so one connection's rows can be told apart from the next
  sid             text,
  first_seq       bigint,
  last_seq        bigint,
  events          integer,
  bytes           integer,
  duration_ms     integer,
  applied_through bigint,
  code            text,
  detail          text
);
CREATE INDEX sync_audit_terminal ON sync_audit (terminal_id, audit_id);
CREATE INDEX sync_audit_at ON sync_audit (at);
