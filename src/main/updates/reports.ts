import { hubJsonRequest } from '../../sync';
import type { BootGuard } from './boot-guard';
import type { HubFeed } from './hub-feed';

/**
 * Sends the boot guard's queued reports (installed, failed start, not installed) to the hub,
 * which keeps them per terminal (HQ: `tillstream updates status`). A report leaves the queue
 * only when the hub took it; offline, they wait for the next try (the queue is bounded).
 */
export async function sendUpdateReports(guard: BootGuard, hub: HubFeed): Promise<{ sent: number; error?: string }> {
  const reports = guard.pendingReports();
  if (!reports.length) return { sent: 0 };
  try {
    const res = await hubJsonRequest(hub, 'POST', '/api/register/update-reports', { reports });
    if (res.status !== 200) return { sent: 0, error: `hub answered ${res.status}` };
    guard.reportsSent(reports);
    return { sent: reports.length };
  } catch (err) {
    return { sent: 0, error: err instanceof Error ? err.message : String(err) };
  }
}
