import { z } from 'zod';
import { connectionSchema, reconnectSchema } from '../connection';

// Placeholder owned by drivers B: replace `options` with the payment driver's own fields (keep
// `type`, `connection` and `reconnect`), the way devices/printer.ts does.
export const paymentDeviceSchema = z
  .object({
    type: z.literal('payment'),
    connection: connectionSchema,
    options: z.record(z.string(), z.unknown()).default({}),
    reconnect: reconnectSchema,
  })
  .strict();
