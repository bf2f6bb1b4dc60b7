import { z } from 'zod';
import { scannerSettingsShape } from '../../scanner/config';
import { connectionSchema, reconnectSchema } from '../connection';

// The scanner's own fields come from its driver (src/drivers/scanner/config.ts, owned by drivers B).
export const scannerDeviceSchema = z
  .object({
    type: z.literal('scanner'),
    connection: connectionSchema,
    /** Link supervisor backoff, and whether to start while the device is absent. */
    reconnect: reconnectSchema,
    ...scannerSettingsShape,
  })
  .strict();
