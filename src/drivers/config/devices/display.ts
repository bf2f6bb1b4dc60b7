import { z } from 'zod';
import { connectionSchema, reconnectSchema } from '../connection';

// Placeholder owned by drivers B: replace `options` with the display driver's own fields (keep
// `type`, `connection` and `reconnect`), the way devices/printer.ts does.
export const displayDeviceSchema = z
  .object({
    type: z.literal('display'),
    connection: connectionSchema,
    options: z.record(z.string(), z.unknown()).default({}),
    reconnect: reconnectSchema,
  })
  .strict();
