import { z } from 'zod';
import { safeText, storeIdSchema } from '../../core/protocol';

// Schemas shared by several routes. Every string a client sends goes through safeText (the
// shared string rule); the JSON body walk in input.ts applies it to free-form JSON as well.

export const text = (max: number, min = 1) => safeText().min(min).max(max);

export const storeIdQuery = storeIdSchema.describe('store id');
export const limitQuery = (def = 100, max = 1000) =>
  z.coerce.number().int().min(1).max(max).default(def).describe(`page size, 1..${max} (default ${def})`);

/** Timestamps leave the hub as ISO 8601 strings (UTC). */
export const isoString = z.string().describe('ISO 8601 time');
export const toIso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

export const okSchema = z.object({ ok: z.literal(true) });

/** Opaque JSON the hub stores and echoes (store config, alert data, tax tables). */
export const jsonObject = z.record(z.string(), z.unknown());
