// `tillstream devices detect`: list what is plugged in (serial, USB, HID with vendor and product
// ids), propose a configuration entry for each device we recognise, ask store IT about the
// rest, and merge the answers into the device configuration. Recognition is a table of ids
// (KNOWN_DEVICES) plus the HID usage page of POS scanners; the printer profile comes from the
// product string the device reports when it names a model we have a profile for.

import { readlinkSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listPrinterProfiles } from '../printer/profiles';
import { hex4 } from '../transport/base';
import type { FoundDevice, TransportBinding } from '../transport/transport';
import type { DeviceConfig } from './schema';
import { parseDeviceConfig } from './load';

export type DetectedType = 'printer' | 'scanner' | 'scale';

export interface KnownDevice {
  vendorId: number;
  /** Absent: any product of the vendor. */
  productId?: number;
  type: DetectedType;
  label: string;
  /** Printers: the profile when the product string names no model we know. */
  profile?: string;
}

/** Ids of point-of-sale devices we recognise; exact product ids first, then vendor-wide rows. */
export const KNOWN_DEVICES: KnownDevice[] = [
  { vendorId: 0x04b8, productId: 0x0202, type: 'printer', label: 'Epson TM receipt printer', profile: 'epson-tm-t88vi' },
  { vendorId: 0x04b8, productId: 0x0e15, type: 'printer', label: 'Epson TM-T20II', profile: 'epson-tm-t20ii' },
  { vendorId: 0x04b8, productId: 0x0e28, type: 'printer', label: 'Epson TM-T20III', profile: 'epson-tm-t20iii' },
  { vendorId: 0x0519, productId: 0x0003, type: 'printer', label: 'Star TSP100', profile: 'star-tsp100iii' },
  { vendorId: 0x04b8, type: 'printer', label: 'Epson printer', profile: 'generic-escpos-80' },
  { vendorId: 0x0519, type: 'printer', label: 'Star printer', profile: 'star-tsp100iv' },
  { vendorId: 0x1504, type: 'printer', label: 'Bixolon printer', profile: 'bixolon-srp350iii' },
  { vendorId: 0x1d90, type: 'printer', label: 'Citizen printer', profile: 'citizen-ct-s310ii' },
  { vendorId: 0x2730, type: 'printer', label: 'Citizen printer', profile: 'citizen-ct-s310ii' },
  { vendorId: 0x0c2e, type: 'scanner', label: 'Honeywell (Metrologic) scanner' },
  { vendorId: 0x0536, type: 'scanner', label: 'Honeywell (Hand Held Products) scanner' },
  { vendorId: 0x05e0, type: 'scanner', label: 'Zebra (Symbol) scanner' },
  { vendorId: 0x05f9, type: 'scanner', label: 'Datalogic scanner' },
  { vendorId: 0x0eb8, type: 'scale', label: 'Mettler Toledo scale' },
];

/** HID usage page of barcode scanners in HID-POS mode. */
const HID_POS_SCANNER_PAGE = 0x8c;

export interface Proposal {
  found: FoundDevice;
  /** What we think it is; undefined: unknown, ask. */
  known?: KnownDevice;
  /** The configuration entry we would write (absent when the device cannot be used as recognised, e.g. a keyboard-mode scanner). */
  entry?: Record<string, unknown>;
  /** Why it needs nothing or cannot be proposed. */
  note?: string;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The printer profile the product string names ("TM-T88VI" → epson-tm-t88vi), longest match wins. */
export function profileFromProduct(product: string | undefined): string | undefined {
  if (!product) return undefined;
  const p = norm(product);
  let best: string | undefined;
  let bestLen = 0;
  for (const { id } of listPrinterProfiles()) {
    const model = norm(id.replace(/^(epson|star|bixolon|citizen)-/, ''));
    if (model.length >= 4 && p.includes(model) && model.length > bestLen) {
      best = id;
      bestLen = model.length;
    }
  }
  return best;
}

export function recognise(d: FoundDevice): KnownDevice | undefined {
  if (d.vendorId === undefined) return undefined;
  return KNOWN_DEVICES.find((k) => k.vendorId === d.vendorId && k.productId === d.productId) ?? KNOWN_DEVICES.find((k) => k.vendorId === d.vendorId && k.productId === undefined);
}

/** A /dev/serial/by-id link to a tty survives replugging into another port; prefer it. */
export function stableSerialPath(p: string, byIdDir = '/dev/serial/by-id'): string {
  try {
    for (const name of readdirSync(byIdDir)) {
      const link = path.join(byIdDir, name);
      if (path.resolve(byIdDir, readlinkSync(link)) === p) return link;
    }
  } catch {
    // No by-id folder (no USB serial devices, or not Linux).
  }
  return p;
}

function ids(d: FoundDevice): string {
  return `${hex4(d.vendorId ?? 0)}:${hex4(d.productId ?? 0)}`;
}

/** The configuration entry for a device of `type` where it was found; undefined when the driver cannot use that transport. */
export function entryFor(d: FoundDevice, type: DetectedType | 'display', profile?: string): { entry?: Record<string, unknown>; note?: string } {
  const serial = d.kind === 'serial' ? { transport: 'serial', path: stableSerialPath(d.id), baudRate: 9600 } : undefined;
  const usb = { transport: 'usb', device: ids(d), ...(d.serialNumber ? { serialNumber: d.serialNumber } : {}) };
  switch (type) {
    case 'printer':
      if (d.kind === 'hid') return { note: 'a HID device cannot be a receipt printer' };
      return { entry: { type: 'printer', connection: serial ? { ...serial, baudRate: 38400 } : usb, profile: profile ?? 'generic-escpos-80' } };
    case 'scanner':
      if (serial) return { entry: { type: 'scanner', connection: serial, suffix: 'CR' } };
      if (d.kind === 'hid' && d.usagePage === HID_POS_SCANNER_PAGE) return { entry: { type: 'scanner', connection: { transport: 'hid', device: ids(d), usagePage: HID_POS_SCANNER_PAGE }, protocol: 'hid-pos' } };
      return { note: 'a scanner in keyboard mode needs no configuration (the register reads it as typed input); switch it to USB serial or HID-POS for a configured scanner' };
    case 'scale':
    case 'display':
      if (serial) return { entry: { type, connection: serial } };
      return { note: `the ${type} driver talks over a serial port; set the device to USB serial (virtual COM) mode` };
  }
}

export function propose(d: FoundDevice): Proposal {
  if (d.kind === 'hid' && d.usagePage === HID_POS_SCANNER_PAGE) {
    const known = recognise(d) ?? { vendorId: d.vendorId ?? 0, type: 'scanner' as const, label: 'HID-POS barcode scanner' };
    return { found: d, known: { ...known, type: 'scanner' }, ...entryFor(d, 'scanner') };
  }
  const known = recognise(d);
  if (!known) return { found: d };
  const profile = known.type === 'printer' ? (profileFromProduct(d.product) ?? known.profile) : undefined;
  return { found: d, known, ...entryFor(d, known.type, profile) };
}

export interface DetectResult {
  proposals: Proposal[];
  errors: Array<{ kind: string; message: string }>;
}

/** Lists every binding's devices (one failing kind does not hide the others) and proposes entries. */
export async function detectDevices(bindings: TransportBinding[]): Promise<DetectResult> {
  const out: DetectResult = { proposals: [], errors: [] };
  for (const b of bindings) {
    try {
      for (const d of (await b.list()).slice(0, 256)) out.proposals.push(propose(d));
    } catch (err) {
      out.errors.push({ kind: b.kind, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}

function sameConnection(a: unknown, b: unknown): boolean {
  const x = a as Record<string, unknown> | undefined;
  const y = b as Record<string, unknown> | undefined;
  if (!x || !y || x.transport !== y.transport) return false;
  return x.transport === 'serial' ? x.path === y.path : x.device === y.device && x.serialNumber === y.serialNumber;
}

/** The configuration as written in its file (defaults not filled in), what detect merges into. */
export interface RawDeviceConfig {
  version: 1;
  devices: Record<string, unknown>;
}

/**
 * Adds entries to a configuration: a device already configured (same connection) is kept as
 * it is; a new one gets the type's name ("printer", then "printer-2"…). The first printer added
 * to a configuration without a drawer gets a drawer on its kick port when `drawer` is true.
 * Returns the file's new content and throws DeviceConfigError if it would not validate.
 */
export function mergeEntries(current: RawDeviceConfig | null, entries: Array<Record<string, unknown>>, opts: { drawer: boolean }): { raw: RawDeviceConfig; config: DeviceConfig; added: string[]; kept: string[] } {
  const devices: Record<string, unknown> = { ...(current?.devices ?? {}) };
  const added: string[] = [];
  const kept: string[] = [];
  for (const e of entries) {
    const existing = Object.entries(devices).find(([, d]) => sameConnection((d as { connection?: unknown }).connection, e.connection));
    if (existing) {
      kept.push(existing[0]);
      continue;
    }
    const type = String(e.type);
    let name = type;
    for (let n = 2; name in devices; n++) name = `${type}-${n}`;
    devices[name] = e;
    added.push(name);
    if (type === 'printer' && opts.drawer && !Object.values(devices).some((d) => (d as { type: string }).type === 'drawer')) {
      let drawerName = 'drawer';
      for (let n = 2; drawerName in devices; n++) drawerName = `drawer-${n}`;
      devices[drawerName] = { type: 'drawer', via: 'printer', printer: name };
      added.push(drawerName);
    }
  }
  const raw: RawDeviceConfig = { version: 1, devices };
  return { raw, config: parseDeviceConfig(raw, '(detected)'), added, kept };
}
