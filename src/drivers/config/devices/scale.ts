import { z } from 'zod';
import { scaleSettingsShape } from '../../scale/config';
import { connectionSchema } from '../connection';

// The scale's own fields come from its driver (src/drivers/scale/config.ts, owned by drivers B).
export const scaleDeviceSchema = z
  .object({
    type: z.literal('scale'),
    connection: connectionSchema,
    ...scaleSettingsShape,
  })
  .strict();
