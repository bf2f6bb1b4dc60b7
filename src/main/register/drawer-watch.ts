import type { DeviceStatus, RegisterJournal } from '../../core/register-api';

// The cash drawer's "open too long" (the driver's alert time passed) is a fact for the store
// manager and HQ, not only a flag on this screen: journalled once per opening as
// `drawer.left_open` (the hub raises a `drawer_left_open` alert to HQ). How long it had been
// open is measured from when the register first saw it open.

export function watchDrawer(
  journal: Pick<RegisterJournal, 'append'>,
  onStatus: (listener: (s: DeviceStatus[]) => void) => () => void,
  ctx: { store_id: string; terminal_id: string; cashier: () => string | undefined; now: () => Date; log: (m: string) => void },
): () => void {
  let openedAt: number | null = null;
  let reported = false;
  return onStatus((devices) => {
    const flags = new Set(devices.filter((d) => d.kind === 'drawer').flatMap((d) => d.flags));
    const t = ctx.now().getTime();
    if (!flags.has('drawer_open')) {
      openedAt = null;
      reported = false;
      return;
    }
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
