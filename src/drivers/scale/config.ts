// Scale settings in the device configuration (scale-specific fields only; see scanner/config.ts).

import { z } from 'zod';
import type { ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';

/** The device config entry's `reconnect` block, passed through to the link supervisor. */
function reconnectOf(settings: object): { reconnect?: ReconnectOptions } {
  const r = (settings as { reconnect?: ReconnectOptions }).reconnect;
  return r ? { reconnect: r } : {};
}
import { Scale8217 } from './scale';

export const scaleSettingsShape = {
  protocol: z.literal('mettler-8217').default('mettler-8217'),
  replyTimeoutMs: z.number().int().min(50).max(30_000).default(1_000),
  pollIntervalMs: z.number().int().min(10).max(5_000).default(100),
  /** Identical replies needed before a weight counts as stable (1 = trust the scale's motion flag). */
  stableReadings: z.number().int().min(1).max(10).default(1),
};
export const scaleSettingsSchema = z.object(scaleSettingsShape);
export type ScaleSettings = z.infer<typeof scaleSettingsSchema>;

export function createScale(name: string, address: TransportAddress, settings: Partial<ScaleSettings> = {}, binding?: TransportBinding): Scale8217 {
  const s = scaleSettingsSchema.parse(settings);
  return new Scale8217(name, { address, binding, ...reconnectOf(settings), replyTimeoutMs: s.replyTimeoutMs, pollIntervalMs: s.pollIntervalMs, stableReadings: s.stableReadings });
}
