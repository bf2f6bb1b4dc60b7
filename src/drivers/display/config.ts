// Customer display settings in the device configuration (display-specific fields only).

import { z } from 'zod';
import type { ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';

/** The device config entry's `reconnect` block, passed through to the link supervisor. */
function reconnectOf(settings: object): { reconnect?: ReconnectOptions } {
  const r = (settings as { reconnect?: ReconnectOptions }).reconnect;
  return r ? { reconnect: r } : {};
}
import { CustomerDisplay } from './display';

export const displaySettingsShape = {
  protocol: z.literal('epson-escpos-display').default('epson-escpos-display'),
  codePage: z.enum(['PC437', 'PC850', 'PC858', 'WPC1252']).default('PC858'),
  locale: z.string().min(2).max(35).default('en-US'),
  totalLabel: z.string().max(20).default('TOTAL'),
  idleText: z.tuple([z.string().max(20), z.string().max(20)]).default(['Welcome', '']),
};
export const displaySettingsSchema = z.object(displaySettingsShape);
export type DisplaySettings = z.infer<typeof displaySettingsSchema>;

export function createDisplay(name: string, address: TransportAddress, settings: Partial<DisplaySettings> = {}, binding?: TransportBinding): CustomerDisplay {
  const s = displaySettingsSchema.parse(settings);
  return new CustomerDisplay(name, { address, binding, ...reconnectOf(settings), codePage: s.codePage, locale: s.locale, totalLabel: s.totalLabel, idleText: s.idleText });
}
