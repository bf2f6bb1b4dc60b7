// Scanner settings in the device configuration (validated at the config-file boundary). Only
// the scanner-specific fields; the common ones (name, address) belong to the device config
// schema in src/drivers/config/, which extends its scanner entry with `scannerSettingsShape`.

import { z } from 'zod';
import type { ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';

/** The device config entry's `reconnect` block, passed through to the link supervisor. */
function reconnectOf(settings: object): { reconnect?: ReconnectOptions } {
  const r = (settings as { reconnect?: ReconnectOptions }).reconnect;
  return r ? { reconnect: r } : {};
}
import { HidPosScanner, SerialScanner } from './scanner';

export const scannerSettingsShape = {
  /** 'serial': data + suffix on a serial line; 'hid-pos': USB HID POS (usage page 0x8C). */
  protocol: z.enum(['serial', 'hid-pos']).default('serial'),
  suffix: z.enum(['CR', 'LF', 'CRLF', 'TAB']).default('CR'),
  aimPrefix: z.boolean().default(true),
  maxLength: z.number().int().min(16).max(65_536).default(4096),
};
export const scannerSettingsSchema = z.object(scannerSettingsShape);
export type ScannerSettings = z.infer<typeof scannerSettingsSchema>;

export function createScanner(name: string, address: TransportAddress, settings: Partial<ScannerSettings> = {}, binding?: TransportBinding): SerialScanner | HidPosScanner {
  const s = scannerSettingsSchema.parse(settings);
  if (s.protocol === 'hid-pos') return new HidPosScanner(name, { address, binding, ...reconnectOf(settings), maxLength: s.maxLength });
  return new SerialScanner(name, { address, binding, ...reconnectOf(settings), suffix: s.suffix, aimPrefix: s.aimPrefix, maxLength: s.maxLength });
}
