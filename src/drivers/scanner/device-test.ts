// `tillstream devices test <name>` for a scanner: wait for one scan and print it (card numbers masked).

import { redactPans } from '../../core/pci/pan-scan';
import type { AnyDevice, TestReport } from '../config/support';
import { HidPosScanner, SerialScanner } from './scanner';

/** The DeviceSupport `test` hook of src/drivers/config/registry.ts. */
export async function testScanner(device: AnyDevice, report: TestReport): Promise<void> {
  const s = device as SerialScanner | HidPosScanner;
  const wait = Math.max(1, report.waitSeconds);
  report.line(`scan a barcode (waiting up to ${wait} s)…`);
  const d = await s.readOneScan(wait * 1000);
  report.line(`scan: ${JSON.stringify(redactPans(d.raw))} symbology ${d.symbology}${d.aimId ? ` (AIM ${d.aimId})` : ''}`);
}
