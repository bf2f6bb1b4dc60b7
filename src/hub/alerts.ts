import type { Alert } from '../core/protocol';
import type { Queryable } from './db/db';

// Alerts are for people, so a flood of them is a fault of its own: a register resending a
// tampered batch of 500 events must not write and broadcast 500 alerts. Every alert names
// its cause (kind + where, e.g. `duplicate_event_conflict:<terminal>`); a repeat of a cause
// that is still open (unacknowledged and raised within ALERT_FOLD_WINDOW) is folded into
// it (alerts.folded counts them, last_at is the latest), and each store gets at most
// MAX_NEW_ALERTS_PER_STORE_PER_MINUTE new alerts: the rest fold into one `alert_flood`
// alert per store. Only new alerts are published; folding is silent.

export const ALERT_FOLD_WINDOW_MINUTES = 10;
export const MAX_NEW_ALERTS_PER_STORE_PER_MINUTE = 30;

export interface AlertDraft extends Omit<Alert, 'created_at'> {
  /** What repeats of the same alert share. */
  cause: string;
}

/** Writes the drafts (folding repeats) and returns the alerts that are new, to publish. */
export async function writeAlerts(tx: Queryable, drafts: AlertDraft[]): Promise<Alert[]> {
  if (drafts.length === 0) return [];
  // Fold within the batch first, then against the table, cause by cause in a fixed order
  // so two transactions folding into the same rows take their locks in the same order.
  const byCause = new Map<string, { draft: AlertDraft; count: number }>();
  for (const d of drafts) {
    const seen = byCause.get(d.cause);
    if (seen) seen.count += 1;
    else byCause.set(d.cause, { draft: d, count: 1 });
  }
  const created: Alert[] = [];
  for (const cause of [...byCause.keys()].sort()) {
    const { draft, count } = byCause.get(cause)!;
    if (await foldInto(tx, cause, count)) continue;
    const { rows } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts WHERE store_id = $1 AND created_at > now() - interval '1 minute'`,
      [draft.store_id],
    );
    if (rows[0]!.n >= MAX_NEW_ALERTS_PER_STORE_PER_MINUTE) {
      const flood = `alert_flood:${draft.store_id}`;
      if (await foldInto(tx, flood, count)) continue;
      created.push(
        await insert(tx, {
          cause: flood,
          kind: 'alert_flood',
          store_id: draft.store_id,
          message: `more than ${MAX_NEW_ALERTS_PER_STORE_PER_MINUTE} alerts a minute at ${draft.store_id}; further alerts are counted here (first: ${draft.message})`.slice(0, 1000),
          data: { first_cause: draft.cause, first_kind: draft.kind },
        }, count - 1),
      );
      continue;
    }
    created.push(await insert(tx, draft, count - 1));
  }
  return created;
}

/** Adds `count` to the open alert of this cause, if there is one. */
async function foldInto(tx: Queryable, cause: string, count: number): Promise<boolean> {
  const { rows } = await tx.query<{ alert_id: number }>(
    `UPDATE alerts SET folded = folded + $2, last_at = now()
      WHERE alert_id = (SELECT alert_id FROM alerts
                         WHERE cause = $1 AND acknowledged_at IS NULL
                           AND created_at > now() - make_interval(mins => $3)
                         ORDER BY alert_id DESC LIMIT 1)
      RETURNING alert_id`,
    [cause, count, ALERT_FOLD_WINDOW_MINUTES],
  );
  return rows.length > 0;
}

async function insert(tx: Queryable, a: AlertDraft, folded: number): Promise<Alert> {
  const { rows } = await tx.query<{ created_at: Date }>(
    `INSERT INTO alerts (kind, store_id, terminal_id, message, data, cause, folded) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`,
    [a.kind, a.store_id, a.terminal_id ?? null, a.message, JSON.stringify(a.data), a.cause, folded],
  );
  const { cause: _, ...alert } = a;
  return { ...alert, data: folded > 0 ? { ...a.data, folded } : a.data, created_at: new Date(rows[0]!.created_at).toISOString() };
}
