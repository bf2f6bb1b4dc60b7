import { isoTimeSchema } from '../events/common';
import { parseEventPayload, type EventPayloadMap, type EventType } from '../events/registry';
import type { Tender } from '../events/sale';
import {
  drawerNoSaleSchema,
  shiftCashMovedSchema,
  shiftClosedSchema,
  shiftOpenedSchema,
  type CashMoveKind,
  type DenominationCount,
  type DrawerNoSalePayload,
  type ShiftCashMovedPayload,
  type ShiftClosedPayload,
  type ShiftOpenedPayload,
  type TenderSummary,
} from '../events/shift';
import { authorize } from '../sale/engine';
import type { ShiftTotals } from '../protocol/totals-report';
import type { Actor, Approval, Permission } from '../sale/types';

// A cashier's shift as a fold over its journal events, so the register can rebuild it after
// a restart by replaying the journal. Opening, cash movements, no-sale and closing produce
// the journal payloads; the X report is a read-only snapshot; the Z report is shift.closed.

export const MAX_EVENTS_PER_SHIFT = 200_000;

export type ShiftErrorCode =
  | 'SHIFT_CLOSED'
  | 'BAD_AMOUNT'
  | 'BAD_INPUT'
  | 'APPROVAL_REQUIRED'
  | 'APPROVAL_DENIED'
  | 'INSUFFICIENT_CASH'
  | 'UNSYNCED_NOT_ACKNOWLEDGED'
  | 'INVALID_EVENT'
  | 'TOO_MANY_EVENTS';

export interface ShiftError {
  code: ShiftErrorCode;
  message: string;
  permission?: Permission;
}

export type ShiftResult<P> = { ok: true; state: ShiftState; payload: P } | { ok: false; state: ShiftState; error: ShiftError };

export interface ShiftState {
  shift_id: string;
  store_id: string;
  terminal_id: string;
  cashier_id: string;
  currency: string;
  opened_at: string;
  opening_float: number;
  status: 'open' | 'closed';
  sales_count: number;
  refunds_count: number;
  post_voids_count: number;
  voids_count: number;
  no_sales_count: number;
  /** Σ subtotal (before discounts) of sales completed in this shift. */
  gross_sales: number;
  discounts: number;
  tax: number;
  /** Σ totals.total of sales completed in this shift. */
  sales_total: number;
  refunds_total: number;
  post_voids_total: number;
  drops_total: number;
  paid_in_total: number;
  paid_out_total: number;
  /** Cash that should be in the drawer now. */
  expected_cash: number;
  /** key `${kind}|${processor ?? ''}` */
  tenders: Record<string, TenderSummary>;
  /** Ids of events already folded (sale_id, refund_id, …), so a replay cannot count twice. */
  seen: string[];
  closed?: ShiftClosedPayload;
}

export interface OpenShiftInput {
  shift_id: string;
  store_id: string;
  terminal_id: string;
  cashier_id: string;
  currency: string;
  opening_float: number;
  opened_at: string;
  float_counts?: DenominationCount[];
}

const bad = (state: ShiftState, code: ShiftErrorCode, message: string, extra: Partial<ShiftError> = {}): { ok: false; state: ShiftState; error: ShiftError } => ({
  ok: false,
  state,
  error: { code, message, ...extra },
});

/** Opens a shift: the state and the shift.opened payload to journal. Throws on malformed input. */
export function openShift(input: OpenShiftInput): { state: ShiftState; payload: ShiftOpenedPayload } {
  const payload: ShiftOpenedPayload = { ...input };
  if (!input.float_counts) delete payload.float_counts;
  const r = shiftOpenedSchema.safeParse(payload);
  if (!r.success) throw new Error(`shift.opened: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  if (input.float_counts) {
    const counted = input.float_counts.reduce((s, c) => s + c.value * c.count, 0);
    if (counted !== input.opening_float) throw new Error(`shift.opened: float counts add up to ${counted}, not ${input.opening_float}`);
  }
  return { state: fromOpened(payload), payload };
}

/** The state right after a shift.opened event (for rebuilding from the journal). */
export function fromOpened(p: ShiftOpenedPayload): ShiftState {
  return {
    shift_id: p.shift_id,
    store_id: p.store_id,
    terminal_id: p.terminal_id,
    cashier_id: p.cashier_id,
    currency: p.currency,
    opened_at: p.opened_at,
    opening_float: p.opening_float,
    status: 'open',
    sales_count: 0,
    refunds_count: 0,
    post_voids_count: 0,
    voids_count: 0,
    no_sales_count: 0,
    gross_sales: 0,
    discounts: 0,
    tax: 0,
    sales_total: 0,
    refunds_total: 0,
    post_voids_total: 0,
    drops_total: 0,
    paid_in_total: 0,
    paid_out_total: 0,
    expected_cash: p.opening_float,
    tenders: {},
    seen: [],
  };
}

function tenderKey(t: Pick<Tender, 'kind'> & { processor?: string }): string {
  return `${t.kind}|${t.kind === 'card' ? (t.processor ?? '') : ''}`;
}

function addTenders(tenders: Record<string, TenderSummary>, list: readonly Tender[], direction: 'sale' | 'refund'): Record<string, TenderSummary> {
  const out = { ...tenders };
  for (const t of list) {
    const k = tenderKey(t);
    const cur: TenderSummary = out[k] ?? { kind: t.kind, sales_count: 0, sales_amount: 0, refunds_count: 0, refunds_amount: 0, net_amount: 0 };
    const next = { ...cur };
    if (t.kind === 'card') next.processor = t.processor;
    if (direction === 'sale') {
      next.sales_count += 1;
      next.sales_amount += t.amount;
    } else {
      next.refunds_count += 1;
      next.refunds_amount += t.amount;
    }
    next.net_amount = next.sales_amount - next.refunds_amount;
    out[k] = next;
  }
  return out;
}

const cashOf = (list: readonly Tender[]): number => list.reduce((s, t) => s + (t.kind === 'cash' ? t.amount : 0), 0);

function idOf(type: EventType, p: EventPayloadMap[EventType]): string {
  switch (type) {
    case 'sale.completed':
    case 'sale.voided':
      return `${type}:${(p as EventPayloadMap['sale.completed']).sale_id}`;
    case 'sale.refunded':
      return `${type}:${(p as EventPayloadMap['sale.refunded']).refund_id}`;
    case 'sale.post_voided':
      return `${type}:${(p as EventPayloadMap['sale.post_voided']).post_void_id}`;
    case 'shift.cash_moved':
      return `${type}:${(p as EventPayloadMap['shift.cash_moved']).movement_id}`;
    case 'drawer.no_sale':
      return `${type}:${(p as EventPayloadMap['drawer.no_sale']).no_sale_id}`;
    default:
      return `${type}:${(p as { shift_id: string }).shift_id}`;
  }
}

/**
 * Folds one journal event into the shift. Events of other shifts (or other types) leave it
 * unchanged; so does an event already folded. Invalid payloads are refused.
 */
export function foldShiftEvent(state: ShiftState, type: string, payload: unknown): ShiftResult<null> {
  const parsed = parseEventPayload(type, payload);
  if (!parsed.ok) return bad(state, 'INVALID_EVENT', parsed.error);
  const p = parsed.payload as EventPayloadMap[EventType] & { shift_id?: string };
  if (p.shift_id !== state.shift_id) return { ok: true, state, payload: null };
  const id = idOf(parsed.type, parsed.payload);
  if (state.seen.includes(id)) return { ok: true, state, payload: null };
  if (state.seen.length >= MAX_EVENTS_PER_SHIFT) return bad(state, 'TOO_MANY_EVENTS', `a shift folds at most ${MAX_EVENTS_PER_SHIFT} events`);
  if (state.status === 'closed') return bad(state, 'SHIFT_CLOSED', `shift ${state.shift_id} is closed; ${type} belongs to a new shift`);
  const s: ShiftState = { ...state, seen: [...state.seen, id] };
  switch (parsed.type) {
    case 'sale.completed': {
      const e = parsed.payload as EventPayloadMap['sale.completed'];
      s.sales_count += 1;
      s.gross_sales += e.totals.subtotal;
      s.discounts += e.totals.discount_total;
      s.tax += e.totals.tax_total;
      s.sales_total += e.totals.total;
      s.tenders = addTenders(s.tenders, e.tenders, 'sale');
      s.expected_cash += cashOf(e.tenders);
      break;
    }
    case 'sale.refunded': {
      const e = parsed.payload as EventPayloadMap['sale.refunded'];
      s.refunds_count += 1;
      s.refunds_total += e.totals.total;
      s.tenders = addTenders(s.tenders, e.tenders, 'refund');
      s.expected_cash -= cashOf(e.tenders);
      break;
    }
    case 'sale.post_voided': {
      // The original may be from an earlier shift; the money leaves this drawer now.
      const e = parsed.payload as EventPayloadMap['sale.post_voided'];
      s.post_voids_count += 1;
      s.post_voids_total += e.original.totals.total;
      s.tenders = addTenders(s.tenders, e.original.tenders, 'refund');
      s.expected_cash -= cashOf(e.original.tenders);
      break;
    }
    case 'sale.voided':
      s.voids_count += 1;
      break;
    case 'drawer.no_sale':
      s.no_sales_count += 1;
      break;
    case 'shift.cash_moved': {
      const e = parsed.payload as EventPayloadMap['shift.cash_moved'];
      if (e.kind === 'drop') {
        s.drops_total += e.amount;
        s.expected_cash -= e.amount;
      } else if (e.kind === 'paid_in') {
        s.paid_in_total += e.amount;
        s.expected_cash += e.amount;
      } else {
        s.paid_out_total += e.amount;
        s.expected_cash -= e.amount;
      }
      break;
    }
    case 'shift.closed':
      s.status = 'closed';
      s.closed = parsed.payload as ShiftClosedPayload;
      break;
    case 'shift.opened':
      return { ok: true, state, payload: null };
  }
  return { ok: true, state: s, payload: null };
}

const MOVE_PERMISSION: Record<CashMoveKind, Permission> = { drop: 'cash.drop', paid_in: 'cash.paid_in', paid_out: 'cash.paid_out' };

export interface CashMoveInput {
  movement_id: string;
  kind: CashMoveKind;
  amount: number;
  reason: string;
  account_hint?: string;
  moved_at: string;
  approval?: Approval;
}

/** A cash drop, paid-in or paid-out: the payload to journal and the shift after it. */
export function cashMove(state: ShiftState, input: CashMoveInput, actor: Actor): ShiftResult<ShiftCashMovedPayload> {
  if (state.status !== 'open') return bad(state, 'SHIFT_CLOSED', `shift ${state.shift_id} is closed`);
  if (!Number.isSafeInteger(input.amount) || input.amount <= 0) return bad(state, 'BAD_AMOUNT', `amount must be a positive integer of minor units, got ${input.amount}`);
  if (input.kind !== 'paid_in' && input.amount > state.expected_cash) {
    return bad(state, 'INSUFFICIENT_CASH', `${input.kind === 'drop' ? 'drop' : 'paid out'} of ${input.amount} is more than the ${state.expected_cash} expected in the drawer`);
  }
  const perm = MOVE_PERMISSION[input.kind];
  const auth = authorize(actor, input.approval, perm, false, input.kind.replace('_', ' '));
  if (!auth.ok) return bad(state, auth.error.code as ShiftErrorCode, auth.error.message, { permission: perm });
  const payload: ShiftCashMovedPayload = {
    movement_id: input.movement_id,
    shift_id: state.shift_id,
    store_id: state.store_id,
    terminal_id: state.terminal_id,
    cashier_id: actor.cashier_id,
    currency: state.currency,
    kind: input.kind,
    amount: input.amount,
    reason: input.reason,
    moved_at: input.moved_at,
  };
  if (input.account_hint !== undefined) payload.account_hint = input.account_hint;
  if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
  return journalled(state, 'shift.cash_moved', payload, shiftCashMovedSchema.safeParse(payload));
}

export interface NoSaleInput {
  no_sale_id: string;
  reason?: string;
  opened_at: string;
  approval?: Approval;
}

/** Opening the drawer without a sale: needs drawer.no_sale (the cashier's or a manager's). */
export function noSale(state: ShiftState, input: NoSaleInput, actor: Actor): ShiftResult<DrawerNoSalePayload> {
  if (state.status !== 'open') return bad(state, 'SHIFT_CLOSED', `shift ${state.shift_id} is closed`);
  const auth = authorize(actor, input.approval, 'drawer.no_sale', false, 'a no-sale drawer open');
  if (!auth.ok) return bad(state, auth.error.code as ShiftErrorCode, auth.error.message, { permission: 'drawer.no_sale' });
  const payload: DrawerNoSalePayload = {
    no_sale_id: input.no_sale_id,
    shift_id: state.shift_id,
    store_id: state.store_id,
    terminal_id: state.terminal_id,
    cashier_id: actor.cashier_id,
    opened_at: input.opened_at,
  };
  if (input.reason) payload.reason = input.reason;
  if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
  return journalled(state, 'drawer.no_sale', payload, drawerNoSaleSchema.safeParse(payload));
}

function journalled<K extends 'shift.cash_moved' | 'drawer.no_sale' | 'shift.closed'>(
  state: ShiftState,
  type: K,
  payload: EventPayloadMap[K],
  check: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } },
): ShiftResult<EventPayloadMap[K]> {
  if (!check.success) {
    return bad(state, 'BAD_INPUT', `${type}: ${(check.error?.issues ?? []).slice(0, 3).map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
  }
  const f = foldShiftEvent(state, type, payload);
  if (!f.ok) return f;
  return { ok: true, state: f.state, payload };
}

export interface SyncInfo {
  /** Journal events not yet acknowledged by the hub. */
  unsynced_count: number;
  /** occurred_at of the oldest of them, null when none. */
  oldest_unsynced_at: string | null;
}

export interface ShiftReport {
  kind: 'X' | 'Z';
  shift_id: string;
  cashier_id: string;
  currency: string;
  opened_at: string;
  /** X: the time the report was taken; Z: the close time. */
  at: string;
  sales_count: number;
  refunds_count: number;
  post_voids_count: number;
  voids_count: number;
  no_sales_count: number;
  gross_sales: number;
  discounts: number;
  tax: number;
  sales_total: number;
  refunds_total: number;
  post_voids_total: number;
  /** sales_total − refunds_total − post_voids_total. */
  net_sales: number;
  tenders: TenderSummary[];
  opening_float: number;
  drops_total: number;
  paid_in_total: number;
  paid_out_total: number;
  expected_cash: number;
  /** Z only. */
  counted_cash: number | null;
  variance: number | null;
  unsynced_count: number;
  oldest_unsynced_at: string | null;
  /** Whole seconds between the oldest unsynced event and `at` (null when all synced). */
  oldest_unsynced_age_seconds: number | null;
}

function sortedTenders(state: ShiftState): TenderSummary[] {
  return Object.keys(state.tenders)
    .sort()
    .map((k) => state.tenders[k]!);
}

function ageSeconds(oldest: string | null, at: string): number | null {
  if (oldest === null) return null;
  const ms = Date.parse(at) - Date.parse(oldest);
  return Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : null;
}

function checkSync(sync: SyncInfo): string | null {
  if (!Number.isSafeInteger(sync.unsynced_count) || sync.unsynced_count < 0) return 'unsynced_count must be a non-negative integer';
  if ((sync.unsynced_count === 0) !== (sync.oldest_unsynced_at === null)) return 'oldest_unsynced_at must be set exactly when unsynced_count > 0';
  if (sync.oldest_unsynced_at !== null && !isoTimeSchema.safeParse(sync.oldest_unsynced_at).success) return 'oldest_unsynced_at must be an ISO-8601 UTC time';
  return null;
}

/** X report: running totals of an open (or closed) shift. Nothing is journalled. */
export function xReport(state: ShiftState, sync: SyncInfo, at: string): ShiftReport {
  const problem = checkSync(sync);
  if (problem) throw new Error(`xReport: ${problem}`);
  return {
    kind: 'X',
    shift_id: state.shift_id,
    cashier_id: state.cashier_id,
    currency: state.currency,
    opened_at: state.opened_at,
    at,
    sales_count: state.sales_count,
    refunds_count: state.refunds_count,
    post_voids_count: state.post_voids_count,
    voids_count: state.voids_count,
    no_sales_count: state.no_sales_count,
    gross_sales: state.gross_sales,
    discounts: state.discounts,
    tax: state.tax,
    sales_total: state.sales_total,
    refunds_total: state.refunds_total,
    post_voids_total: state.post_voids_total,
    net_sales: state.sales_total - state.refunds_total - state.post_voids_total,
    tenders: sortedTenders(state),
    opening_float: state.opening_float,
    drops_total: state.drops_total,
    paid_in_total: state.paid_in_total,
    paid_out_total: state.paid_out_total,
    expected_cash: state.expected_cash,
    counted_cash: null,
    variance: null,
    unsynced_count: sync.unsynced_count,
    oldest_unsynced_at: sync.oldest_unsynced_at,
    oldest_unsynced_age_seconds: ageSeconds(sync.oldest_unsynced_at, at),
  };
}

export interface CloseShiftInput extends SyncInfo {
  counted_cash: number;
  closed_at: string;
  counted_denominations?: DenominationCount[];
  /** Required when unsynced_count > 0: the cashier/manager saw the warning. */
  acknowledge_unsynced?: boolean;
  approval?: Approval;
  note?: string;
}

/**
 * Z report: closes the shift with the counted cash. A shift with unsynced events is only
 * closed when that is acknowledged, and the payload carries their count and oldest time.
 */
export function closeShift(state: ShiftState, input: CloseShiftInput, actor: Actor): ShiftResult<ShiftClosedPayload> & { report?: ShiftReport } {
  if (state.status !== 'open') return bad(state, 'SHIFT_CLOSED', `shift ${state.shift_id} is already closed`);
  if (!Number.isSafeInteger(input.counted_cash) || input.counted_cash < 0) return bad(state, 'BAD_AMOUNT', `counted cash must be a non-negative integer of minor units, got ${input.counted_cash}`);
  const problem = checkSync(input);
  if (problem) return bad(state, 'BAD_INPUT', problem);
  if (input.counted_denominations) {
    const counted = input.counted_denominations.reduce((s, c) => s + c.value * c.count, 0);
    if (counted !== input.counted_cash) return bad(state, 'BAD_AMOUNT', `denomination counts add up to ${counted}, not the counted ${input.counted_cash}`);
  }
  if (input.unsynced_count > 0 && !input.acknowledge_unsynced) {
    return bad(
      state,
      'UNSYNCED_NOT_ACKNOWLEDGED',
      `${input.unsynced_count} journal event(s) not yet synced to the hub, the oldest from ${input.oldest_unsynced_at}; acknowledge to close anyway`,
    );
  }
  const auth = authorize(actor, input.approval, 'shift.close', false, 'closing the shift');
  if (!auth.ok) return bad(state, auth.error.code as ShiftErrorCode, auth.error.message, { permission: 'shift.close' });
  const payload: ShiftClosedPayload = {
    shift_id: state.shift_id,
    store_id: state.store_id,
    terminal_id: state.terminal_id,
    cashier_id: actor.cashier_id,
    currency: state.currency,
    opened_at: state.opened_at,
    closed_at: input.closed_at,
    opening_float: state.opening_float,
    expected_cash: state.expected_cash,
    counted_cash: input.counted_cash,
    variance: input.counted_cash - state.expected_cash,
    tenders: sortedTenders(state),
    sales_count: state.sales_count,
    refunds_count: state.refunds_count,
    post_voids_count: state.post_voids_count,
    voids_count: state.voids_count,
    no_sales_count: state.no_sales_count,
    drops_total: state.drops_total,
    paid_in_total: state.paid_in_total,
    paid_out_total: state.paid_out_total,
    unsynced_count: input.unsynced_count,
    oldest_unsynced_at: input.oldest_unsynced_at,
  };
  if (input.counted_denominations) payload.counted_denominations = input.counted_denominations;
  if (auth.value.approved_by) payload.approved_by = auth.value.approved_by;
  if (input.note) payload.note = input.note;
  const r = journalled(state, 'shift.closed', payload, shiftClosedSchema.safeParse(payload));
  if (!r.ok) return r;
  const report: ShiftReport = { ...xReport(state, input, input.closed_at), kind: 'Z', counted_cash: payload.counted_cash, variance: payload.variance };
  return { ...r, report };
}

/** Rebuilds a shift from its journal payloads in order (first must be shift.opened). */
export function replayShift(events: ReadonlyArray<{ type: string; payload: unknown }>): ShiftResult<null> {
  const first = events[0];
  if (!first || first.type !== 'shift.opened') throw new Error('replayShift: the first event must be shift.opened');
  const opened = parseEventPayload('shift.opened', first.payload);
  if (!opened.ok) throw new Error(`replayShift: ${opened.error}`);
  let state = fromOpened(opened.payload);
  for (const e of events.slice(1)) {
    const r = foldShiftEvent(state, e.type, e.payload);
    if (!r.ok) return r;
    state = r.state;
  }
  return { ok: true, state, payload: null };
}

/**
 * The figures a register reports to the hub (totals.report, docs/sync-protocol.md 4.4b) and
 * the hub computes from its copy of the same events: both sides use this function.
 */
export function shiftTotals(state: ShiftState): ShiftTotals {
  return {
    sales_count: state.sales_count,
    gross_sales: state.gross_sales,
    discounts: state.discounts,
    tax: state.tax,
    sales_total: state.sales_total,
    refunds_count: state.refunds_count,
    refunds_total: state.refunds_total,
    post_voids_count: state.post_voids_count,
    post_voids_total: state.post_voids_total,
    net_sales: state.sales_total - state.refunds_total - state.post_voids_total,
    tenders: sortedTenders(state).map((t) => ({ ...t })),
  };
}
