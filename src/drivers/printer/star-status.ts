// Star printer status (StarPRNT and Star Line mode): the Automatic Status, decoded per Star's
// "Automatic Status" appendix of the StarPRNT / Star Line command specifications. The printer
// sends it by itself on every change once `ESC RS a 1` turned it on, and on demand after
// `ESC ACK SOH` (the enquiry the driver polls with, as it polls DLE EOT on an ESC/POS printer).
//
// A message is Header-1, Header-2 and the printer status bytes. Header-1 says how many bytes
// the whole message has (bits 1-3 and 5) and is told apart by bit 0 = 1 with bits 4 and 7 = 0;
// every byte after it has bit 0 = 0 (and bits 4 and 7 = 0), which is how a parser resyncs.
// The bytes used here (1-based): 3 = printer status 1 (drawer bit 2, offline bit 3, cover open
// bit 5), 4 = status 2 (auto-cutter error bit 3, unrecoverable error bit 5, head too hot bit 6),
// 6 = status 4 (paper near end outer bit 1 / inner bit 2, paper end bit 3).

import type { PrinterSnapshot } from './status';

/** ESC ACK SOH: send the automatic status now (whether or not automatic status is on). */
export const STAR_STATUS_REQUEST = Uint8Array.of(0x1b, 0x06, 0x01);

/** ESC RS a n: automatic status on (1) or off (0). */
export function starAsbEnable(on: boolean): Uint8Array {
  return Uint8Array.of(0x1b, 0x1e, 0x61, on ? 1 : 0);
}

/** Messages are 7..15 bytes (the table in the specification); longer ones are refused. */
export const STAR_ASB_MIN = 7;
export const STAR_ASB_MAX = 15;

export function isStarHeader1(b: number): boolean {
  return (b & 0x91) === 0x01;
}
export function isStarStatusByte(b: number): boolean {
  return (b & 0x91) === 0x00;
}
/** The message length Header-1 announces (bits 1-3 are the low three bits, bit 5 the fourth). */
export function starAsbLength(header1: number): number {
  return ((header1 >> 1) & 0x07) | ((header1 >> 2) & 0x08);
}

export function decodeStarAsb(bytes: ArrayLike<number>): PrinterSnapshot {
  const n = bytes.length;
  if (n < STAR_ASB_MIN || n > STAR_ASB_MAX || !isStarHeader1(bytes[0]!) || starAsbLength(bytes[0]!) !== n) throw new Error('not a Star automatic status message');
  const s1 = bytes[2]!;
  const s2 = bytes[3]!;
  const s4 = bytes[5]!;
  return {
    drawerPin3High: (s1 & 0x04) !== 0,
    online: (s1 & 0x08) === 0,
    coverOpen: (s1 & 0x20) !== 0,
    error: s2 & 0x20 ? 'unrecoverable' : s2 & 0x08 ? 'autocutter' : s2 & 0x40 ? 'auto-recoverable' : 'none',
    paper: s4 & 0x08 ? 'empty' : s4 & 0x06 ? 'near-end' : 'ok',
  };
}

/** A 9-byte message (version 3) for the simulator, as a TSP100-class printer sends it. */
export function encodeStarAsb(s: PrinterSnapshot): Uint8Array {
  const header1 = 0x01 | ((9 & 0x07) << 1) | ((9 & 0x08) << 2); // 0x23
  const header2 = (3 & 0x07) << 1;
  const s1 = (s.drawerPin3High ? 0x04 : 0) | (s.online ? 0 : 0x08) | (s.coverOpen ? 0x20 : 0);
  const s2 = s.error === 'unrecoverable' ? 0x20 : s.error === 'autocutter' ? 0x08 : s.error === 'auto-recoverable' ? 0x40 : 0;
  const s4 = s.paper === 'empty' ? 0x0e : s.paper === 'near-end' ? 0x06 : 0;
  return Uint8Array.of(header1, header2, s1, s2, 0, s4, 0, 0, 0);
}

/**
 * Finds automatic status messages in what a Star printer sends. Other bytes (XON/XOFF) are
 * counted and dropped; a message broken by such a byte is dropped and the byte read afresh.
 * Bounded: at most STAR_ASB_MAX bytes are held.
 */
export class StarStatusParser {
  private msg: number[] = [];
  private want = 0;
  dropped = 0;
  constructor(private readonly onStatus: (snapshot: PrinterSnapshot) => void) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (this.msg.length > 0) {
        if (isStarStatusByte(b)) {
          this.msg.push(b);
          if (this.msg.length === this.want) {
            const m = this.msg;
            this.msg = [];
            this.onStatus(decodeStarAsb(m));
          }
          continue;
        }
        this.dropped += this.msg.length;
        this.msg = [];
      }
      const n = isStarHeader1(b) ? starAsbLength(b) : 0;
      if (n >= STAR_ASB_MIN && n <= STAR_ASB_MAX) {
        this.msg = [b];
        this.want = n;
      } else this.dropped++;
    }
  }
}
