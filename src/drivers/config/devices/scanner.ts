import { z } from 'zod';
import { scannerSettingsShape } from '../../scanner/config';
import { connectionSchema } from '../connection';

// The scanner's own fields come from its driver (src/drivers/scanner/config.ts, owned by drivers B).
export const scannerDeviceSchema = z
  .object({
    type: z.literal('scanner'),
    connection: connectionSchema,
    ...scannerSettingsShape,
  })
  .strict();
