// `tillstream devices test <name>` for a scale: read one stable weight.

import type { AnyDevice, TestReport } from '../config/support';
import { Scale8217 } from './scale';

/** The DeviceSupport `test` hook of src/drivers/config/registry.ts. */
export async function testScale(device: AnyDevice, report: TestReport): Promise<void> {
  const s = device as Scale8217;
  const wait = Math.max(5, report.waitSeconds);
  report.line(`reading the weight (up to ${wait} s for it to settle)…`);
  const w = await s.readWeight({ timeoutMs: wait * 1000 });
  report.line(`weight: ${w.grams} g${w.net ? ' net' : ''} (stable)`);
}
