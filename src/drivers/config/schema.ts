// The device configuration file: logical devices (printer, drawer, scanner, …) mapped to how they
// are attached and which model profile they use. One schema per device type in ./devices/;
// a new device type is one import and one entry in DEVICE_SCHEMAS.

import { z } from 'zod';
import { displayDeviceSchema } from './devices/display';
import { drawerDeviceSchema } from './devices/drawer';
import { paymentDeviceSchema } from './devices/payment';
import { printerDeviceSchema } from './devices/printer';
import { scaleDeviceSchema } from './devices/scale';
import { scannerDeviceSchema } from './devices/scanner';

export const DEVICE_SCHEMAS = [printerDeviceSchema, drawerDeviceSchema, scannerDeviceSchema, scaleDeviceSchema, displayDeviceSchema, paymentDeviceSchema] as const;

const DEVICE_TYPES = ['printer', 'drawer', 'scanner', 'scale', 'display', 'payment'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

// Dispatch on `type` first so an error names the fields of the right device type, not of all six.
export const deviceEntrySchema = z
  .object({ type: z.enum(DEVICE_TYPES) })
  .passthrough()
  .transform((v, ctx) => {
    const schema = DEVICE_SCHEMAS[DEVICE_TYPES.indexOf(v.type)] as z.ZodType;
    const r = schema.safeParse(v);
    if (!r.success) {
      for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path } as never);
      return z.NEVER;
    }
    return r.data as DeviceEntry;
  });

export type PrinterDeviceConfig = z.infer<typeof printerDeviceSchema>;
export type DrawerDeviceConfig = z.infer<typeof drawerDeviceSchema>;
export type ScannerDeviceConfig = z.infer<typeof scannerDeviceSchema>;
export type ScaleDeviceConfig = z.infer<typeof scaleDeviceSchema>;
export type DisplayDeviceConfig = z.infer<typeof displayDeviceSchema>;
export type PaymentDeviceConfig = z.infer<typeof paymentDeviceSchema>;
export type DeviceEntry = PrinterDeviceConfig | DrawerDeviceConfig | ScannerDeviceConfig | ScaleDeviceConfig | DisplayDeviceConfig | PaymentDeviceConfig;

export const deviceConfigSchema = z
  .object({
    version: z.literal(1),
    /** Logical name → device. Names are what the app and `tillstream devices test <name>` use. */
    devices: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'device names are lower-case letters, digits, - and _'), deviceEntrySchema),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const [name, d] of Object.entries(cfg.devices)) {
      if (d.type === 'drawer' && d.via === 'printer') {
        const p = cfg.devices[d.printer];
        if (!p || p.type !== 'printer') ctx.addIssue({ code: 'custom', path: ['devices', name, 'printer'], message: `"${d.printer}" is not a configured printer` });
      }
    }
  });

export type DeviceConfig = z.infer<typeof deviceConfigSchema>;
