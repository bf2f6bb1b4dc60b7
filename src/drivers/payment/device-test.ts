// `tillstream devices test <name>` for a payment terminal: terminal status (ZVT Status Enquiry).
// It never moves money. The register app builds its terminal with createPaymentTerminal(), to
// pass the journaled `unresolved` record and a logger.

import type { AnyDevice, TestReport } from '../config/support';
import { ZvtPaymentTerminal } from './zvt-terminal';

/** The DeviceSupport `test` hook of src/drivers/config/registry.ts. */
export async function testPaymentTerminal(device: AnyDevice, report: TestReport): Promise<void> {
  const t = device as ZvtPaymentTerminal;
  const s = await t.terminalStatus();
  report.line(`terminal: ${s.message}${s.statusByte !== undefined ? ` (status byte 0x${s.statusByte.toString(16).padStart(2, '0')})` : ''}`);
  if (!s.ready) throw new Error(`payment terminal not ready: ${s.message}`);
  if (t.unresolved) report.line('an earlier payment is UNRESOLVED: run a status inquiry from the register');
}
