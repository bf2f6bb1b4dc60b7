import { z } from 'zod';
import { GENESIS_HASH, journalEventSchema, sealEvent, verifyChain, type Alert, type JournalEvent, type StoreChange } from '../../core/protocol';
import type { Db, Queryable } from '../db/db';
import { AuthError } from '../auth';
import { ingestBatch, type IngestLog } from '../ingest';
import type { EventProcessor } from '../processor';

// Salvage: the events a retired register never delivered (its journal exported with
// `tillstream journal export`), brought in by HQ. Their seqs are taken by the replacement
// device's chain, so each event the hub can take is re-sealed, with its own event_id, type,
// time and payload, onto the terminal's salvage chain (`<terminal>.salvage`, a virtual
// terminal of the same store, like a channel's) and goes through ingest like any event:
// posting, stock, rejections. What conflicts with what the replacement already did is not
// applied and is reported: shift and drawer events (the shift went on on the new device),
// a sale the hub already has. Every outcome is recorded by the original event_id, so a
// second import of the same file changes nothing.

export const MAX_SALVAGE_EVENTS = 5_000;
export const EXPORT_FORMAT = 'tillstream-journal-export';

export const journalExportSchema = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    version: z.literal(1),
    terminal_id: z.string(),
    store_id: z.string(),
    exported_at: z.string().max(40),
    applied_through: z.number().int().min(0),
    events: z.array(journalEventSchema).max(MAX_SALVAGE_EVENTS),
  })
  .strict();
export type JournalExport = z.infer<typeof journalExportSchema>;

export type SalvageOutcome = 'applied' | 'conflict' | 'rejected' | 'already_imported';
export interface SalvageReport {
  terminal_id: string;
  salvage_terminal: string;
  results: Array<{ seq: number; event_id: string; type: string; outcome: SalvageOutcome; reason: string | null; salvage_seq: number | null }>;
  counts: Record<SalvageOutcome, number>;
  changes: StoreChange[];
  alerts: Alert[];
}

export const salvageTerminalOf = (terminalId: string): string => `${terminalId.slice(0, 55)}.salvage`;

/**
 * Core checks that a payload's terminal is its envelope's; a salvaged event's payload names the
 * register that sold it, so the processor sees it under that terminal (the rows are still
 * written under the salvage chain, which is what the envelope there says).
 */
function asOriginalTerminal(inner: EventProcessor, terminalId: string): EventProcessor {
  const seen = new WeakMap<JournalEvent, JournalEvent>();
  const orig = (e: JournalEvent): JournalEvent => {
    let o = seen.get(e);
    if (!o) seen.set(e, (o = { ...e, terminal_id: terminalId }));
    return o;
  };
  return {
    validate: (e) => inner.validate(orig(e)),
    originalEntryId: (e) => inner.originalEntryId(orig(e)),
    post: (e, original) => inner.post(orig(e), original),
    stock: (e) => inner.stock(orig(e)),
  };
}

async function hubHashAt(db: Queryable, terminalId: string, seq: number): Promise<string | null> {
  if (seq === 0) return GENESIS_HASH;
  const { rows } = await db.query<{ hash: string }>(
    `SELECT hash FROM journal_events WHERE terminal_id = $1 AND seq = $2
     UNION ALL SELECT event->>'hash' FROM event_rejections WHERE terminal_id = $1 AND seq = $2`,
    [terminalId, seq],
  );
  return rows[0]?.hash ?? null;
}

async function conflictOf(db: Queryable, e: JournalEvent): Promise<string | null> {
  if (e.type.startsWith('shift.') || e.type === 'drawer.no_sale') {
    return 'SHIFT_CONTINUED_ON_REPLACEMENT: the shift and drawer went on on the replacement device; count this cash movement in by hand if it happened';
  }
  const have = await db.query(`SELECT 1 FROM journal_events WHERE event_id = $1::uuid`, [e.event_id]);
  if (have.rows.length) return 'ALREADY_AT_HUB: the hub received this event from the register itself';
  const saleId = typeof e.payload.sale_id === 'string' ? e.payload.sale_id : null;
  if (e.type === 'sale.completed' && saleId) {
    const dup = await db.query(`SELECT 1 FROM journal_events WHERE type = 'sale.completed' AND payload->>'sale_id' = $1 LIMIT 1`, [saleId]);
    if (dup.rows.length) return `SALE_ALREADY_AT_HUB: sale ${saleId} is already posted`;
  }
  return null;
}

export async function salvageImport(
  db: Db,
  o: { file: JournalExport; by: string; canManage: (storeId: string) => boolean; processor: EventProcessor; log?: IngestLog },
): Promise<SalvageReport> {
  const { file } = o;
  const events = [...file.events].sort((a, b) => a.seq - b.seq);
  const t = await db.query<{ store_id: string }>(`SELECT store_id FROM terminals WHERE terminal_id = $1`, [file.terminal_id]);
  if (!t.rows[0]) throw new AuthError('NOT_FOUND', `unknown terminal ${file.terminal_id}`, 'terminal_id');
  if (t.rows[0].store_id !== file.store_id) throw new AuthError('BAD_REQUEST', `terminal ${file.terminal_id} belongs to store ${t.rows[0].store_id}, the export says ${file.store_id}`, 'store_id');
  if (!o.canManage(file.store_id)) throw new AuthError('FORBIDDEN', `no access to store ${file.store_id}`, 'store_id');
  for (const e of events) {
    if (e.terminal_id !== file.terminal_id || e.store_id !== file.store_id) throw new AuthError('BAD_REQUEST', `event ${e.seq} is for ${e.store_id}/${e.terminal_id}, not the export's terminal`, 'events');
  }
  const salvageTerminal = salvageTerminalOf(file.terminal_id);
  const counts: Record<SalvageOutcome, number> = { applied: 0, conflict: 0, rejected: 0, already_imported: 0 };
  const report: SalvageReport = { terminal_id: file.terminal_id, salvage_terminal: salvageTerminal, results: [], counts, changes: [], alerts: [] };
  if (events.length === 0) return report;

  // The export must be this terminal's chain: intact, and forking from an event the hub holds.
  const first = events[0]!;
  const broken = verifyChain(events, { seq: first.seq - 1, hash: first.prev_hash });
  if (broken) throw new AuthError('BAD_REQUEST', `the export's chain is broken at seq ${broken.seq} (${broken.kind}): edited or not a journal export`, 'events');
  const fork = await hubHashAt(db, file.terminal_id, first.seq - 1);
  if (fork !== first.prev_hash) {
    throw new AuthError('BAD_REQUEST', `the export does not continue ${file.terminal_id}'s chain as the hub has it at seq ${first.seq - 1}: not this terminal's journal`, 'events');
  }

  const seen = await db.query<{ original_event_id: string }>(`SELECT original_event_id::text FROM salvaged_events WHERE original_event_id = ANY($1::uuid[])`, [events.map((e) => e.event_id)]);
  const imported = new Set(seen.rows.map((r) => r.original_event_id));
  const toApply: JournalEvent[] = [];
  const pending: Array<{ e: JournalEvent; outcome: SalvageOutcome; reason: string | null }> = [];
  for (const e of events) {
    if (imported.has(e.event_id)) {
      pending.push({ e, outcome: 'already_imported', reason: 'imported before' });
      continue;
    }
    const conflict = await conflictOf(db, e);
    if (conflict) pending.push({ e, outcome: 'conflict', reason: conflict });
    else toApply.push(e);
  }

  const bySeq = new Map<number, { salvage_seq: number; rejected: string | null }>();
  if (toApply.length > 0) {
    const head = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO terminals (terminal_id, store_id) VALUES ($1, $2) ON CONFLICT (terminal_id) DO NOTHING`, [salvageTerminal, file.store_id]);
      const { rows } = await tx.query<{ applied_through: string; applied_hash: string | null; store_id: string }>(
        `SELECT applied_through::text, applied_hash, store_id FROM terminals WHERE terminal_id = $1`,
        [salvageTerminal],
      );
      if (rows[0]!.store_id !== file.store_id) throw new AuthError('CONFLICT', `${salvageTerminal} belongs to another store`, 'terminal_id');
      return { seq: Number(rows[0]!.applied_through), hash: rows[0]!.applied_hash ?? GENESIS_HASH };
    });
    let prev = head;
    const sealed = toApply.map((e) => {
      const s = sealEvent(prev.hash, { version: e.version, terminal_id: salvageTerminal, store_id: e.store_id, seq: prev.seq + 1, event_id: e.event_id, type: e.type, occurred_at: e.occurred_at, payload: e.payload });
      prev = { seq: s.seq, hash: s.hash };
      return s;
    });
    const processor = asOriginalTerminal(o.processor, file.terminal_id);
    const r = await ingestBatch(db, { terminal_id: salvageTerminal, store_id: file.store_id, processor, log: o.log }, sealed);
    const rejected = new Map(r.rejected.map((x) => [x.seq, `${x.code}: ${x.reason}`]));
    sealed.forEach((s, i) => bySeq.set(toApply[i]!.seq, { salvage_seq: s.seq, rejected: s.seq <= r.applied_through ? (rejected.get(s.seq) ?? null) : 'NOT_REACHED: the hub stopped before this event; import the file again' }));
    report.changes.push(...r.changes);
    report.alerts.push(...r.alerts);
    for (const e of toApply) {
      const b = bySeq.get(e.seq)!;
      pending.push({ e, outcome: b.rejected ? 'rejected' : 'applied', reason: b.rejected });
    }
  }
  pending.sort((a, b) => a.e.seq - b.e.seq);
  for (const p of pending) {
    const salvageSeq = bySeq.get(p.e.seq)?.salvage_seq ?? null;
    if (p.outcome !== 'already_imported' && !(p.reason ?? '').startsWith('NOT_REACHED')) {
      await db.query(
        `INSERT INTO salvaged_events (original_event_id, terminal_id, original_seq, original_hash, type, outcome, reason, salvage_terminal, salvage_seq, imported_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (original_event_id) DO NOTHING`,
        [p.e.event_id, file.terminal_id, p.e.seq, p.e.hash, p.e.type, p.outcome, p.reason, p.outcome === 'conflict' ? null : salvageTerminal, p.outcome === 'conflict' ? null : salvageSeq, o.by],
      );
    }
    counts[p.outcome] += 1;
    report.results.push({ seq: p.e.seq, event_id: p.e.event_id, type: p.e.type, outcome: p.outcome, reason: p.reason, salvage_seq: p.outcome === 'conflict' ? null : salvageSeq });
  }
  return report;
}
