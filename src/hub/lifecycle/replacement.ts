import { GENESIS_HASH, verifyChain, type JournalEvent } from '../../core/protocol';
import type { Db, Queryable } from '../db/db';
import { AuthError, createEnrollmentCode } from '../auth';

// Replacing a register whose hardware died. HQ or store IT marks the terminal replaced: its
// credentials are revoked at once (the caller drops their sockets) and a one-time replacement
// code is issued. The new device enrolls with it under the same terminal id and asks for its
// handover: the hub's copy of the terminal's chain from a base (the event before the open
// shift, or before the last RECENT_EVENTS, whichever is earlier) to the hub's head. The
// device writes those events verbatim into its new journal (Journal.adoptHandover), so the
// open shift with its float and movements and the receipts for returns are there, and it
// continues the chain at head + 1. The catalog, prices, settings and stock come as for any
// new register, through the snapshot.

/** Events of recent history a replacement gets besides the open shift (receipts for returns). */
export const RECENT_EVENTS = 2_000;
/** Most events one handover page carries; the whole handover is at most MAX_HANDOVER_EVENTS. */
export const HANDOVER_PAGE = 1_000;
export const MAX_HANDOVER_EVENTS = 50_000;

export interface MarkedReplaced {
  terminal_id: string;
  store_id: string;
  code: string;
  expires_at: string;
  /** Credentials revoked: drop their sockets. */
  revoked: number[];
  chain_head: { seq: number; hash: string | null };
}

export async function markReplaced(db: Db, o: { terminal_id: string; by: string; ttl_minutes?: number; canManage: (storeId: string) => boolean }): Promise<MarkedReplaced> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ store_id: string; applied_through: string; applied_hash: string | null }>(
      `SELECT store_id, applied_through::text, applied_hash FROM terminals WHERE terminal_id = $1 FOR UPDATE`,
      [o.terminal_id],
    );
    const t = rows[0];
    if (!t) throw new AuthError('NOT_FOUND', `unknown terminal ${o.terminal_id}`, 'terminal_id');
    if (!o.canManage(t.store_id)) throw new AuthError('FORBIDDEN', `no access to store ${t.store_id}`, 'terminal_id');
    const revoked = await tx.query<{ credential_id: number }>(
      `UPDATE credentials SET revoked_at = now() WHERE kind = 'register' AND terminal_id = $1 AND revoked_at IS NULL RETURNING credential_id`,
      [o.terminal_id],
    );
    // Codes issued earlier for this terminal must not enroll a second device beside the replacement.
    await tx.query(`UPDATE enrollment_codes SET used_at = now() WHERE terminal_id = $1 AND used_at IS NULL`, [o.terminal_id]);
    await tx.query(`UPDATE terminals SET replaced_at = now(), replacements = replacements + 1 WHERE terminal_id = $1`, [o.terminal_id]);
    const code = await createEnrollmentCode(tx, { store_id: t.store_id, terminal_id: o.terminal_id, ttl_minutes: o.ttl_minutes, created_by: o.by });
    await tx.query(`UPDATE enrollment_codes SET replacement = true WHERE terminal_id = $1 AND used_at IS NULL`, [o.terminal_id]);
    return {
      terminal_id: o.terminal_id,
      store_id: t.store_id,
      code: code.code,
      expires_at: code.expires_at,
      revoked: revoked.rows.map((r) => Number(r.credential_id)),
      chain_head: { seq: Number(t.applied_through), hash: t.applied_hash },
    };
  });
}

/** The event as the register sealed it: occurred_at in the register's own ISO form (part of the hash). */
const EVENT_COLUMNS = `terminal_id, store_id, seq::int AS seq, event_id::text AS event_id, type,
  to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at, payload, prev_hash, hash`;

/** The terminal's chain (applied and rejected events alike) from seq `from` on, at most `limit`. */
async function chainSlice(db: Queryable, terminalId: string, from: number, limit: number): Promise<JournalEvent[]> {
  const { rows } = await db.query<Omit<JournalEvent, 'version'>>(
    `SELECT * FROM (
       SELECT ${EVENT_COLUMNS} FROM journal_events WHERE terminal_id = $1 AND seq >= $2
       UNION ALL
       SELECT terminal_id, event->>'store_id', seq::int, event_id, event->>'type', event->>'occurred_at', event->'payload', event->>'prev_hash', event->>'hash'
         FROM event_rejections WHERE terminal_id = $1 AND seq >= $2
     ) x ORDER BY seq LIMIT $3`,
    [terminalId, from, limit],
  );
  return rows.map((r) => ({ version: 1, ...r, seq: Number(r.seq) }) as JournalEvent);
}

export interface HandoverPage {
  terminal_id: string;
  store_id: string;
  /** The hub's head for the terminal: the new device continues at head.seq + 1. */
  head: { seq: number; hash: string };
  /** The event before the first one handed over. */
  base: { seq: number; hash: string };
  events: JournalEvent[];
  /** Pass as after_seq for the next page; null when this page reaches the head. */
  next_after_seq: number | null;
}

/** Where the handover starts: before the open shift, or before the recent events, whichever is earlier. */
async function handoverStart(db: Queryable, terminalId: string, head: number): Promise<number> {
  const { rows } = await db.query<{ seq: string | null }>(
    `SELECT max(seq)::text AS seq FROM journal_events WHERE terminal_id = $1 AND type = 'shift.opened'
        AND NOT EXISTS (SELECT 1 FROM journal_events c WHERE c.terminal_id = $1 AND c.type = 'shift.closed' AND c.seq > journal_events.seq)`,
    [terminalId],
  );
  const openShift = rows[0]?.seq ? Number(rows[0].seq) : Number.POSITIVE_INFINITY;
  const recent = Math.max(1, head - RECENT_EVENTS + 1);
  return Math.max(1, Math.min(openShift, recent), head - MAX_HANDOVER_EVENTS + 1);
}

export async function handoverPage(db: Db, terminalId: string, storeId: string, afterSeq: number | null, limit = HANDOVER_PAGE): Promise<HandoverPage> {
  const { rows } = await db.query<{ applied_through: string; applied_hash: string | null }>(
    `SELECT applied_through::text, applied_hash FROM terminals WHERE terminal_id = $1 AND store_id = $2`,
    [terminalId, storeId],
  );
  const t = rows[0];
  if (!t) throw new AuthError('NOT_FOUND', `unknown terminal ${terminalId}`);
  const head = { seq: Number(t.applied_through), hash: t.applied_hash ?? GENESIS_HASH };
  const start = await handoverStart(db, terminalId, head.seq);
  const baseSeq = start - 1;
  const baseHash = baseSeq === 0 ? GENESIS_HASH : (await chainSlice(db, terminalId, baseSeq, 1))[0]?.hash;
  if (baseHash === undefined) throw new Error(`hub has no event ${baseSeq} of ${terminalId} to base the handover on`);
  const from = afterSeq === null ? start : Math.max(start, afterSeq + 1);
  const events = from > head.seq ? [] : await chainSlice(db, terminalId, from, Math.min(limit, head.seq - from + 1));
  // What we hand over must be the chain the register sealed; a break here is the hub's fault.
  const prev = from === start ? { seq: baseSeq, hash: baseHash } : null;
  const broken = prev ? verifyChain(events, prev) : null;
  if (broken) throw new Error(`the hub's copy of ${terminalId} does not verify at seq ${broken.seq} (${broken.kind}): cannot hand it over`);
  const last = events.length ? events[events.length - 1]!.seq : from - 1;
  return { terminal_id: terminalId, store_id: storeId, head, base: { seq: baseSeq, hash: baseHash }, events, next_after_seq: last < head.seq ? last : null };
}
