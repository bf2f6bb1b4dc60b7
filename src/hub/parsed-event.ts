import { parseEventPayload, type EventType, type ParsePayloadResult } from '../core/events';
import type { JournalEvent } from '../core/protocol';
import { leanParsePayload } from './lean-payload';

// Each event's payload is parsed by its type's schema once in the hub: validation, posting,
// stock movements and gift card / points movements all read the one result (it was parsed five
// times per sale, a fifth of ingest's busy time with the push schema). Kept per event object;
// an event whose payload object was replaced since is parsed again. A sale zod surely accepts
// is checked by hand (lean-payload.ts: same answer, its data the payload itself).

const parsed = new WeakMap<JournalEvent, { payload: unknown; result: ParsePayloadResult<EventType> }>();

export function parsedPayload(e: JournalEvent): ParsePayloadResult<EventType> {
  const hit = parsed.get(e);
  if (hit && hit.payload === e.payload) return hit.result;
  const result = leanParsePayload(e.type, e.payload) ?? parseEventPayload(e.type, e.payload);
  parsed.set(e, { payload: e.payload, result });
  return result;
}
