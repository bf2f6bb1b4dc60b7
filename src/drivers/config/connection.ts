// How a configured device is attached. One discriminated union on `transport`; converts to the
// transport layer's TransportAddress.

import { z } from 'zod';
import type { TransportAddress } from '../transport/transport';

const vidPid = z
  .string()
  .regex(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}$/, 'use vvvv:pppp in hex, as `lsusb` and `tillstream devices list` show it (e.g. "04b8:0202")');

export const connectionSchema = z.discriminatedUnion('transport', [
  z.object({
    transport: z.literal('serial'),
    /** /dev/ttyUSB0, /dev/ttyS0, or better a stable /dev/serial/by-id/… link. */
    path: z.string().min(1),
    baudRate: z.number().int().positive().default(9600),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
    parity: z.enum(['none', 'even', 'odd']).default('none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
    rtscts: z.boolean().default(false),
  }).strict(),
  z.object({ transport: z.literal('usb'), device: vidPid, serialNumber: z.string().min(1).optional() }).strict(),
  z.object({ transport: z.literal('hid'), device: vidPid, serialNumber: z.string().min(1).optional(), usagePage: z.number().int().min(0).max(0xffff).optional() }).strict(),
  z.object({ transport: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).default(9100) }).strict(),
  /** In-memory device, for tests and demos. */
  z.object({ transport: z.literal('mock'), name: z.string().min(1) }).strict(),
]);

export type Connection = z.infer<typeof connectionSchema>;

export function parseVidPid(s: string): { vendorId: number; productId: number } {
  const [v, p] = s.split(':');
  return { vendorId: parseInt(v!, 16), productId: parseInt(p!, 16) };
}

export function toTransportAddress(c: Connection): TransportAddress {
  switch (c.transport) {
    case 'serial':
      return { kind: 'serial', path: c.path, baudRate: c.baudRate, dataBits: c.dataBits, parity: c.parity, stopBits: c.stopBits, rtscts: c.rtscts };
    case 'usb':
      return { kind: 'usb', ...parseVidPid(c.device), ...(c.serialNumber ? { serialNumber: c.serialNumber } : {}) };
    case 'hid':
      return { kind: 'hid', ...parseVidPid(c.device), ...(c.serialNumber ? { serialNumber: c.serialNumber } : {}), ...(c.usagePage !== undefined ? { usagePage: c.usagePage } : {}) };
    case 'tcp':
      return { kind: 'tcp', host: c.host, port: c.port };
    case 'mock':
      return { kind: 'mock', name: c.name };
  }
}

/** Supervisor backoff, shared by every device type. */
export const reconnectSchema = z
  .object({
    initialDelayMs: z.number().int().positive().max(60_000).default(200),
    maxDelayMs: z.number().int().positive().max(300_000).default(5_000),
    /** Start even when the device is absent (state 'error', power offline) and connect when it appears. */
    startOffline: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.initialDelayMs, { message: 'maxDelayMs must be >= initialDelayMs', path: ['maxDelayMs'] })
  .default({ initialDelayMs: 200, maxDelayMs: 5_000, startOffline: false });
