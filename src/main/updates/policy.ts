// When may a downloaded update be installed? Never while the register holds anything that is
// not safe on the hub: an open sale (the cart is only in this register) or journal events the
// hub has not acknowledged. Installing restarts the app; the journal survives a restart, but an
// installer that fails half-way on a terminal with unsynced sales is the one case where sales
// could be lost, so we wait until the hub has everything. With an update window configured
// (store IT's quiet hours, e.g. 02:00-05:00 on the terminal's clock), never outside it either.
// Pure and fail-safe: anything unknown or malformed defers.

export interface UpdateState {
  /** Journal events not yet acknowledged by the hub (journal.unsynced().count). */
  unsyncedCount: number;
  /** A sale (or refund) is open on the register: lines or tenders not yet committed. */
  openSale: boolean;
  /** A cashier shift is open. Only blocks when the store asked for it (requireClosedShift). */
  shiftOpen?: boolean;
  /** electron-updater has downloaded and verified the update. */
  downloaded: boolean;
  /** Minutes since local midnight on the terminal's clock (0..1439); only read with a window. */
  minuteOfDay?: number;
}

/** Local times 'HH:MM'; a window may wrap midnight (22:00-04:00). from === to means all day. */
export interface UpdateWindow {
  from: string;
  to: string;
}

export interface UpdatePolicyOptions {
  /** Store IT may require the shift to be closed (Z report done) before an update. Default false. */
  requireClosedShift?: boolean;
  /** Install only inside this window (the store's quiet hours). Default: any time. */
  window?: UpdateWindow;
}

export type DeferReason = 'not_downloaded' | 'sale_open' | 'unsynced_sales' | 'shift_open' | 'outside_window' | 'state_unknown';

export type UpdateDecision =
  | { action: 'install' }
  | { action: 'defer'; reason: DeferReason; message: string };

function defer(reason: DeferReason, message: string): UpdateDecision {
  return { action: 'defer', reason, message };
}

export const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' → minutes since midnight, or null when malformed. */
export function minutesOf(hhmm: string): number | null {
  const m = typeof hhmm === 'string' ? HHMM_RE.exec(hhmm) : null;
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Is `minute` (0..1439) inside [from, to)? Wraps midnight; null when the window is malformed. */
export function insideWindow(minute: number, w: UpdateWindow): boolean | null {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  if (from === null || to === null || !Number.isInteger(minute) || minute < 0 || minute > 1439) return null;
  if (from === to) return true;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

export function decideUpdate(state: UpdateState, opts: UpdatePolicyOptions = {}): UpdateDecision {
  if (!state || typeof state !== 'object') return defer('state_unknown', 'register state unknown; update deferred');
  const { unsyncedCount, openSale, shiftOpen, downloaded } = state;
  if (typeof downloaded !== 'boolean' || typeof openSale !== 'boolean' || !Number.isSafeInteger(unsyncedCount) || unsyncedCount < 0) {
    return defer('state_unknown', 'register state unknown; update deferred');
  }
  if (shiftOpen !== undefined && typeof shiftOpen !== 'boolean') return defer('state_unknown', 'shift state unknown; update deferred');
  if (!downloaded) return defer('not_downloaded', 'no update downloaded');
  if (openSale) return defer('sale_open', 'a sale is open; the update waits until it is completed or voided');
  if (unsyncedCount > 0) {
    return defer('unsynced_sales', `${unsyncedCount} journal event${unsyncedCount === 1 ? '' : 's'} not yet synced to the hub; the update waits`);
  }
  if (opts.requireClosedShift && shiftOpen !== false) return defer('shift_open', 'the shift is open; the update waits for the shift close');
  if (opts.window) {
    const inside = state.minuteOfDay === undefined ? null : insideWindow(state.minuteOfDay, opts.window);
    if (inside === null) return defer('state_unknown', 'time of day or update window unknown; update deferred');
    if (!inside) return defer('outside_window', `outside the update window ${opts.window.from}-${opts.window.to}; the update waits`);
  }
  return { action: 'install' };
}
