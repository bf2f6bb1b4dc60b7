import type { DeviceStatus, RegisterJournal } from '../../core/register-api';

// The cash drawer's "open too long" (the driver's alert time passed) is a fact for the store
// manager and HQ, not only a flag on this screen: journalled once per opening as
// `drawer.left_open` (the hub raises a `drawer_left_open` alert to HQ). How long it had been
// open is measured from when the register first saw it open.

/** A drawer must read closed this long before its next opening is a new one. */
export const CLOSED_FOR_A_NEW_OPENING_MS = 2_000;

export function watchDrawer(
  journal: Pick<RegisterJournal, 'append'>,
  onStatus: (listener: (s: DeviceStatus[]) => void) => () => void,
  ctx: { store_id: string; terminal_id: string; cashier: () => string | undefined; now: () => Date; log: (m: string) => void },
): () => void {
  let openedAt: number | null = null;
  let reported = false;
  /** When the drawer was last read closed during an opening (null: open, or never opened). */
  let closedAt: number | null = null;
  return onStatus((devices) => {
    const drawers = devices.filter((d) => d.kind === 'drawer');
    // Only a drawer read as closed ends an opening: a status without it, or one that could not
    // be read (the printer it hangs on timed out, went offline), says nothing about the drawer.
    if (drawers.length === 0 || drawers.some((d) => d.state === 'error' || d.state === 'offline' || d.state === 'closed')) return;
    const flags = new Set(drawers.flatMap((d) => d.flags));
    const t = ctx.now().getTime();
    if (!flags.has('drawer_open')) {
      closedAt ??= t;
      return;
    }
    // Read closed for less than CLOSED_FOR_A_NEW_OPENING_MS and open again: the same opening (a
    // status read between two polls, or a drawer bumped shut and sprung open), journalled once.
    if (closedAt !== null && t - closedAt >= CLOSED_FOR_A_NEW_OPENING_MS) {
      openedAt = null;
      reported = false;
    }
    closedAt = null;
    openedAt ??= t;
    if (!flags.has('drawer_open_too_long') || reported) return;
    reported = true;
    const cashier = ctx.cashier();
    try {
      journal.append('drawer.left_open', {
        store_id: ctx.store_id, terminal_id: ctx.terminal_id, ...(cashier ? { cashier_id: cashier } : {}),
        open_for_ms: Math.max(0, t - openedAt), noticed_at: ctx.now().toISOString(),
      });
    } catch (err) {
      ctx.log(`drawer left open: not journalled: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
}
