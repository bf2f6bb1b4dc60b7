import { z } from 'zod';
import { terminalIdSchema } from './journal-event';

// Register-reported status (docs/sync-protocol.md 4.4c, issue 12 "Registers"): while it is
// connected a register tells the hub what only it knows: how much of its journal is not yet
// at the hub, its open shift, its app version and its devices (printer paper, drawer, card
// terminal). HQ's Registers page shows the last report with its time. Optional and
// informative: a register that never sends it shows nothing; the hub decides nothing on it.

/** How often the reference register reports while connected (ms), and once after each hello. */
export const STATUS_REPORT_INTERVAL_MS = 15_000;
/** At most this many devices in one report. */
export const MAX_STATUS_DEVICES = 16;

export const deviceReportSchema = z.strictObject({
  /** printer, drawer, scanner, scale, display, card_terminal, … */
  kind: z.string().min(1).max(32),
  /** ok; warning (works, needs attention: paper low); error (does not work); absent (none configured). */
  state: z.enum(['ok', 'warning', 'error', 'absent']),
  /** What a person reads: "paper low", "cover open", "offline". */
  message: z.string().max(200).optional(),
});
export type DeviceReport = z.infer<typeof deviceReportSchema>;

// ---- register -> hub: 'status.report' ----
export const statusReportRequestSchema = z.strictObject({
  terminal_id: terminalIdSchema,
  /** The register's journal head (its highest seq; 0 = empty). */
  head_seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Journal events not yet acknowledged by the hub, and when the oldest of them happened (null when none). */
  unsynced_count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  oldest_unsynced_at: z.string().datetime({ offset: true }).nullable(),
  app_version: z.string().min(1).max(64).optional(),
  /** The open shift (its shift.opened event), or null. */
  open_shift: z.strictObject({ shift_id: z.string().uuid(), opened_at: z.string().datetime({ offset: true }) }).nullable(),
  devices: z.array(deviceReportSchema).max(MAX_STATUS_DEVICES),
});
export type StatusReport = z.infer<typeof statusReportRequestSchema>;
export const statusReportAckSchema = z.strictObject({ ok: z.literal(true), received_at: z.string() });
export type StatusReportAck = z.infer<typeof statusReportAckSchema>;
