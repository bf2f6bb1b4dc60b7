import {
  totalsDifferences,
  type Alert,
  type ShiftTotals,
  type TotalsReport,
  type TotalsReportAck,
} from '../../core/protocol';
import { MAX_EVENTS_PER_SHIFT, replayShift, shiftTotals } from '../../core/shift';
import type { Db, Queryable } from '../db/db';
import { writeAlerts } from '../alerts';

// Register-reported totals vs the hub (issue 15, docs/sync-protocol.md 4.4b). A register
// reports its open shift's totals up to its journal head; the hub folds its own copy of that
// shift's events up to the same seq with the same core fold and compares. When they differ
// it raises one `totals_discrepancy` alert per terminal and shift with both figures (kept up
// to date by later reports); when a later report agrees, the hub acknowledges that alert
// itself and publishes it again with data.cleared_at. Events still in flight (the register's
// head beyond the hub's mark) are not a discrepancy: the report waits for the next one.
// A head that stays ahead of a mark that does not move for STUCK_AFTER_SECONDS while the
// register keeps reporting is a `sync_stuck` alert, cleared the same way.

export const STUCK_AFTER_SECONDS = 60;
export const CLEARED_BY = 'hub (figures agree again)';

export interface TotalsVerdict {
  ack: TotalsReportAck;
  /**
   * Alerts to publish: new ones and cleared ones. A later report that folds into an open alert
   * updates that row (count, figures) but does not publish it again.
   */
  alerts: Alert[];
}

export class TotalsConflictError extends Error {}

type AlertRow = {
  alert_id: string;
  kind: Alert['kind'];
  store_id: string;
  terminal_id: string | null;
  message: string;
  data: Record<string, unknown>;
  created_at: Date | string;
};
const toAlert = (r: AlertRow): Alert => ({
  kind: r.kind,
  store_id: r.store_id,
  ...(r.terminal_id ? { terminal_id: r.terminal_id } : {}),
  message: r.message,
  data: { ...r.data, alert_id: Number(r.alert_id) },
  created_at: new Date(r.created_at).toISOString(),
});

/** The hub's totals of a terminal's shift up to a seq (null: the hub has no shift.opened for it). */
export async function hubShiftTotals(db: Queryable, terminalId: string, shiftId: string, throughSeq: number): Promise<{ totals: ShiftTotals; currency: string } | null> {
  const { rows } = await db.query<{ type: string; payload: unknown }>(
    `SELECT type, payload FROM journal_events WHERE terminal_id = $1 AND payload->>'shift_id' = $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
    [terminalId, shiftId, throughSeq, MAX_EVENTS_PER_SHIFT],
  );
  if (rows[0]?.type !== 'shift.opened') return null;
  const folded = replayShift(rows);
  if (!folded.ok) return null;
  return { totals: shiftTotals(folded.state), currency: folded.state.currency };
}

const figures = (t: ShiftTotals | null): string => (t === null ? 'no such shift' : `${t.sales_count} sales, gross ${t.gross_sales}, net ${t.net_sales}`);

/**
 * Register-totals rows kept per terminal: one a shift, so this is months of shifts. A report
 * may name any shift id (an unknown one is a discrepancy, not an error), so without a cap a
 * register could grow the table without end; the oldest rows go first.
 */
export const MAX_TOTALS_ROWS_PER_TERMINAL = 200;

/**
 * Checks one report; the caller publishes the alerts after commit.
 *
 * The hub's fold of the shift runs before the transaction and takes no lock: once the hub's
 * mark is at or past the report's seq, the events it folds are stored and never change, so
 * the fold cannot go stale. Holding the terminal's row while folding a long shift (up to
 * MAX_EVENTS_PER_SHIFT events) would stall that register's ingest, which locks the same row.
 * Reports of one terminal are serialised by a transaction-level advisory lock instead.
 */
export async function checkTotalsReport(db: Db, who: { terminal_id: string; store_id: string }, report: TotalsReport): Promise<TotalsVerdict> {
  const mark = await db.query<{ applied_through: string }>(`SELECT applied_through FROM terminals WHERE terminal_id = $1`, [who.terminal_id]);
  const appliedThrough = Number(mark.rows[0]?.applied_through ?? 0);
  const ahead = report.through_seq > appliedThrough;
  let status: TotalsReportAck['status'] = 'pending';
  let hub: { totals: ShiftTotals; currency: string } | null = null;
  let differences: string[] = [];
  if (!ahead) {
    const h = await db.query<{ hash: string }>(`SELECT hash FROM journal_events WHERE terminal_id = $1 AND seq = $2`, [who.terminal_id, report.through_seq]);
    // A rejected head event is not in journal_events; any other hash is another chain.
    if (h.rows[0] && h.rows[0].hash !== report.head_hash) {
      throw new TotalsConflictError(`totals.report: the hub's event ${report.through_seq} of ${who.terminal_id} hashes to ${h.rows[0].hash}, the report says ${report.head_hash}`);
    }
    hub = await hubShiftTotals(db, who.terminal_id, report.shift_id, report.through_seq);
    differences = hub === null ? ['shift'] : totalsDifferences(report.totals, hub.totals);
    if (hub !== null && hub.currency !== report.currency) differences.unshift('currency');
    status = differences.length === 0 ? 'agree' : 'differ';
  }

  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('register_totals:' || $1))`, [who.terminal_id]);
    const prev = await tx.query<{ ahead_since: Date | null; ahead_mark: string | null; through_seq: string }>(
      `SELECT ahead_since, ahead_mark, through_seq FROM register_totals WHERE terminal_id = $1 AND shift_id = $2`,
      [who.terminal_id, report.shift_id],
    );
    const alerts: Alert[] = [];
    // Reports are checked outside the lock, so an older report can reach it after a newer one
    // of the same shift: its verdict is answered but must not overwrite the newer row or
    // reopen an alert the newer report cleared.
    if (prev.rows[0] && Number(prev.rows[0].through_seq) > report.through_seq) {
      return { ack: { ok: true, status, applied_through: appliedThrough, hub_totals: hub?.totals ?? null }, alerts };
    }
    let aheadSince: Date | null = null;
    let aheadMark: number | null = null;
    if (ahead) {
      const p = prev.rows[0];
      // The clock restarts whenever the mark moved: a register selling steadily is always a little ahead.
      const same = p?.ahead_since && p.ahead_mark !== null && Number(p.ahead_mark) === appliedThrough;
      aheadSince = same ? new Date(p.ahead_since!) : new Date();
      aheadMark = appliedThrough;
    }
    const stuckCause = `sync_stuck:${who.terminal_id}`;
    if (ahead && Date.now() - aheadSince!.getTime() >= STUCK_AFTER_SECONDS * 1000) {
      const open = await tx.query(`SELECT 1 FROM alerts WHERE cause = $1 AND acknowledged_at IS NULL`, [stuckCause]);
      if (open.rows.length === 0) {
        alerts.push(...(await writeAlerts(tx, [{
          cause: stuckCause, kind: 'sync_stuck', store_id: who.store_id, terminal_id: who.terminal_id,
          message: `${who.terminal_id}: online with journal head ${report.through_seq}, but the hub's mark has stayed at ${appliedThrough} for over ${STUCK_AFTER_SECONDS} s`,
          data: { head: report.through_seq, applied_through: appliedThrough, ahead_since: aheadSince!.toISOString() },
        }])));
      }
    } else if (!ahead) {
      alerts.push(...(await clear(tx, stuckCause, { applied_through: appliedThrough })));
    }

    if (!ahead) {
      const cause = `totals_discrepancy:${who.terminal_id}:${report.shift_id}`;
      if (status === 'differ') {
        const data = {
          shift_id: report.shift_id, through_seq: report.through_seq, currency: report.currency,
          register: report.totals, hub: hub?.totals ?? null, differences: differences.slice(0, 50),
        };
        const message = `${who.terminal_id}: shift totals differ through seq ${report.through_seq}: register ${figures(report.totals)}; hub ${figures(hub?.totals ?? null)} (${differences.slice(0, 5).join(', ')})`.slice(0, 1000);
        // One alert per terminal and shift while it is open, with the latest figures.
        const open = await tx.query<AlertRow>(
          `UPDATE alerts SET data = $2, message = $3, folded = folded + 1, last_at = now()
            WHERE alert_id = (SELECT alert_id FROM alerts WHERE cause = $1 AND acknowledged_at IS NULL ORDER BY alert_id DESC LIMIT 1)
            RETURNING alert_id, kind, store_id, terminal_id, message, data, created_at`,
          [cause, JSON.stringify(data), message],
        );
        if (open.rows.length === 0) {
          alerts.push(...(await writeAlerts(tx, [{ cause, kind: 'totals_discrepancy', store_id: who.store_id, terminal_id: who.terminal_id, message, data }])));
        }
      } else {
        alerts.push(...(await clear(tx, cause, { cleared_through_seq: report.through_seq })));
      }
    }

    await tx.query(
      `INSERT INTO register_totals (terminal_id, shift_id, store_id, currency, through_seq, reported, hub, status, differences, reported_at, checked_at, ahead_since, ahead_mark)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), CASE WHEN $8 = 'pending' THEN NULL ELSE now() END, $10, $11)
       ON CONFLICT (terminal_id, shift_id) DO UPDATE SET currency = EXCLUDED.currency, through_seq = EXCLUDED.through_seq, reported = EXCLUDED.reported,
         hub = CASE WHEN EXCLUDED.status = 'pending' THEN register_totals.hub ELSE EXCLUDED.hub END,
         status = EXCLUDED.status, differences = EXCLUDED.differences, reported_at = now(),
         checked_at = COALESCE(EXCLUDED.checked_at, register_totals.checked_at), ahead_since = EXCLUDED.ahead_since, ahead_mark = EXCLUDED.ahead_mark`,
      [who.terminal_id, report.shift_id, who.store_id, report.currency, report.through_seq, JSON.stringify(report.totals), hub ? JSON.stringify(hub.totals) : null, status, JSON.stringify(differences), aheadSince, aheadMark],
    );
    await tx.query(
      `DELETE FROM register_totals WHERE terminal_id = $1 AND shift_id IN (
         SELECT shift_id FROM register_totals WHERE terminal_id = $1 ORDER BY reported_at DESC, shift_id DESC OFFSET $2)`,
      [who.terminal_id, MAX_TOTALS_ROWS_PER_TERMINAL],
    );
    return { ack: { ok: true, status, applied_through: appliedThrough, hub_totals: hub?.totals ?? null }, alerts };
  });
}

/** Acknowledges the open alerts of a cause as the hub and returns them (to publish as cleared). */
async function clear(tx: Queryable, cause: string, extra: Record<string, unknown>): Promise<Alert[]> {
  const { rows } = await tx.query<AlertRow>(
    `UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2, data = data || jsonb_build_object('cleared_at', now()) || $3::jsonb
      WHERE cause = $1 AND acknowledged_at IS NULL
      RETURNING alert_id, kind, store_id, terminal_id, message, data, created_at`,
    [cause, CLEARED_BY, JSON.stringify(extra)],
  );
  return rows.map(toAlert);
}
