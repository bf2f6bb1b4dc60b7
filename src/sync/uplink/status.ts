import type { DeviceReport, StatusReport } from '../../core/protocol';
import type { Journal } from '../journal/journal';

/**
 * What this register reports about itself (status.report, docs/sync-protocol.md 4.4c): its
 * journal head, the events the hub has not acknowledged and the oldest one's time, its open
 * shift, app version and the devices the register engine last saw.
 */
export function journalStatusReport(journal: Journal, appVersion: string, devices: DeviceReport[]): StatusReport {
  const head = journal.head();
  const un = journal.unsynced();
  const open = journal.getOpenShift();
  const shiftId = open?.payload.shift_id;
  const openedAt = open ? new Date(open.opened_at) : null;
  return {
    terminal_id: journal.terminalId,
    head_seq: head.seq,
    unsynced_count: un.count,
    oldest_unsynced_at: un.oldestOccurredAt ? new Date(un.oldestOccurredAt).toISOString() : null,
    ...(appVersion ? { app_version: appVersion.slice(0, 64) } : {}),
    open_shift: typeof shiftId === 'string' && openedAt && !Number.isNaN(openedAt.getTime()) ? { shift_id: shiftId, opened_at: openedAt.toISOString() } : null,
    devices: devices.slice(0, 16),
  };
}
