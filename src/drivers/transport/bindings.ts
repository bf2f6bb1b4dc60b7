// The set of real bindings, for opening an address of any kind and for `tillstream devices list`.

import { describeAddress } from './base';
import { TransportError } from './errors';
import { hidBinding } from './hid';
import { serialBinding } from './serial';
import { tcpBinding } from './tcp';
import type { FoundDevice, Transport, TransportAddress, TransportBinding, TransportKind } from './transport';
import { usbBinding } from './usb';

export const REAL_BINDINGS: Record<Exclude<TransportKind, 'mock'>, TransportBinding> = {
  serial: serialBinding,
  usb: usbBinding,
  hid: hidBinding,
  tcp: tcpBinding,
};

/** Picks the binding for an address; `extra` adds e.g. a MockBinding in tests. */
export function bindingFor(address: TransportAddress, extra: TransportBinding[] = []): TransportBinding {
  const b = extra.find((x) => x.kind === address.kind) ?? (address.kind === 'mock' ? undefined : REAL_BINDINGS[address.kind]);
  if (!b) throw new TransportError('NOT_FOUND', `no binding for ${describeAddress(address)}`);
  return b;
}

export function openTransport(address: TransportAddress, extra: TransportBinding[] = []): Promise<Transport> {
  return bindingFor(address, extra).open(address);
}

export interface ListResult {
  devices: FoundDevice[];
  /** Per kind, why listing failed (e.g. the native module is missing, libusb has no access). */
  errors: Array<{ kind: TransportKind; message: string }>;
}

/** Lists serial, USB and HID devices; one failing kind does not hide the others. */
export async function listAllDevices(kinds: TransportKind[] = ['serial', 'usb', 'hid']): Promise<ListResult> {
  const out: ListResult = { devices: [], errors: [] };
  for (const kind of kinds) {
    if (kind === 'mock') continue;
    try {
      out.devices.push(...(await REAL_BINDINGS[kind].list()));
    } catch (err) {
      out.errors.push({ kind, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
