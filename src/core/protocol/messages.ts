import { z } from 'zod';
import { journalEventWireSchema, storeIdSchema, terminalIdSchema } from './journal-event';
import { saleLookupAckSchema, saleLookupRequestSchema } from './sale-lookup';
import { batchSignatureSchema } from './device-signature';
import { totalsReportAckSchema, totalsReportRequestSchema } from './totals-report';
import { statusReportAckSchema, statusReportRequestSchema } from './status-report';
import {
  cardLookupAckSchema,
  cardLookupRequestSchema,
  customerCreateAckSchema,
  customerCreateRequestSchema,
  customerLookupAckSchema,
  customerLookupRequestSchema,
  tenderReleaseAckSchema,
  tenderReleaseRequestSchema,
  tenderReserveAckSchema,
  tenderReserveRequestSchema,
} from './value-accounts';

// Every register <-> hub socket.io message. socket.io is only the transport: delivery is
// owned by the journal (hub high-water mark per terminal) and by the per-store change
// cursor, exchanged on every (re)connect. Each request is an emit with an acknowledgement;
// every ack is either { ok: true, ... } or { ok: false, error }.
//
// docs/sync-protocol.md is the prose version of this file; change both together.

export const PROTOCOL_VERSION = 1;
/** Bounds that both sides enforce, so one register cannot exhaust the hub. */
export const MAX_EVENTS_PER_BATCH = 500;
/**
 * events.push messages a register may have sent and not yet had answered (pipelining,
 * docs/sync-protocol.md 4.2); a hub admits this many per terminal and answers BUSY beyond.
 */
export const MAX_PUSHES_IN_FLIGHT = 2;
/** Cashiers a hello may name (a register's config holds at most 500). */
export const MAX_HELLO_CASHIERS = 500;
export const MAX_CHANGES_PER_PULL = 1000;
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * The largest socket.io frame the hub reads (its engine.io maxHttpBufferSize). A message
 * between MAX_MESSAGE_BYTES and this is answered TOO_LARGE; a frame beyond it is never read
 * into memory: the transport closes the connection (the register reconnects and resends less).
 */
export const MAX_FRAME_BYTES = 2 * MAX_MESSAGE_BYTES;

export const protocolErrorSchema = z.object({
  code: z.enum(['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'TOO_LARGE', 'CONFLICT', 'INTERNAL', 'UNAVAILABLE', 'BUSY', 'BAD_SIGNATURE']),
  message: z.string(),
});
export type ProtocolError = z.infer<typeof protocolErrorSchema>;
export const errorAck = z.object({ ok: z.literal(false), error: protocolErrorSchema });

// ---- register -> hub: 'hello' (first thing after every connect) ----
export const helloRequestSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  terminal_id: terminalIdSchema,
  app_version: z.string().max(64),
  /** The register's downlink cursor: last store change it applied. */
  change_cursor: z.number().int().min(0),
  /**
   * Optional (docs/sync-protocol.md 4.1): the register's cashiers with the name its receipts
   * print, so the hub's copy of a receipt names the cashier as the paper does. An older hub
   * ignores it (messages are open); a register that leaves it out keeps what the hub had.
   */
  cashiers: z
    .array(z.object({ cashier_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/), name: z.string().min(1).max(64) }))
    .max(MAX_HELLO_CASHIERS)
    .optional(),
});
export const helloAckSchema = z.object({
  ok: z.literal(true),
  store_id: storeIdSchema,
  /** Highest seq of this terminal the hub has applied (0 = none). The register resends after it. */
  applied_through: z.number().int().min(0),
  /** Hash of the event at applied_through, so the register can detect a diverged chain. */
  applied_hash: z.string().nullable(),
  /** Latest cursor of the store's change log. */
  latest_change_cursor: z.number().int().min(0),
  /** The register is too far behind (or new): take a snapshot before pulling. */
  snapshot_required: z.boolean(),
  server_time: z.string(),
  /**
   * What this hub answers beyond protocol 1's first form (docs/sync-protocol.md 4.1): absent on
   * an older hub. `snapshot.page` means the snapshot can be taken in bounded pages (4.5b).
   */
  capabilities: z.array(z.string().max(64)).max(32).optional(),
});

/** Capabilities a hub names in its hello ack. */
// A register uses a capability only when the hub's hello lists it: an older hub ignores
// what it does not know, and would answer a pipelined push as a gap (4.2).
export const HUB_CAPABILITIES = { snapshotPage: 'snapshot.page', pushPipeline: 'push.pipeline' } as const;

// ---- register -> hub: 'events.push' ----
export const pushEventsRequestSchema = z.object({
  terminal_id: terminalIdSchema,
  events: z.array(journalEventWireSchema).min(1).max(MAX_EVENTS_PER_BATCH),
  /**
   * The register's Ed25519 signature of the batch (device-signature.ts): required from a
   * register that enrolled a device key, ignored from one that did not.
   */
  signature: batchSignatureSchema.optional(),
});
/**
 * Why the hub refused one event for good (docs/sync-protocol.md explains each). The event
 * still counts as done (applied_through moves past it) and surfaces to a manager.
 */
export const REJECTION_CODES = [
  'INVALID_PAYLOAD',
  'HASH_MISMATCH',
  'DUPLICATE_EVENT_ID_DIFFERENT_HASH',
  'CHAIN_BROKEN',
  'POSTING_FAILED',
  'FORBIDDEN',
  // a top-level member outside the envelope (refused before the hash, which would not cover it)
  'UNKNOWN_MEMBER',
  // content rules shared with the register (event-content.ts)
  'BAD_TEXT',
  'UNHASHABLE',
  'CARD_NUMBER',
  'NON_CANONICAL_ID',
  // business rules the hub checks against what it has stored
  'CURRENCY_MISMATCH',
  'ORIGINAL_NOT_FOUND',
  'ORIGINAL_MISMATCH',
  'ALREADY_REVERSED',
] as const;
export const rejectionCodeSchema = z.enum(REJECTION_CODES);
export const rejectedEventSchema = z.object({
  seq: z.number().int().min(1),
  event_id: z.string(),
  code: rejectionCodeSchema,
  reason: z.string(),
});
export type RejectedEvent = z.infer<typeof rejectedEventSchema>;
export const pushEventsAckSchema = z.object({
  ok: z.literal(true),
  /** Every seq <= applied_through is durably committed at the hub (applied or rejected). */
  applied_through: z.number().int().min(0),
  /** Events at or below applied_through that the hub rejected permanently. */
  rejected: z.array(rejectedEventSchema),
});

// ---- store change log (hub -> register) ----
export const storeChangeKindSchema = z.enum(['price', 'promotion', 'catalog', 'stock', 'oversell', 'customer', 'tax', 'config']);
export const storeChangeSchema = z.object({
  store_id: storeIdSchema,
  /** Monotonic per store, gap-free. */
  cursor: z.number().int().min(1),
  kind: storeChangeKindSchema,
  payload: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type StoreChange = z.infer<typeof storeChangeSchema>;

/** hub -> register push on the store room: 'changes'. The register applies them only if contiguous with its cursor. */
export const changesPushSchema = z.object({
  store_id: storeIdSchema,
  changes: z.array(storeChangeSchema).min(1).max(MAX_CHANGES_PER_PULL),
});

// ---- register -> hub: 'changes.pull' ----
export const pullChangesRequestSchema = z.object({
  after_cursor: z.number().int().min(0),
  limit: z.number().int().min(1).max(MAX_CHANGES_PER_PULL),
});
export const pullChangesAckSchema = z.object({
  ok: z.literal(true),
  changes: z.array(storeChangeSchema),
  latest_change_cursor: z.number().int().min(0),
  /** The log before after_cursor+1 was compacted: take a snapshot. */
  snapshot_required: z.boolean(),
});

// ---- register -> hub: 'changes.applied' ----
/**
 * The register tells the hub the last store change it applied (after applying a push or a
 * pull), so HQ sees which registers have a change. Informative: nothing depends on it.
 */
export const changesAppliedRequestSchema = z.object({ change_cursor: z.number().int().min(0) });
export const changesAppliedAckSchema = z.object({ ok: z.literal(true) });

// ---- register -> hub: 'snapshot.get' ----
export const snapshotRequestSchema = z.object({});
export const snapshotAckSchema = z.object({
  ok: z.literal(true),
  store_id: storeIdSchema,
  /** The snapshot reflects every change up to and including this cursor. */
  cursor: z.number().int().min(0),
  catalog: z.array(z.record(z.string(), z.unknown())),
  prices: z.array(z.record(z.string(), z.unknown())),
  promotions: z.array(z.record(z.string(), z.unknown())),
  stock: z.array(z.object({ sku: z.string(), on_hand: z.object({ units: z.number().int(), scale: z.number().int() }) })),
  tax: z.record(z.string(), z.unknown()),
  config: z.record(z.string(), z.unknown()),
});

// ---- register -> hub: 'snapshot.page' (hub capability 'snapshot.page') ----
/** Most items in one snapshot page; with core's bounded product record a page stays a few MiB. */
export const MAX_SNAPSHOT_PAGE_ITEMS = 5000;
/**
 * The sections of a paged snapshot, in the order the hub's `next` leads through them: prices
 * before the catalog, so a register can check and store each product with its price once.
 */
export const SNAPSHOT_SECTIONS = ['prices', 'stock', 'promotions', 'catalog', 'settings'] as const;
const snapshotSectionSchema = z.enum(SNAPSHOT_SECTIONS);
export type SnapshotSection = z.infer<typeof snapshotSectionSchema>;
export const snapshotPageRequestSchema = z.object({
  section: snapshotSectionSchema,
  /** The last key of the previous page of this section ('' = from the section's start). */
  after: z.string().max(128),
  limit: z.number().int().min(1).max(MAX_SNAPSHOT_PAGE_ITEMS),
});
export const snapshotPageAckSchema = z.object({
  ok: z.literal(true),
  store_id: storeIdSchema,
  /** The store's change cursor, read in the same database snapshot as this page's rows. */
  cursor: z.number().int().min(0),
  section: snapshotSectionSchema,
  /** catalog: product records; prices: { sku, amount, currency, updated_at }; stock: { sku, on_hand }; promotions: { promotion_id, … }; settings: none. */
  items: z.array(z.record(z.string(), z.unknown())).max(MAX_SNAPSHOT_PAGE_ITEMS),
  /** The page after this one, or null when this was the last page of the last section. */
  next: z.object({ section: snapshotSectionSchema, after: z.string().max(128) }).nullable(),
  /** Row counts of each section, on the first page of the first section (for progress). */
  totals: z.object({ catalog: z.number().int().min(0), prices: z.number().int().min(0), stock: z.number().int().min(0), promotions: z.number().int().min(0) }).optional(),
  /** The store's tax table and config: on the settings page only. */
  tax: z.record(z.string(), z.unknown()).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
});
export type SnapshotPageAck = z.infer<typeof snapshotPageAckSchema>;

/** Names of the socket.io events, in one place. */
export const MSG = {
  hello: 'hello',
  pushEvents: 'events.push',
  pullChanges: 'changes.pull',
  changesApplied: 'changes.applied',
  snapshot: 'snapshot.get',
  snapshotPage: 'snapshot.page',
  saleLookup: 'sale.lookup',
  cardLookup: 'card.lookup',
  tenderReserve: 'tender.reserve',
  tenderRelease: 'tender.release',
  customerLookup: 'customer.lookup',
  customerCreate: 'customer.create',
  totalsReport: 'totals.report',
  statusReport: 'status.report',
  changes: 'changes',
  alert: 'alert',
} as const;

export const alertSchema = z.object({
  kind: z.enum(['oversell', 'event_rejected', 'duplicate_event_conflict', 'price_changed', 'alert_flood', 'auth_lockout', 'channel', 'payment_unresolved', 'payment_resolved', 'drawer_left_open', 'card_negative', 'reservation_expired', 'signature_refused', 'totals_discrepancy', 'sync_stuck', 'transfer_short']),
  store_id: storeIdSchema,
  terminal_id: terminalIdSchema.optional(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
  created_at: z.string(),
});
export type Alert = z.infer<typeof alertSchema>;

/** One socket.io message of the protocol: a request with its acknowledgement, or a push without one. */
export type ProtocolMessageSpec =
  | { kind: 'request'; direction: 'register→hub'; request: z.ZodType; ack: z.ZodType; summary: string }
  | { kind: 'push'; direction: 'hub→register'; payload: z.ZodType; summary: string };

/**
 * Every message of MSG with its schemas: the source of the published JSON Schemas
 * (docs/schemas) and of the conformance kit. Keyed like MSG, so a message added there
 * without an entry here does not typecheck.
 */
export const PROTOCOL_MESSAGES = {
  hello: { kind: 'request', direction: 'register→hub', request: helloRequestSchema, ack: helloAckSchema, summary: 'first message of every session: exchange the marks' },
  pushEvents: { kind: 'request', direction: 'register→hub', request: pushEventsRequestSchema, ack: pushEventsAckSchema, summary: 'upload journal events after the hub’s applied_through' },
  pullChanges: { kind: 'request', direction: 'register→hub', request: pullChangesRequestSchema, ack: pullChangesAckSchema, summary: 'page through the store’s change log after a cursor' },
  changesApplied: { kind: 'request', direction: 'register→hub', request: changesAppliedRequestSchema, ack: changesAppliedAckSchema, summary: 'the last store change the register applied (for HQ’s propagation view)' },
  snapshot: { kind: 'request', direction: 'register→hub', request: snapshotRequestSchema, ack: snapshotAckSchema, summary: 'the store’s projections at one cursor' },
  snapshotPage: { kind: 'request', direction: 'register→hub', request: snapshotPageRequestSchema, ack: snapshotPageAckSchema, summary: 'one bounded page of the store’s projections (hub capability snapshot.page)' },
  saleLookup: { kind: 'request', direction: 'register→hub', request: saleLookupRequestSchema, ack: saleLookupAckSchema, summary: 'a sale of the store by receipt number, with what was already reversed of it' },
  cardLookup: { kind: 'request', direction: 'register→hub', request: cardLookupRequestSchema, ack: cardLookupAckSchema, summary: 'a gift card’s balance (balance check)' },
  tenderReserve: { kind: 'request', direction: 'register→hub', request: tenderReserveRequestSchema, ack: tenderReserveAckSchema, summary: 'reserve a gift card or points redemption under its tender key before the sale completes (idempotent)' },
  tenderRelease: { kind: 'request', direction: 'register→hub', request: tenderReleaseRequestSchema, ack: tenderReleaseAckSchema, summary: 'release the reservations of a sale (or one tender) the cashier took back' },
  customerLookup: { kind: 'request', direction: 'register→hub', request: customerLookupRequestSchema, ack: customerLookupAckSchema, summary: 'find customers by id, loyalty id, phone or name prefix, with their points' },
  customerCreate: { kind: 'request', direction: 'register→hub', request: customerCreateRequestSchema, ack: customerCreateAckSchema, summary: 'create a customer under the register’s id (idempotent); merged into an existing one with the same loyalty id or phone' },
  totalsReport: { kind: 'request', direction: 'register→hub', request: totalsReportRequestSchema, ack: totalsReportAckSchema, summary: 'the open shift’s running totals as the register’s journal has them up to its head (optional; the hub compares them with what it applied)' },
  statusReport: { kind: 'request', direction: 'register→hub', request: statusReportRequestSchema, ack: statusReportAckSchema, summary: 'what only the register knows: unsynced events, open shift, app version, device status (optional, informative; shown on HQ’s Registers page)' },
  changes: { kind: 'push', direction: 'hub→register', payload: changesPushSchema, summary: 'store changes broadcast on the store’s room' },
  alert: { kind: 'push', direction: 'hub→register', payload: alertSchema, summary: 'oversell, rejected events, price changes (informative)' },
} as const satisfies { readonly [K in keyof typeof MSG]: ProtocolMessageSpec };
