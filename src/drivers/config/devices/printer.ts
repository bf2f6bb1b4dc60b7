import { z } from 'zod';
import { listPrinterProfiles } from '../../printer/profiles';
import { connectionSchema, reconnectSchema } from '../connection';

export const printerDeviceSchema = z
  .object({
    type: z.literal('printer'),
    connection: connectionSchema,
    /** A profile id from `tillstream devices profiles` (e.g. "epson-tm-t88vi", "generic-escpos-80"). */
    profile: z.string().refine((id) => listPrinterProfiles().some((p) => p.id === id), { message: 'unknown printer profile (see `tillstream devices profiles`)' }),
    statusPollMs: z.number().int().min(50).max(60_000).default(500),
    statusTimeoutMs: z.number().int().min(100).max(60_000).default(2_000),
    /** Turn on automatic status as well as polling: ESC/POS Automatic Status Back (GS a), or a Star printer's automatic status (ESC RS a 1). */
    asb: z.boolean().default(false),
    maxQueuedJobs: z.number().int().min(1).max(256).default(16),
    maxReprints: z.number().int().min(0).max(10).default(2),
    clearBufferOnRecovery: z.boolean().default(true),
    reconnect: reconnectSchema,
  })
  .strict();
