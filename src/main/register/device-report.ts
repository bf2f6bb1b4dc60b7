import type { DeviceReport } from '../../core/protocol';
import type { DeviceStatus } from '../../core/register-api';

// The register's devices as its status report gives them to the hub (status.report,
// docs/sync-protocol.md 4.4c): a device that does not work is an error, one that works but
// needs a person (paper low, cover open, drawer left open) a warning.

const NEEDS_A_PERSON = new Set(['paper_near_end', 'paper_end', 'cover_open', 'drawer_open', 'low_battery', 'unstable']);

export function deviceReports(list: readonly DeviceStatus[]): DeviceReport[] {
  return list.slice(0, 16).map((d) => {
    const state = d.state === 'error' || d.state === 'offline' ? 'error' : d.flags.some((f) => NEEDS_A_PERSON.has(f)) ? 'warning' : 'ok';
    const message = (d.advice ?? (d.flags.length ? d.flags.join(', ') : d.name)).slice(0, 200);
    return { kind: d.kind, state, ...(message ? { message } : {}) };
  });
}
