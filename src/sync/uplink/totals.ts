import { MAX_TOTALS_TENDERS, type TotalsReport } from '../../core/protocol';
import { replayShift, shiftTotals } from '../../core/shift';
import type { Journal } from '../journal/journal';

/**
 * The open shift's totals as this register's journal has them up to its head (the
 * totals.report message, docs/sync-protocol.md 4.4b), or null without an open shift. The
 * shift's events come from the journal's shift index; the fold is core's, the same the hub
 * runs over its copy.
 */
export function journalTotalsReport(journal: Journal): TotalsReport | null {
  const open = journal.getOpenShift();
  const shiftId = open?.payload.shift_id;
  if (typeof shiftId !== 'string') return null;
  const head = journal.head();
  const events = journal.shiftEvents(shiftId);
  if (events[0]?.type !== 'shift.opened') return null;
  const folded = replayShift(events);
  if (!folded.ok) return null;
  const totals = shiftTotals(folded.state);
  if (totals.tenders.length > MAX_TOTALS_TENDERS) return null;
  return { terminal_id: journal.terminalId, shift_id: shiftId, currency: folded.state.currency, through_seq: head.seq, head_hash: head.hash, totals };
}
