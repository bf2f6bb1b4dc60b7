// A hub in its own process for crash and multi-hub tests. Config comes as JSON in
// TILLSTREAM_CHILD_HUB (startHub options). With crash_after_through = N the process
// SIGKILLs itself right after a batch that reaches seq N commits, before the ack is sent;
// with crash_after_reserve = true, right after a gift card or points reservation commits.
import { startHub } from '../server';

const cfg = JSON.parse(process.env.TILLSTREAM_CHILD_HUB ?? '{}') as Record<string, unknown> & { crash_after_through?: number; crash_after_reserve?: boolean };
const { crash_after_through: crashAt, crash_after_reserve: crashAfterReserve, ...opts } = cfg;
const hub = await startHub({
  ...opts,
  logLevel: 'silent',
  afterCommit: crashAt
    ? ({ applied_through }) => {
        if (applied_through >= crashAt) process.kill(process.pid, 'SIGKILL');
      }
    : undefined,
  // With crash_after_reserve the process SIGKILLs itself once a reservation is held (committed), before the register hears so.
  afterReserve: crashAfterReserve
    ? ({ status }) => {
        if (status === 'held') process.kill(process.pid, 'SIGKILL');
      }
    : undefined,
});
process.stdout.write(`READY ${hub.url}\n`);
const stop = () => void hub.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
