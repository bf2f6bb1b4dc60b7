import { z } from 'zod';
import { paymentSettingsShape } from '../../payment/config';
import { connectionSchema, reconnectSchema } from '../connection';

// The payment's own fields come from its driver (src/drivers/payment/config.ts, owned by drivers B).
export const paymentDeviceSchema = z
  .object({
    type: z.literal('payment'),
    connection: connectionSchema,
    /** Link supervisor backoff, and whether to start while the device is absent. */
    reconnect: reconnectSchema,
    ...paymentSettingsShape,
  })
  .strict();
