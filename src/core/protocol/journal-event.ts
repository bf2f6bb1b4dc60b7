import { z } from 'zod';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './sha256';
import { eventContentProblem } from './event-content';

// The journal event envelope: `(terminal_id, seq)` gap-free per terminal, a unique event_id,
// and hash = SHA-256(prev_hash + "\n" + canonical(body)), so the journal is an append-only,
// hash-chained audit trail that register and hub verify the same way.

export const JOURNAL_SCHEMA_VERSION = 1;
export const GENESIS_HASH = '0'.repeat(64);

export const hex64Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
export const terminalIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit');
export const storeIdSchema = terminalIdSchema;
export const eventIdSchema = z.string().uuid('must be a UUID');
export const eventTypeSchema = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'must be dotted lowercase, e.g. sale.completed');

/**
 * What the hash covers: exactly these eight members, in this (alphabetical in canonical
 * JSON) set. Strict: a member outside the envelope is refused, never silently dropped, since
 * dropping it would change what is hashed (see UNKNOWN_MEMBER in docs/sync-protocol.md).
 */
export const journalEventBodySchema = z.strictObject({
  version: z.literal(JOURNAL_SCHEMA_VERSION),
  terminal_id: terminalIdSchema,
  store_id: storeIdSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  event_id: eventIdSchema,
  type: eventTypeSchema,
  /** ISO-8601 UTC time the register recorded the event (its clock; informative, never used for order). */
  occurred_at: z.string().datetime({ offset: false }),
  payload: z.record(z.string(), z.unknown()),
});
export type JournalEventBody = z.infer<typeof journalEventBodySchema>;

/** The whole envelope, exactly: the hashed body plus prev_hash and hash, nothing else. */
export const journalEventEnvelopeSchema = journalEventBodySchema.extend({
  prev_hash: hex64Schema,
  hash: hex64Schema,
});

/** The members of a journal event on the wire: the hashed body plus prev_hash and hash. */
export const JOURNAL_EVENT_MEMBERS: readonly string[] = Object.keys(journalEventEnvelopeSchema.shape);

/**
 * The envelope as it travels: every field the hub needs to identify an event (seq,
 * event_id, hash) well-formed, the payload any JSON object, unknown members kept. The hub
 * checks the content rules and unknown members per event (event-content.ts,
 * unknownEventMembers) so it can refuse one event for good with a named code and move on,
 * instead of refusing the whole batch and stalling the terminal.
 */
export const journalEventWireSchema = journalEventEnvelopeSchema.loose();

/** A journal event whose content also obeys the shared rules: what a register may write. */
export const journalEventSchema = journalEventEnvelopeSchema
  .superRefine((e, ctx) => {
    const problem = eventContentProblem(e);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem.code}: ${problem.reason}` });
  })
  .describe(
    'Also checked: the content rules of docs/sync-protocol.md ("What an event may contain": strings, safe integers only, nesting, no card number in free text, lower-case event_id) and the hash (section 3.1).',
  );
export type JournalEvent = z.infer<typeof journalEventEnvelopeSchema>;

/** Top-level members of `e` that are not part of the journal event envelope, sorted. */
export function unknownEventMembers(e: object): string[] {
  return Object.keys(e)
    .filter((k) => !JOURNAL_EVENT_MEMBERS.includes(k))
    .sort();
}

export function bodyOf(e: JournalEvent): JournalEventBody {
  return {
    version: e.version,
    terminal_id: e.terminal_id,
    store_id: e.store_id,
    seq: e.seq,
    event_id: e.event_id,
    type: e.type,
    occurred_at: e.occurred_at,
    payload: e.payload,
  };
}

export function hashEvent(prevHash: string, body: JournalEventBody): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(body)}`);
}

/**
 * hashEvent for a body whose payload's canonical JSON is already known (`payloadText` must be
 * canonicalJson(body.payload)): the envelope's eight members are written in canonical order
 * around it, so the payload is not walked a second time. Same hex as hashEvent (a property
 * test holds them equal).
 */
export function hashEventWithPayloadText(prevHash: string, body: Omit<JournalEventBody, 'payload'>, payloadText: string): string {
  if (!Number.isSafeInteger(body.seq) || !Number.isSafeInteger(body.version)) throw new Error('hashEventWithPayloadText: seq and version must be safe integers');
  // canonicalJson writes strings with JSON.stringify and sorts keys: event_id, occurred_at,
  // payload, seq, store_id, terminal_id, type, version.
  const text =
    `{"event_id":${JSON.stringify(body.event_id)},"occurred_at":${JSON.stringify(body.occurred_at)},"payload":${payloadText},` +
    `"seq":${body.seq},"store_id":${JSON.stringify(body.store_id)},"terminal_id":${JSON.stringify(body.terminal_id)},` +
    `"type":${JSON.stringify(body.type)},"version":${body.version}}`;
  return sha256Hex(`${prevHash}\n${text}`);
}

/** Seals a body onto the chain after `prevHash`. */
export function sealEvent(prevHash: string, body: JournalEventBody): JournalEvent {
  return { ...body, prev_hash: prevHash, hash: hashEvent(prevHash, body) };
}

export type ChainBreak =
  | { kind: 'bad_hash'; seq: number; expected: string; actual: string }
  | { kind: 'bad_link'; seq: number; expected_prev: string; actual_prev: string }
  | { kind: 'gap'; seq: number; expected_seq: number };

/**
 * Checks a run of events of one terminal. `prev` is the event before the first one (or
 * null when the run starts at seq 1). Returns the first broken link, or null.
 */
export function verifyChain(events: Iterable<JournalEvent>, prev: { seq: number; hash: string } | null = null): ChainBreak | null {
  let expectedSeq = prev ? prev.seq + 1 : 1;
  let prevHash = prev ? prev.hash : GENESIS_HASH;
  for (const e of events) {
    if (e.seq !== expectedSeq) return { kind: 'gap', seq: e.seq, expected_seq: expectedSeq };
    if (e.prev_hash !== prevHash) return { kind: 'bad_link', seq: e.seq, expected_prev: prevHash, actual_prev: e.prev_hash };
    const h = hashEvent(e.prev_hash, bodyOf(e));
    if (h !== e.hash) return { kind: 'bad_hash', seq: e.seq, expected: h, actual: e.hash };
    prevHash = e.hash;
    expectedSeq += 1;
  }
  return null;
}
