// `tillstream devices test <name>` for a customer display: show a test line and total.

import type { AnyDevice, TestReport } from '../config/support';
import { CustomerDisplay } from './display';

/** The DeviceSupport `test` hook of src/drivers/config/registry.ts. */
export async function testDisplay(device: AnyDevice, report: TestReport): Promise<void> {
  const d = device as CustomerDisplay;
  await d.selfTest();
  await d.showLine('Test äöü € ß', '1.23', '45.67');
  report.line(`display shows: ${JSON.stringify(d.current.line1)} / ${JSON.stringify(d.current.line2)}`);
  report.line('check the display: top row "Test äöü € ß" and 1.23, bottom row TOTAL and 45.67');
}
