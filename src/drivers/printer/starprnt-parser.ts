// A streaming StarPRNT parser: printer bytes → the same operations as the ESC/POS parser, so
// the simulator prints, cuts and renders a Star receipt with the same folder and renderer.
// Only the StarPRNT subset the encoder (@point-of-sale/receipt-printer-encoder, language
// 'star-prnt') writes for receipts is understood, plus the status commands (ESC ACK SOH,
// ESC RS a n); anything else is reported as 'unknown' with its bytes, never silently dropped.

import { rowBytes } from './commands';
import { CommandStreamParser, NEED_MORE, type EscPosOp } from './command-stream';

const ESC = 0x1b;
const GS = 0x1d;
const RS = 0x1e;
const LF = 0x0a;
const CR = 0x0d;
const BEL = 0x07;
const SUB = 0x1a;
const CAN = 0x18;
const ACK = 0x06;
const SOH = 0x01;

/** Bytes of one ESC b barcode before its RS terminator; beyond this it is not a barcode. */
const MAX_BARCODE = 255;

export class StarPrntParser extends CommandStreamParser {
  private qr = { size: 3, ec: 'l' as 'l' | 'm' | 'q' | 'h', data: '' };
  /** Pulse widths (ESC BEL n1 n2) for the next BEL / SUB, in ms. */
  private pulse = { onMs: 200, offMs: 200 };

  constructor(emit: (op: EscPosOp) => void) {
    super(emit, 'StarPRNT');
  }

  protected step(p: number): number | typeof NEED_MORE {
    const b = this.buf;
    const have = b.length - p;
    const at = (i: number) => b[p + i]!;
    const c = at(0);
    if (c === LF) {
      this.flushText();
      this.emit({ op: 'newline' });
      return 1;
    }
    if (c === CR || c === CAN) return 1;
    if (c === BEL || c === SUB) {
      this.out({ op: 'pulse', pin: c === BEL ? 2 : 5, ...this.pulse });
      return 1;
    }
    if (c !== ESC) {
      if (c >= 0x20) this.textBytes.push(c);
      else this.out({ op: 'unknown', bytes: [c] });
      return 1;
    }
    if (have < 2) return NEED_MORE;
    const f = at(1);
    const fixed = (n: number, op?: EscPosOp): number | typeof NEED_MORE => {
      if (have < n) return NEED_MORE;
      if (op) this.out(op);
      else this.flushText();
      return n;
    };
    switch (f) {
      case 0x40: // ESC @
        return fixed(2, { op: 'init' });
      case 0x45: // ESC E: bold on
        return fixed(2, { op: 'bold', on: true });
      case 0x46: // ESC F: bold off
        return fixed(2, { op: 'bold', on: false });
      case 0x2d: // ESC - n: underline
        if (have < 3) return NEED_MORE;
        return fixed(3, { op: 'underline', n: at(2) & 1 });
      case 0x69: // ESC i n1 n2: height n1 + 1, width n2 + 1
        if (have < 4) return NEED_MORE;
        return fixed(4, { op: 'size', width: Math.min(8, at(3) + 1), height: Math.min(8, at(2) + 1) });
      case 0x64: // ESC d n: cut (0/2 full, 1/3 partial)
        if (have < 3) return NEED_MORE;
        return fixed(3, { op: 'cut', partial: (at(2) & 1) === 1 });
      case 0x61: // ESC a n: feed n lines
        if (have < 3) return NEED_MORE;
        return fixed(3, { op: 'feed', lines: at(2) });
      case 0x30: // ESC 0: 3 mm line spacing
        return fixed(2);
      case 0x7a: // ESC z n: line spacing
        return fixed(3);
      case BEL: // ESC BEL n1 n2: drawer pulse widths (units of 10 ms)
        if (have < 4) return NEED_MORE;
        this.pulse = { onMs: at(2) * 10, offMs: at(3) * 10 };
        return fixed(4);
      case ACK: // ESC ACK SOH: send the automatic status now
        if (have < 3) return NEED_MORE;
        return at(2) === SOH ? fixed(3, { op: 'star-status-request' }) : fixed(3, { op: 'unknown', bytes: [ESC, ACK, at(2)] });
      case RS: // ESC RS a n: automatic status on/off; other ESC RS commands have one parameter too
        if (have < 4) return NEED_MORE;
        return at(2) === 0x61 ? fixed(4, { op: 'asb', bits: at(3) }) : fixed(4, { op: 'unknown', bytes: [ESC, RS, at(2), at(3)] });
      case 0x58: // ESC X nL nH d…: 24-dot column graphics, 3 bytes a column
        return this.columnImage(p, have);
      case 0x62: // ESC b n1 n2 n3 n4 data RS: barcode
        return this.barcode(p, have);
      case GS:
        return this.escGs(p, have);
      default:
        return fixed(2, { op: 'unknown', bytes: [ESC, f] });
    }
  }

  private escGs(p: number, have: number): number | typeof NEED_MORE {
    const at = (i: number) => this.buf[p + i]!;
    if (have < 3) return NEED_MORE;
    const g = at(2);
    switch (g) {
      case 0x61: // ESC GS a n: alignment
        if (have < 4) return NEED_MORE;
        this.out({ op: 'align', align: (['left', 'center', 'right'] as const)[at(3) % 3]! });
        return 4;
      case 0x74: // ESC GS t n: code page
        if (have < 4) return NEED_MORE;
        this.out({ op: 'codepage', n: at(3) });
        return 4;
      case 0x50: // ESC GS P n: page-mode / print-area settings the encoder resets each line
        if (have < 4) return NEED_MORE;
        this.flushText();
        return 4;
      case 0x79: // ESC GS y …: QR code
        return this.qrCode(p, have);
      default:
        this.out({ op: 'unknown', bytes: [ESC, GS, g] });
        return 3;
    }
  }

  private qrCode(p: number, have: number): number | typeof NEED_MORE {
    const at = (i: number) => this.buf[p + i]!;
    if (have < 4) return NEED_MORE;
    const fn = at(3);
    if (fn === 0x53) { // ESC GS y S k n: 0 model, 1 error level, 2 cell size
      if (have < 6) return NEED_MORE;
      if (at(4) === 0x31) this.qr.ec = (['l', 'm', 'q', 'h'] as const)[at(5) & 3]!;
      if (at(4) === 0x32) this.qr.size = at(5);
      this.flushText();
      return 6;
    }
    if (fn === 0x44) { // ESC GS y D 1 0 nL nH data
      if (have < 8) return NEED_MORE;
      const n = at(6) + at(7) * 256;
      if (have < 8 + n) return NEED_MORE;
      this.qr.data = String.fromCharCode(...this.buf.slice(p + 8, p + 8 + n));
      this.flushText();
      return 8 + n;
    }
    if (fn === 0x50) { // ESC GS y P: print
      this.out({ op: 'qr', data: this.qr.data, size: this.qr.size, errorLevel: this.qr.ec });
      return 4;
    }
    this.out({ op: 'unknown', bytes: [ESC, GS, 0x79, fn] });
    return 4;
  }

  private barcode(p: number, have: number): number | typeof NEED_MORE {
    if (have < 6) return NEED_MORE;
    const end = this.buf.indexOf(RS, p + 6);
    if (end < 0) {
      if (have > 6 + MAX_BARCODE) {
        this.out({ op: 'unknown', bytes: this.buf.slice(p, p + 6) });
        return 6;
      }
      return NEED_MORE;
    }
    const symbology = this.buf[p + 2] === 0x06 ? 'code128' : `star-${this.buf[p + 2]}`;
    this.out({ op: 'barcode', symbology, data: String.fromCharCode(...this.buf.slice(p + 6, end)), height: this.buf[p + 5]! });
    return end + 1 - p;
  }

  private columnImage(p: number, have: number): number | typeof NEED_MORE {
    if (have < 4) return NEED_MORE;
    const width = this.buf[p + 2]! + this.buf[p + 3]! * 256;
    if (have < 4 + 3 * width) return NEED_MORE;
    // Columns of 24 dots (3 bytes, top dot in the high bit) → 24 rows of `width` dots.
    const rb = rowBytes(width);
    const bits = new Uint8Array(rb * 24);
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) {
        const v = this.buf[p + 4 + 3 * x + k]!;
        for (let bit = 0; bit < 8; bit++) {
          if (!(v & (0x80 >> bit))) continue;
          const i = (8 * k + bit) * rb + (x >> 3);
          bits[i] = bits[i]! | (0x80 >> (x & 7));
        }
      }
    }
    this.out({ op: 'image', width, height: 24, bits });
    return 4 + 3 * width;
  }
}
