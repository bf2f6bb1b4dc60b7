import { z } from 'zod';
import { scaleSettingsShape } from '../../scale/config';
import { connectionSchema, reconnectSchema } from '../connection';

// The scale's own fields come from its driver (src/drivers/scale/config.ts, owned by drivers B).
export const scaleDeviceSchema = z
  .object({
    type: z.literal('scale'),
    connection: connectionSchema,
    /** Link supervisor backoff, and whether to start while the device is absent. */
    reconnect: reconnectSchema,
    ...scaleSettingsShape,
  })
  .strict();
