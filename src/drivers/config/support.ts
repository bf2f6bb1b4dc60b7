// The contract between the configuration registry and each device type's factory and
// `devices test` hook. It lives below both so a device-test file never imports the registry
// that imports it (tests/lint/no-cycle.test.ts keeps it that way).

import type { PosDevice } from '../device/pos-device';
import type { UnresolvedPayment } from '../payment/types';
import type { TransportBinding } from '../transport/transport';
import type { DeviceConfig, DeviceEntry, DeviceType } from './schema';

/** A configured driver object of any device type (their event maps differ). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDevice = PosDevice<any, any>;

export interface DeviceContext {
  config: DeviceConfig;
  /** Extra bindings (a MockBinding in tests). */
  bindings?: TransportBinding[];
  /** What the application adds to the configuration when it builds devices (the register: journal state, logging). */
  hooks?: DeviceHooks;
  /** The (shared) driver object of another configured device, created on first use. */
  device(name: string): AnyDevice;
}

/** Application state a driver needs at creation that the configuration file cannot hold. */
export interface DeviceHooks {
  /** PCI-safe driver log lines (the payment terminal's command names and outcomes). */
  log?: (line: string) => void;
  /** A payment terminal's journalled unknown outcome and last trace, restored across a restart. */
  paymentState?: (name: string) => { unresolved?: UnresolvedPayment; lastKnownTrace?: number };
}

export interface TestReport {
  line(s: string): void;
  /** Seconds the test may wait for a person (close the drawer, scan a code). */
  waitSeconds: number;
}

export interface DeviceSupport<E extends DeviceEntry = DeviceEntry> {
  type: DeviceType;
  create(name: string, entry: E, ctx: DeviceContext): AnyDevice;
  /** Exercises an opened, claimed and enabled device; throws on failure. */
  test?(device: AnyDevice, report: TestReport, ctx: DeviceContext): Promise<void>;
}
