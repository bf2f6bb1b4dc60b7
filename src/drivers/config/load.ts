// Reading and validating the device configuration file. Every problem is reported with the path
// of the field (devices.printer.connection.port) so store IT can fix the file in one pass.

import { readFileSync } from 'node:fs';
import { deviceConfigSchema, type DeviceConfig } from './schema';

export const DEFAULT_DEVICE_CONFIG_PATH = '.tillstream/devices.json';

export interface ConfigProblem {
  path: string;
  message: string;
}

export class DeviceConfigError extends Error {
  override readonly name = 'DeviceConfigError';
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`invalid device configuration ${source}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Validates parsed JSON; throws DeviceConfigError listing every bad field. */
export function parseDeviceConfig(value: unknown, source = '(inline)'): DeviceConfig {
  const r = deviceConfigSchema.safeParse(value);
  if (r.success) return r.data;
  throw new DeviceConfigError(
    source,
    r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })),
  );
}

export function loadDeviceConfig(file: string): DeviceConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DeviceConfigError(file, [{ path: '(file)', message: (err as Error).message }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DeviceConfigError(file, [{ path: '(file)', message: `not JSON: ${(err as Error).message}` }]);
  }
  return parseDeviceConfig(json, file);
}
