// Payment terminal settings in the device configuration (terminal-specific fields only). The
// address is TCP (host, port 20007 by default) or serial (9600 8N2 is the ZVT default).

import { z } from 'zod';
import type { ReconnectOptions } from '../transport/reconnecting';
import type { TransportAddress, TransportBinding } from '../transport/transport';

/** The device config entry's `reconnect` block, passed through to the link supervisor. */
function reconnectOf(settings: object): { reconnect?: ReconnectOptions } {
  const r = (settings as { reconnect?: ReconnectOptions }).reconnect;
  return r ? { reconnect: r } : {};
}
import { CURRENCY_NUMERIC } from './zvt/messages';
import { ZvtPaymentTerminal, type ZvtTerminalOptions } from './zvt-terminal';

export const paymentSettingsShape = {
  protocol: z.literal('zvt').default('zvt'),
  currency: z.string().refine((c) => c in CURRENCY_NUMERIC, { message: `currency must be one of ${Object.keys(CURRENCY_NUMERIC).join(', ')}` }),
  password: z.number().int().min(0).max(999_999).default(0),
  ackTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  transactionTimeoutMs: z.number().int().min(1_000).max(600_000).default(180_000),
  register: z.boolean().default(true),
};
export const paymentSettingsSchema = z.object(paymentSettingsShape);
export type PaymentSettings = z.infer<typeof paymentSettingsSchema>;

export function createPaymentTerminal(
  name: string,
  address: TransportAddress,
  settings: z.input<typeof paymentSettingsSchema>,
  extra: Pick<ZvtTerminalOptions, 'unresolved' | 'lastKnownTrace' | 'log'> & { binding?: TransportBinding } = {},
): ZvtPaymentTerminal {
  const s = paymentSettingsSchema.parse(settings);
  return new ZvtPaymentTerminal(name, {
    address,
    binding: extra.binding,
    ...reconnectOf(settings),
    currency: s.currency,
    password: s.password,
    ackTimeoutMs: s.ackTimeoutMs,
    transactionTimeoutMs: s.transactionTimeoutMs,
    register: s.register,
    unresolved: extra.unresolved,
    lastKnownTrace: extra.lastKnownTrace,
    log: extra.log,
  });
}
