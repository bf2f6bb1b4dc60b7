import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../core/register-api';
import { CLOSED_FOR_A_NEW_OPENING_MS, watchDrawer } from './drawer-watch';

// One opening of the drawer is journalled once, whatever the status stream does in between.
function rig() {
  const appended: Array<{ type: string; payload: Record<string, unknown> }> = [];
  let listener: ((s: DeviceStatus[]) => void) | null = null;
  let now = 0;
  watchDrawer(
    { append: ((type: string, payload: Record<string, unknown>) => appended.push({ type, payload })) as never },
    (l) => ((listener = l), () => (listener = null)),
    { store_id: 'S1', terminal_id: 'T01', cashier: () => '1001', now: () => new Date(now), log: () => {} },
  );
  const drawer = (state: DeviceStatus['state'], flags: string[]): DeviceStatus[] => [{ kind: 'drawer', name: 'drawer', state, flags }];
  return {
    appended,
    at(ms: number, s: DeviceStatus[]) {
      now = ms;
      listener!(s);
    },
    drawer,
  };
}

describe('drawer watch', () => {
  it('journals a drawer left open once per opening, across statuses that cannot read it and brief closed reads', () => {
    const r = rig();
    r.at(0, r.drawer('idle', []));
    r.at(1000, r.drawer('idle', ['drawer_open']));
    r.at(5000, r.drawer('idle', ['drawer_open', 'drawer_open_too_long']));
    r.at(5500, []); // a status without the drawer
    r.at(6000, r.drawer('offline', [])); // the printer it hangs on did not answer
    r.at(6500, r.drawer('idle', [])); // read closed between two polls
    r.at(7000, r.drawer('idle', ['drawer_open', 'drawer_open_too_long']));
    expect(r.appended).toHaveLength(1);
    expect(r.appended[0]).toMatchObject({ type: 'drawer.left_open', payload: { open_for_ms: 4000, cashier_id: '1001' } });
    // Closed for good, then a new opening left open: a second report.
    r.at(8000, r.drawer('idle', []));
    r.at(8000 + CLOSED_FOR_A_NEW_OPENING_MS, r.drawer('idle', []));
    r.at(20_000, r.drawer('idle', ['drawer_open']));
    r.at(25_000, r.drawer('idle', ['drawer_open', 'drawer_open_too_long']));
    expect(r.appended).toHaveLength(2);
    expect(r.appended[1]!.payload.open_for_ms).toBe(5000);
  });
});
