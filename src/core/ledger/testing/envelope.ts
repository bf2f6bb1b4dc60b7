import { GENESIS_HASH, sealEvent, type JournalEvent } from '../../protocol/journal-event';
import { sha256Hex } from '../../protocol/sha256';

// Test helper: wraps a payload in a sealed journal event envelope. The event id is derived
// from the inputs (a UUID-shaped slice of a hash) so fixtures stay deterministic.

export function envelope(type: string, payload: Record<string, unknown>, opts: { seq?: number; occurred_at?: string; prev_hash?: string; salt?: string } = {}): JournalEvent {
  const seq = opts.seq ?? 1;
  const h = sha256Hex(`${type}|${seq}|${opts.salt ?? ''}|${JSON.stringify(payload)}`);
  const event_id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return sealEvent(opts.prev_hash ?? GENESIS_HASH, {
    version: 1,
    terminal_id: String(payload.terminal_id),
    store_id: String(payload.store_id),
    seq,
    event_id,
    type,
    occurred_at: opts.occurred_at ?? '2026-11-23T02:30:00.000Z',
    payload,
  });
}
