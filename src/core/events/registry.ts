import type { z } from 'zod';
import type { JournalEvent } from '../protocol/journal-event';
import { salePostVoidedSchema, saleCompletedSchema, saleRefundedSchema, saleVoidedSchema } from './sale';
import type { SaleCompletedPayload, SalePostVoidedPayload, SaleRefundedPayload, SaleVoidedPayload } from './sale';
import { drawerNoSaleSchema, shiftCashMovedSchema, shiftClosedSchema, shiftOpenedSchema } from './shift';
import { drawerLeftOpenSchema, paymentResolvedSchema, paymentUnresolvedSchema } from './device';
import type { DrawerLeftOpenPayload, PaymentResolvedPayload, PaymentUnresolvedPayload } from './device';
import type { DrawerNoSalePayload, ShiftCashMovedPayload, ShiftClosedPayload, ShiftOpenedPayload } from './shift';

// Journal event type → payload schema. The open cart is not journalled (the register keeps
// it separately); only facts that change money, stock or the audit trail are.

export interface EventPayloadMap {
  'sale.completed': SaleCompletedPayload;
  'sale.refunded': SaleRefundedPayload;
  'sale.post_voided': SalePostVoidedPayload;
  'sale.voided': SaleVoidedPayload;
  'shift.opened': ShiftOpenedPayload;
  'shift.cash_moved': ShiftCashMovedPayload;
  'shift.closed': ShiftClosedPayload;
  'drawer.no_sale': DrawerNoSalePayload;
  'payment.unresolved': PaymentUnresolvedPayload;
  'payment.resolved': PaymentResolvedPayload;
  'drawer.left_open': DrawerLeftOpenPayload;
}
export type EventType = keyof EventPayloadMap;

export const EVENT_TYPES: { readonly [K in EventType]: z.ZodType<EventPayloadMap[K]> } = {
  'sale.completed': saleCompletedSchema,
  'sale.refunded': saleRefundedSchema,
  'sale.post_voided': salePostVoidedSchema,
  'sale.voided': saleVoidedSchema,
  'shift.opened': shiftOpenedSchema,
  'shift.cash_moved': shiftCashMovedSchema,
  'shift.closed': shiftClosedSchema,
  'drawer.no_sale': drawerNoSaleSchema,
  'payment.unresolved': paymentUnresolvedSchema,
  'payment.resolved': paymentResolvedSchema,
  'drawer.left_open': drawerLeftOpenSchema,
};

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

/** Event types that move money or stock (the ledger posts them); the rest are audit only. */
export const LEDGER_EVENT_TYPES: readonly EventType[] = ['sale.completed', 'sale.refunded', 'sale.post_voided', 'shift.cash_moved', 'shift.closed'];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, type);
}

export type ParsePayloadResult<K extends EventType> =
  | { ok: true; type: K; payload: EventPayloadMap[K] }
  | { ok: false; type: string; error: string; issues: Array<{ path: string; message: string }> };

/** A payload parseEventPayload accepted, with its type. */
export type ParsedPayload = Extract<ParsePayloadResult<EventType>, { ok: true }>;

const MAX_REPORTED_ISSUES = 20;

/**
 * Validates a journal event payload against the schema of its type. Never throws; on
 * failure `error` names the type and the first problems ("sale.completed: lines[0].net: …").
 */
export function parseEventPayload<K extends EventType>(type: K, payload: unknown): ParsePayloadResult<K>;
export function parseEventPayload(type: string, payload: unknown): ParsePayloadResult<EventType>;
export function parseEventPayload(type: string, payload: unknown): ParsePayloadResult<EventType> {
  if (!isEventType(type)) {
    return { ok: false, type, error: `unknown event type "${type}" (known: ${EVENT_TYPE_NAMES.join(', ')})`, issues: [] };
  }
  const schema = EVENT_TYPES[type] as z.ZodType<EventPayloadMap[EventType]>;
  let r: ReturnType<typeof schema.safeParse>;
  try {
    r = schema.safeParse(payload);
  } catch (err) {
    // A refinement met a value its field refused (zod runs refinements past range failures):
    // bad input, refused like any other, never an exception for the caller to turn into a retry.
    return { ok: false, type, error: `${type}: the payload could not be checked (${err instanceof Error ? err.message : String(err)})`, issues: [] };
  }
  if (r.success) return { ok: true, type, payload: r.data };
  const issues = r.error.issues.slice(0, MAX_REPORTED_ISSUES).map((i) => ({
    path: i.path.map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`)).join('') || '(payload)',
    message: i.message,
  }));
  const more = r.error.issues.length > 3 ? ` (+${r.error.issues.length - 3} more)` : '';
  return {
    ok: false,
    type,
    error: `${type}: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}${more}`,
    issues,
  };
}

export class EventPayloadError extends Error {
  constructor(
    message: string,
    readonly type: string,
    readonly issues: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'EventPayloadError';
  }
}

/** Like parseEventPayload but throws EventPayloadError. */
export function assertEventPayload<K extends EventType>(type: K, payload: unknown): EventPayloadMap[K] {
  const r = parseEventPayload(type, payload);
  if (!r.ok) throw new EventPayloadError(r.error, r.type, r.issues);
  return r.payload;
}

/** A journal event whose payload has been validated for its type. */
export type TypedJournalEvent<K extends EventType = EventType> = {
  [T in K]: Omit<JournalEvent, 'type' | 'payload'> & { type: T; payload: EventPayloadMap[T] };
}[K];

/** Validates the payload of an already envelope-checked journal event. */
export function parseJournalEvent(e: JournalEvent): { ok: true; event: TypedJournalEvent } | { ok: false; error: string; issues: Array<{ path: string; message: string }> } {
  const r = parseEventPayload(e.type, e.payload);
  if (!r.ok) return { ok: false, error: `event ${e.terminal_id}#${e.seq}: ${r.error}`, issues: r.issues };
  return { ok: true, event: { ...e, type: r.type, payload: r.payload } as TypedJournalEvent };
}
