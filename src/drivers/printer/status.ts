// ESC/POS real-time status: DLE EOT n (n = 1..4) and Automatic Status Back (GS a n), decoded per
// the Epson ESC/POS command reference. Every reply byte has fixed bits, which is how a reply is
// told apart from other traffic: DLE EOT replies are 0xx1xx10, the first ASB byte is 0xx1xx00
// and the three ASB bytes after it are 0xx0xxxx.

export const DLE = 0x10;
export const EOT = 0x04;
export const GS = 0x1d;

export type StatusQuery = 1 | 2 | 3 | 4;

/** DLE EOT n request bytes. */
export function statusRequest(n: StatusQuery): Uint8Array {
  return Uint8Array.of(DLE, EOT, n);
}

/** GS a n: enable Automatic Status Back for drawer (1), online/offline (2), error (4), paper sensor (8). */
export function asbEnable(bits = 0x0f): Uint8Array {
  return Uint8Array.of(GS, 0x61, bits & 0xff);
}

export function isStatusReplyByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}
export function isAsbHeaderByte(b: number): boolean {
  return (b & 0x93) === 0x10;
}
export function isAsbTrailerByte(b: number): boolean {
  return (b & 0x90) === 0x00;
}

/** n = 1: printer status. */
export interface PrinterStatusByte {
  /** Drawer kick-out connector pin 3 is HIGH (what that means, open or closed, depends on the drawer). */
  drawerPin3High: boolean;
  offline: boolean;
  waitingForOnlineRecovery: boolean;
  feedButtonPressed: boolean;
}
/** n = 2: offline cause. */
export interface OfflineCauseByte {
  coverOpen: boolean;
  feedingByButton: boolean;
  /** Printing stopped because the paper ran out. */
  paperEndStop: boolean;
  errorOccurred: boolean;
}
/** n = 3: error cause. */
export interface ErrorCauseByte {
  autocutterError: boolean;
  unrecoverableError: boolean;
  autoRecoverableError: boolean;
}
/** n = 4: roll paper sensor. */
export interface PaperSensorByte {
  nearEnd: boolean;
  paperEnd: boolean;
}

export function decodePrinterStatus(b: number): PrinterStatusByte {
  return { drawerPin3High: (b & 0x04) !== 0, offline: (b & 0x08) !== 0, waitingForOnlineRecovery: (b & 0x20) !== 0, feedButtonPressed: (b & 0x40) !== 0 };
}
export function decodeOfflineCause(b: number): OfflineCauseByte {
  return { coverOpen: (b & 0x04) !== 0, feedingByButton: (b & 0x08) !== 0, paperEndStop: (b & 0x20) !== 0, errorOccurred: (b & 0x40) !== 0 };
}
export function decodeErrorCause(b: number): ErrorCauseByte {
  return { autocutterError: (b & 0x08) !== 0, unrecoverableError: (b & 0x20) !== 0, autoRecoverableError: (b & 0x40) !== 0 };
}
export function decodePaperSensor(b: number): PaperSensorByte {
  return { nearEnd: (b & 0x0c) !== 0, paperEnd: (b & 0x60) !== 0 };
}

export function encodePrinterStatus(s: PrinterStatusByte): number {
  return 0x12 | (s.drawerPin3High ? 0x04 : 0) | (s.offline ? 0x08 : 0) | (s.waitingForOnlineRecovery ? 0x20 : 0) | (s.feedButtonPressed ? 0x40 : 0);
}
export function encodeOfflineCause(s: OfflineCauseByte): number {
  return 0x12 | (s.coverOpen ? 0x04 : 0) | (s.feedingByButton ? 0x08 : 0) | (s.paperEndStop ? 0x20 : 0) | (s.errorOccurred ? 0x40 : 0);
}
export function encodeErrorCause(s: ErrorCauseByte): number {
  return 0x12 | (s.autocutterError ? 0x08 : 0) | (s.unrecoverableError ? 0x20 : 0) | (s.autoRecoverableError ? 0x40 : 0);
}
export function encodePaperSensor(s: PaperSensorByte): number {
  return 0x12 | (s.nearEnd ? 0x0c : 0) | (s.paperEnd ? 0x60 : 0);
}

/** The whole picture, from four DLE EOT replies or one ASB message. */
export interface PrinterSnapshot {
  online: boolean;
  coverOpen: boolean;
  paper: 'ok' | 'near-end' | 'empty';
  drawerPin3High: boolean;
  error: 'none' | 'autocutter' | 'unrecoverable' | 'auto-recoverable';
}

/** Automatic Status Back: 4 bytes (Epson TM layout). */
export function decodeAsb(bytes: ArrayLike<number>): PrinterSnapshot {
  if (bytes.length !== 4 || !isAsbHeaderByte(bytes[0]!)) throw new Error('not an ASB message');
  const [b1, b2, b3] = [bytes[0]!, bytes[1]!, bytes[2]!];
  return {
    drawerPin3High: (b1 & 0x04) !== 0,
    online: (b1 & 0x08) === 0,
    coverOpen: (b1 & 0x20) !== 0,
    error: b2 & 0x20 ? 'unrecoverable' : b2 & 0x08 ? 'autocutter' : b2 & 0x40 ? 'auto-recoverable' : 'none',
    paper: b3 & 0x0c ? 'empty' : b3 & 0x03 ? 'near-end' : 'ok',
  };
}

export function encodeAsb(s: PrinterSnapshot): Uint8Array {
  const b1 = 0x10 | (s.drawerPin3High ? 0x04 : 0) | (s.online ? 0 : 0x08) | (s.coverOpen ? 0x20 : 0);
  const b2 = s.error === 'unrecoverable' ? 0x20 : s.error === 'autocutter' ? 0x08 : s.error === 'auto-recoverable' ? 0x40 : 0;
  const b3 = s.paper === 'empty' ? 0x0f : s.paper === 'near-end' ? 0x03 : 0;
  return Uint8Array.of(b1, b2, b3, 0);
}

export function snapshotFromReplies(r: { 1: number; 2: number; 3: number; 4: number }): PrinterSnapshot {
  const p = decodePrinterStatus(r[1]);
  const o = decodeOfflineCause(r[2]);
  const e = decodeErrorCause(r[3]);
  const s = decodePaperSensor(r[4]);
  return {
    online: !p.offline,
    coverOpen: o.coverOpen,
    drawerPin3High: p.drawerPin3High,
    paper: s.paperEnd || o.paperEndStop ? 'empty' : s.nearEnd ? 'near-end' : 'ok',
    error: e.unrecoverableError ? 'unrecoverable' : e.autocutterError ? 'autocutter' : e.autoRecoverableError ? 'auto-recoverable' : 'none',
  };
}

/**
 * Splits the byte stream from a printer into DLE EOT replies and ASB messages. Unrelated bytes
 * (XON/XOFF, GS r replies) are counted and dropped. Bounded: at most 4 bytes are held.
 */
export class StatusStreamParser {
  private asb: number[] = [];
  dropped = 0;
  constructor(
    private readonly onReply: (byte: number) => void,
    private readonly onAsb: (snapshot: PrinterSnapshot) => void,
  ) {}

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (this.asb.length > 0) {
        if (isAsbTrailerByte(b)) {
          this.asb.push(b);
          if (this.asb.length === 4) {
            const m = this.asb;
            this.asb = [];
            this.onAsb(decodeAsb(m));
          }
          continue;
        }
        // A broken ASB message: drop it and read this byte afresh.
        this.dropped += this.asb.length;
        this.asb = [];
      }
      if (isStatusReplyByte(b)) this.onReply(b);
      else if (isAsbHeaderByte(b)) this.asb.push(b);
      else this.dropped++;
    }
  }
}
