import type { z } from 'zod';
import { batchSignatureSchema, journalEventEnvelopeSchema, JOURNAL_SCHEMA_VERSION, MAX_EVENTS_PER_BATCH, pushEventsRequestSchema, SIGNATURE_ALG } from '../core/protocol';

// The `events.push` request checked by hand on the common path. zod's object and array
// machinery over a batch of 500 events was a visible share of the hub's ingest time; this
// walk accepts only requests it is sure zod accepts, and returns what zod would return (the
// top level's known members; the events as sent: the wire schema keeps their unknown members
// and copies nothing else). Anything else, and every refusal, goes to zod, so what is refused,
// its code (BAD_REQUEST) and its message are zod's (push-envelope.test.ts holds the two equal
// on arbitrary and mutated requests).
//
// The string checks are taken from the schemas themselves: a string schema whose checks are
// all patterns (regex, uuid, datetime) is tested with those patterns, as zod tests them; one
// with any other check is asked of zod (slower, never different).

export type PushEventsRequest = z.infer<typeof pushEventsRequestSchema>;

interface ZodInternals {
  _zod: { def: { type: string; checks?: Array<{ _zod: { def: { check?: string; pattern?: RegExp } } }> } };
}

/** A predicate equal to `schema.safeParse(v).success` for a string schema. */
function stringCheck(schema: z.ZodType): (v: unknown) => boolean {
  const def = (schema as unknown as ZodInternals)._zod.def;
  const checks = def.checks ?? [];
  const patterns = checks.map((c) => (c._zod.def.check === 'string_format' && c._zod.def.pattern instanceof RegExp ? c._zod.def.pattern : null));
  if (def.type !== 'string' || patterns.some((p) => p === null)) return (v) => schema.safeParse(v).success;
  const ps = patterns as RegExp[];
  return (v) => {
    if (typeof v !== 'string') return false;
    for (const p of ps) {
      p.lastIndex = 0;
      if (!p.test(v)) return false;
    }
    return true;
  };
}

const shape = journalEventEnvelopeSchema.shape;
const isTerminalId = stringCheck(pushEventsRequestSchema.shape.terminal_id);
const isEventTerminalId = stringCheck(shape.terminal_id);
const isStoreId = stringCheck(shape.store_id);
const isEventId = stringCheck(shape.event_id);
const isType = stringCheck(shape.type);
const isOccurredAt = stringCheck(shape.occurred_at);
const isPrevHash = stringCheck(shape.prev_hash);
const isHash = stringCheck(shape.hash);
const sigShape = batchSignatureSchema.shape;
const isHeadHash = stringCheck(sigShape.head_hash);
const isSig = stringCheck(sigShape.sig);

const EVENT_MEMBERS = new Set(Object.keys(shape));
const SIGNATURE_MEMBERS = new Set(Object.keys(sigShape));
const REQUEST_MEMBERS = new Set(Object.keys(pushEventsRequestSchema.shape));

/** A plain object as JSON.parse makes it (zod's record and object copies would differ on anything else). */
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

const isSeq = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

function leanEvent(e: unknown): boolean {
  if (!isPlain(e)) return false;
  let known = 0;
  for (const k in e) {
    if (EVENT_MEMBERS.has(k)) known++;
    else if (k === '__proto__' || k === 'constructor') return false; // zod's loose copy drops the one; the other is left to zod too
  }
  if (known !== EVENT_MEMBERS.size) return false;
  const p = e.payload;
  if (!isPlain(p) || Object.prototype.hasOwnProperty.call(p, '__proto__') || Object.prototype.hasOwnProperty.call(p, 'constructor')) return false;
  return (
    e.version === JOURNAL_SCHEMA_VERSION &&
    isSeq(e.seq) &&
    isEventTerminalId(e.terminal_id) &&
    isStoreId(e.store_id) &&
    isEventId(e.event_id) &&
    isType(e.type) &&
    isOccurredAt(e.occurred_at) &&
    isPrevHash(e.prev_hash) &&
    isHash(e.hash)
  );
}

function leanSignature(s: unknown): boolean {
  if (!isPlain(s)) return false;
  let n = 0;
  for (const k in s) {
    if (!SIGNATURE_MEMBERS.has(k)) return false; // zod strips it: the copy would differ
    n++;
  }
  return n === SIGNATURE_MEMBERS.size && s.alg === SIGNATURE_ALG && isSeq(s.first_seq) && isSeq(s.last_seq) && isHeadHash(s.head_hash) && isSig(s.sig);
}

/**
 * The request as zod's `pushEventsRequestSchema` would give it, or null when this walk is not
 * sure (then zod decides).
 */
export function leanPushRequest(raw: unknown): PushEventsRequest | null {
  if (!isPlain(raw)) return null;
  for (const k in raw) if (!REQUEST_MEMBERS.has(k)) return null; // zod strips unknown members
  if (!isTerminalId(raw.terminal_id)) return null;
  const events = raw.events;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS_PER_BATCH) return null;
  for (let i = 0; i < events.length; i++) if (!(i in events) || !leanEvent(events[i])) return null;
  const out: Record<string, unknown> = { terminal_id: raw.terminal_id, events };
  if ('signature' in raw) {
    if (raw.signature !== undefined && !leanSignature(raw.signature)) return null;
    out.signature = raw.signature === undefined ? undefined : { ...raw.signature };
  }
  return out as PushEventsRequest;
}

/** `events.push` parsed: the lean walk when it is sure, zod otherwise (and for every refusal). */
export function parsePushRequest(raw: unknown): ReturnType<typeof pushEventsRequestSchema.safeParse> {
  const lean = leanPushRequest(raw);
  return lean ? { success: true, data: lean } as ReturnType<typeof pushEventsRequestSchema.safeParse> : pushEventsRequestSchema.safeParse(raw);
}
