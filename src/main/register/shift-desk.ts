import { parseEventPayload, type ShiftOpenedPayload } from '../../core/events';
import { RegisterError, type CommandParams, type JournalWatcher, type RegisterJournal, type ShiftReport as ShiftReportView, type ShiftView } from '../../core/register-api';
import { cashMove, closeShift, noSale, openShift, replayShift, xReport, foldShiftEvent, type ShiftError, type ShiftReport, type ShiftState } from '../../core/shift';
import type { Actor, Approval } from '../../core/sale';
import type { RegisterConfig } from './config';
import type { Session } from './session';

// The shift desk: the open shift is core's fold of this register's journal (core/shift),
// rebuilt from the shift's indexed events on start and advanced by every event appended.
// Opening, cash moves, no-sale and the Z close are built and permission-checked by core;
// this desk adds the register's ids, the clock and the journal write.

export class ShiftDesk {
  private state: ShiftState | null = null;
  private readonly unwatch: () => void;

  constructor(
    private readonly cfg: RegisterConfig,
    private readonly journal: RegisterJournal,
    private readonly session: Session,
    private readonly now: () => Date,
  ) {
    this.state = this.rebuild();
    const w: JournalWatcher = { appended: (e) => this.fold(e.type, e.payload) };
    this.unwatch = journal.watch(w);
  }

  close(): void {
    this.unwatch();
  }

  /** Replays the open shift's events (journal index), so the state after a restart is what it was. */
  private rebuild(): ShiftState | null {
    const open = this.journal.getOpenShift();
    if (!open) return null;
    const opened = parseEventPayload('shift.opened', open.payload);
    if (!opened.ok) throw new Error(`the open shift in the journal does not parse: ${opened.error}`);
    const events = this.journal.shiftEvents(opened.payload.shift_id);
    const r = replayShift(events.map((e) => ({ type: e.type, payload: e.payload })));
    if (!r.ok) throw new Error(`cannot rebuild shift ${opened.payload.shift_id}: ${r.error.message}`);
    return r.state.status === 'open' ? r.state : null;
  }

  private fold(type: string, payload: Record<string, unknown>): void {
    if (type === 'shift.opened') {
      const p = parseEventPayload('shift.opened', payload);
      if (p.ok) this.state = replayShift([{ type, payload: p.payload }]).state;
      return;
    }
    if (!this.state) return;
    const r = foldShiftEvent(this.state, type, payload);
    // An event the fold refuses was validated by the journal already: only a bound was hit.
    if (r.ok) this.state = r.state.status === 'open' ? r.state : null;
  }

  get current(): ShiftState | null {
    return this.state;
  }

  require(): ShiftState {
    this.session.require();
    if (!this.state) throw new RegisterError('NO_SHIFT', 'open a shift first');
    return this.state;
  }

  view(): ShiftView | null {
    const s = this.state;
    if (!s) return null;
    return {
      shift_id: s.shift_id,
      cashier: this.session.viewById(s.cashier_id),
      opened_at: s.opened_at,
      opening_float: { amount: s.opening_float, currency: s.currency },
      status: 'open',
    };
  }

  open(p: CommandParams<'shift.open'>, actor: Actor): ShiftView {
    if (this.state) throw new RegisterError('INVALID_STATE', 'a shift is already open on this register');
    if (p.opening_float.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `float must be in ${this.cfg.currency}`);
    let payload: ShiftOpenedPayload;
    try {
      payload = openShift({
        shift_id: crypto.randomUUID(), store_id: this.cfg.store_id, terminal_id: this.cfg.terminal_id, cashier_id: actor.cashier_id,
        currency: this.cfg.currency, opening_float: p.opening_float.amount, opened_at: this.now().toISOString(),
      }).payload;
    } catch (err) {
      throw new RegisterError('BAD_REQUEST', err instanceof Error ? err.message : String(err));
    }
    this.journal.append('shift.opened', payload);
    return this.view()!;
  }

  cashMove(kind: 'drop' | 'paid_in' | 'paid_out', p: { amount: { amount: number; currency: string }; reason?: string }, actor: Actor, approval: Approval | undefined): void {
    const s = this.require();
    if (p.amount.amount <= 0 || p.amount.currency !== this.cfg.currency) throw new RegisterError('BAD_REQUEST', `amount must be more than zero ${this.cfg.currency}`);
    const r = cashMove(s, {
      movement_id: crypto.randomUUID(), kind, amount: p.amount.amount, reason: p.reason ?? (kind === 'drop' ? 'cash drop to safe' : kind),
      moved_at: this.now().toISOString(), ...(approval ? { approval } : {}),
    }, actor);
    if (!r.ok) throw shiftError(r.error);
    this.journal.append('shift.cash_moved', r.payload);
  }

  noSale(actor: Actor, approval: Approval | undefined): void {
    const s = this.require();
    const r = noSale(s, { no_sale_id: crypto.randomUUID(), opened_at: this.now().toISOString(), ...(approval ? { approval } : {}) }, actor);
    if (!r.ok) throw shiftError(r.error);
    this.journal.append('drawer.no_sale', r.payload);
  }

  xReport(): ShiftReportView {
    const s = this.require();
    return this.toView(xReport(s, this.syncInfo(), this.now().toISOString()), null);
  }

  /**
   * The Z report closes the shift with the counted cash. Unsynced events do not block the
   * close (the register may be offline for hours) but their count and age are printed on it.
   */
  zClose(counted: number, actor: Actor, approval: Approval | undefined): ShiftReportView {
    const s = this.require();
    const closedAt = this.now().toISOString();
    const r = closeShift(s, { ...this.syncInfo(), counted_cash: counted, closed_at: closedAt, acknowledge_unsynced: true, ...(approval ? { approval } : {}) }, actor);
    if (!r.ok) throw shiftError(r.error);
    this.journal.append('shift.closed', r.payload);
    return this.toView(r.report!, closedAt);
  }

  private syncInfo() {
    const u = this.journal.unsynced();
    return { unsynced_count: u.count, oldest_unsynced_at: u.oldestOccurredAt };
  }

  private toView(r: ShiftReport, closedAt: string | null): ShiftReportView {
    const m = (amount: number) => ({ amount, currency: r.currency });
    return {
      kind: r.kind,
      shift_id: r.shift_id,
      cashier: this.session.viewById(r.cashier_id).name,
      opened_at: r.opened_at,
      closed_at: closedAt,
      sales_count: r.sales_count,
      refunds_count: r.refunds_count + r.post_voids_count,
      voids_count: r.voids_count,
      gross_sales: m(r.gross_sales),
      refunds: m(r.refunds_total + r.post_voids_total),
      discounts: m(r.discounts),
      tax: m(r.tax),
      net_sales: m(r.net_sales),
      tenders: r.tenders.slice(0, 16).map((t) => ({
        kind: t.kind === 'gift_card' ? 'gift' : t.kind,
        ...(t.processor ? { processor: t.processor } : {}),
        count: t.sales_count + t.refunds_count,
        amount: m(t.net_amount),
      })),
      opening_float: m(r.opening_float),
      cash_drops: m(r.drops_total),
      paid_in: m(r.paid_in_total),
      paid_out: m(r.paid_out_total),
      expected_cash: m(r.expected_cash),
      counted_cash: r.counted_cash === null ? null : m(r.counted_cash),
      variance: r.variance === null ? null : m(r.variance),
      unsynced: r.unsynced_count,
      oldest_unsynced_at: r.oldest_unsynced_at,
    };
  }
}

function shiftError(e: ShiftError): RegisterError {
  const code = e.code === 'APPROVAL_REQUIRED' || e.code === 'APPROVAL_DENIED' ? e.code
    : e.code === 'BAD_AMOUNT' || e.code === 'BAD_INPUT' || e.code === 'INSUFFICIENT_CASH' ? 'BAD_REQUEST'
    : 'INVALID_STATE';
  return new RegisterError(code, e.message);
}
