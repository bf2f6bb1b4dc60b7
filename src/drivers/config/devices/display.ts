import { z } from 'zod';
import { displaySettingsShape } from '../../display/config';
import { connectionSchema, reconnectSchema } from '../connection';

// The display's own fields come from its driver (src/drivers/display/config.ts, owned by drivers B).
export const displayDeviceSchema = z
  .object({
    type: z.literal('display'),
    connection: connectionSchema,
    /** Link supervisor backoff, and whether to start while the device is absent. */
    reconnect: reconnectSchema,
    ...displaySettingsShape,
  })
  .strict();
