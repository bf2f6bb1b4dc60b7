import { z } from 'zod';
import { terminalIdSchema } from './journal-event';

// Register-reported totals (docs/sync-protocol.md 4.4b, issue 15): a register tells the hub,
// every half minute while it is connected, the running totals of its open shift as its own
// journal has them up to its head. The hub folds its copy of the same events (the same
// core fold, core/shift) up to that seq and raises a `totals_discrepancy` alert when the
// figures differ, with both side by side; it clears it when a later report agrees. Optional:
// a register that never sends it is simply not compared.

/** At most this many tender rows in a report (kind × processor). */
export const MAX_TOTALS_TENDERS = 32;
/** How often the reference register reports (ms). The hub compares on arrival. */
export const TOTALS_REPORT_INTERVAL_MS = 30_000;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const minor = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

export const totalsTenderSchema = z.strictObject({
  kind: z.enum(['cash', 'card', 'gift_card', 'points']),
  /** Card tenders only: the processor's id. */
  processor: z.string().min(1).max(64).optional(),
  sales_count: count,
  sales_amount: minor,
  refunds_count: count,
  refunds_amount: minor,
  net_amount: minor,
});
export type TotalsTender = z.infer<typeof totalsTenderSchema>;

/** The figures compared; every amount in minor units of the shift's currency. */
export const shiftTotalsSchema = z.strictObject({
  sales_count: count,
  /** Σ totals.subtotal of the sales (before discounts). */
  gross_sales: minor,
  discounts: minor,
  tax: minor,
  /** Σ totals.total of the sales. */
  sales_total: minor,
  refunds_count: count,
  refunds_total: minor,
  post_voids_count: count,
  post_voids_total: minor,
  /** sales_total − refunds_total − post_voids_total. */
  net_sales: minor,
  /** One row per tender kind (and card processor), sorted by `kind|processor`. */
  tenders: z.array(totalsTenderSchema).max(MAX_TOTALS_TENDERS),
});
export type ShiftTotals = z.infer<typeof shiftTotalsSchema>;

// ---- register -> hub: 'totals.report' ----
export const totalsReportRequestSchema = z.strictObject({
  terminal_id: terminalIdSchema,
  /** The open shift (the shift_id of its shift.opened event). */
  shift_id: z.string().uuid(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  /** The totals cover this terminal's journal events with seq <= through_seq: the register's head when it computed them. */
  through_seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** The hash of the register's event at through_seq. */
  head_hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  totals: shiftTotalsSchema,
});
export type TotalsReport = z.infer<typeof totalsReportRequestSchema>;

export const totalsReportAckSchema = z.object({
  ok: z.literal(true),
  /**
   * `agree`: the hub's figures up to through_seq are the register's. `differ`: they are not
   * (a `totals_discrepancy` alert is open). `pending`: the hub has not applied through_seq yet
   * (events in flight); it compares the next report.
   */
  status: z.enum(['agree', 'differ', 'pending']),
  applied_through: z.number().int().min(0),
  /** The hub's figures for the same shift and seqs (null while pending, or when the hub has no such shift). */
  hub_totals: shiftTotalsSchema.nullable(),
});
export type TotalsReportAck = z.infer<typeof totalsReportAckSchema>;

/** The figures that differ, by name (tender rows as `tenders.<kind>|<processor>.<field>`). */
export function totalsDifferences(a: ShiftTotals, b: ShiftTotals): string[] {
  const out: string[] = [];
  for (const k of ['sales_count', 'gross_sales', 'discounts', 'tax', 'sales_total', 'refunds_count', 'refunds_total', 'post_voids_count', 'post_voids_total', 'net_sales'] as const) {
    if (a[k] !== b[k]) out.push(k);
  }
  const key = (t: TotalsTender) => `${t.kind}|${t.processor ?? ''}`;
  const byKey = (list: TotalsTender[]) => new Map(list.map((t) => [key(t), t]));
  const ta = byKey(a.tenders);
  const tb = byKey(b.tenders);
  for (const k of [...new Set([...ta.keys(), ...tb.keys()])].sort()) {
    const x = ta.get(k);
    const y = tb.get(k);
    for (const f of ['sales_count', 'sales_amount', 'refunds_count', 'refunds_amount', 'net_amount'] as const) {
      if ((x?.[f] ?? 0) !== (y?.[f] ?? 0)) out.push(`tenders.${k}.${f}`);
    }
  }
  return out;
}
