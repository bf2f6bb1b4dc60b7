import { z } from 'zod';
import { connectionSchema, reconnectSchema } from '../connection';

const pulseSchema = z
  .object({
    /** Drawer connector pin the kick drives: 2 (drawer 1) or 5 (drawer 2). */
    pin: z.union([z.literal(2), z.literal(5)]).default(2),
    onMs: z.number().int().min(2).max(510).default(100),
    offMs: z.number().int().min(2).max(510).default(200),
  })
  .strict()
  .default({ pin: 2, onMs: 100, offMs: 200 });

const common = {
  type: z.literal('drawer'),
  pulse: pulseSchema,
  /** Printer drawer sensor level (pin 3) that means "open"; it depends on the drawer model. */
  openLevel: z.enum(['high', 'low']).default('high'),
  /** Alert when open longer than this; 0 = never. */
  openAlertSeconds: z.number().min(0).max(3600).default(30),
};

export const drawerDeviceSchema = z.discriminatedUnion('via', [
  /** Opened by the kick pulse of a configured printer, sensed through its status. */
  z.object({ ...common, via: z.literal('printer'), printer: z.string().min(1) }).strict(),
  /** A drawer with its own serial port; opens on `openBytes`; no open/closed sensing. */
  z.object({ ...common, via: z.literal('serial'), connection: connectionSchema, openBytes: z.array(z.number().int().min(0).max(255)).min(1).max(16).default([7]), reconnect: reconnectSchema }).strict(),
]);
