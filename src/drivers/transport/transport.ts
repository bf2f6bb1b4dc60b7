// One byte-stream contract for every way a device is attached, in the style of
// node-serialport's bindings: serial, USB bulk, HID, TCP 9100 and the in-memory mock all
// implement it, so device drivers never know how their bytes travel.
//
// CONTRACT (for driver authors)
// - Get a Transport from `binding.open(address)` (or `openTransport(address)` in ./bindings).
//   open() rejects with a TransportError (./errors) whose `code` is NOT_FOUND | ACCESS | BUSY |
//   TIMEOUT | IO and whose message names the address; ACCESS errors carry a `hint` naming the
//   udev rule / group to fix.
// - write(bytes) resolves when the bytes were handed to the OS (serial/TCP) or acknowledged
//   (USB). Writes are serialised and bounded (MAX_PENDING_WRITES in ./base): never assume a
//   write is atomic on the wire; frame your own protocol.
// - 'data' delivers chunks as they arrive; chunk boundaries mean nothing (use a parser).
// - 'disconnect' fires at most once when the link drops by itself; the transport is then
//   closed for good. Open a new one, or better: let ReconnectingTransport (./reconnecting)
//   do it, or extend TransportDevice (../device/transport-device), which also turns link
//   loss into state 'error' + status {kind:'power', value:'offline'} and back.
// - close() is idempotent and rejects pending writes with code CANCELED.
// - Tests use MockBinding (./mock): `const dev = binding.createDevice('printer')`, then
//   `dev.reply(bytes)`, `dev.takeWritten()`, `dev.unplug()`, `dev.replug()`.

export type TransportKind = 'serial' | 'usb' | 'hid' | 'tcp' | 'mock';

/** Where a device is found: a serial path, a USB/HID VID:PID (+ optional serial number), or host:port. */
export type TransportAddress =
  | { kind: 'serial'; path: string; baudRate: number; dataBits?: 7 | 8; parity?: 'none' | 'even' | 'odd'; stopBits?: 1 | 2; rtscts?: boolean }
  | { kind: 'usb'; vendorId: number; productId: number; serialNumber?: string }
  | { kind: 'hid'; vendorId: number; productId: number; serialNumber?: string; usagePage?: number }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'mock'; name: string };

/** A device the system can see, for `tillstream devices list` and the store IT screen. */
export interface FoundDevice {
  kind: TransportKind;
  /** Path (serial), `vvvv:pppp` (usb/hid), or host:port. */
  id: string;
  vendorId?: number;
  productId?: number;
  manufacturer?: string;
  product?: string;
  serialNumber?: string;
  usagePage?: number;
}

export interface TransportEvents {
  /** Bytes arrived from the device. */
  data: (chunk: Uint8Array) => void;
  /** The link went away (unplug, socket closed, PTY hung up). The port is closed after this. */
  disconnect: (reason: Error) => void;
}

/**
 * An open link to one device. Writes are serialised: a second write waits for the first.
 * close() rejects any pending write and read with an error whose `code` is 'CANCELED'.
 */
export interface Transport {
  readonly kind: TransportKind;
  readonly address: TransportAddress;
  readonly isOpen: boolean;
  write(bytes: Uint8Array): Promise<void>;
  /** Wait until every written byte has left the host (tcdrain for serial). */
  drain(): Promise<void>;
  on<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
  off<E extends keyof TransportEvents>(event: E, listener: TransportEvents[E]): this;
  close(): Promise<void>;
}

/** One implementation per kind; `open` fails with an error naming the address and the cause. */
export interface TransportBinding {
  readonly kind: TransportKind;
  list(): Promise<FoundDevice[]>;
  open(address: TransportAddress): Promise<Transport>;
}
