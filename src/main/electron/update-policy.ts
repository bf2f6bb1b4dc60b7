// When may a downloaded update be installed? Never while the register holds anything that is
// not safe on the hub: an open sale (the cart is only in this register) or journal events the
// hub has not acknowledged. Installing restarts the app; the journal survives a restart, but an
// installer that fails half-way on a terminal with unsynced sales is the one case where sales
// could be lost, so we wait until the hub has everything. Pure and fail-safe: anything unknown
// or malformed defers.

export interface UpdateState {
  /** Journal events not yet acknowledged by the hub (journal.unsynced().count). */
  unsyncedCount: number;
  /** A sale (or refund) is open on the register: lines or tenders not yet committed. */
  openSale: boolean;
  /** A cashier shift is open. Only blocks when the store asked for it (requireClosedShift). */
  shiftOpen?: boolean;
  /** electron-updater has downloaded and verified the update. */
  downloaded: boolean;
}

export interface UpdatePolicyOptions {
  /** Store IT may require the shift to be closed (Z report done) before an update. Default false. */
  requireClosedShift?: boolean;
}

export type DeferReason = 'not_downloaded' | 'sale_open' | 'unsynced_sales' | 'shift_open' | 'state_unknown';

export type UpdateDecision =
  | { action: 'install' }
  | { action: 'defer'; reason: DeferReason; message: string };

function defer(reason: DeferReason, message: string): UpdateDecision {
  return { action: 'defer', reason, message };
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
  return { action: 'install' };
}
