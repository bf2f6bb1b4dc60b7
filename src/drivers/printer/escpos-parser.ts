// A streaming ESC/POS parser: printer bytes → operations. The simulator renders with it, tests
// decode what the driver sent and compare it with the command list, and `opsToCommands` folds
// the operations back into PrintCommands. Only the ESC/POS subset receipts use is understood;
// anything else is reported as 'unknown' with its bytes, never silently dropped.

import CodepageEncoder from '@point-of-sale/codepage-encoder';
import type { Codepage } from '@point-of-sale/codepage-encoder';
import { rowBytes, type Align, type PrintCommand } from './commands';

export type EscPosOp =
  | { op: 'init' }
  | { op: 'codepage'; n: number }
  | { op: 'align'; align: Align }
  | { op: 'bold'; on: boolean }
  | { op: 'underline'; n: number }
  | { op: 'size'; width: number; height: number }
  | { op: 'font'; n: number }
  | { op: 'text'; text: string }
  | { op: 'newline' }
  | { op: 'feed'; lines: number }
  | { op: 'cut'; partial: boolean }
  | { op: 'pulse'; pin: 2 | 5; onMs: number; offMs: number }
  | { op: 'qr'; data: string; size: number; errorLevel: 'l' | 'm' | 'q' | 'h' }
  | { op: 'barcode'; symbology: string; data: string; height: number }
  | { op: 'image'; width: number; height: number; bits: Uint8Array }
  | { op: 'status-request'; n: number }
  | { op: 'asb'; bits: number }
  | { op: 'unknown'; bytes: number[] };

/** Epson code page numbers (ESC t n) to encodings, as in the encoder's 'epson' mapping. */
const EPSON_CODEPAGES: Array<string | undefined> = [
  'cp437', 'epson/katakana', 'cp850', 'cp860', 'cp863', 'cp865', , , , , , 'cp851', 'cp853', 'cp857', 'cp737', 'iso8859-7',
  'windows1252', 'cp866', 'cp852', 'cp858', 'thai42', 'thai11', , , , , 'thai13', , , , 'tcvn3', 'tcvn3capitals', 'cp720',
  'cp775', 'cp855', 'cp861', 'cp862', 'cp864', 'cp869', 'epson/iso8859-2', 'iso8859-15', 'cp1098', 'cp774', 'cp772', 'cp1125',
  'windows1250', 'windows1251', 'windows1253', 'windows1254', 'windows1255', 'windows1256', 'windows1257', 'windows1258', 'rk1048',
];

/** Bytes held while a command is incomplete; a longer "command" is a protocol error. */
export const MAX_PENDING_BYTES = 1 << 20;

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const FS = 0x1c;
const LF = 0x0a;
const CR = 0x0d;

const NEED_MORE = Symbol('need-more');

export class EscPosParser {
  private buf: number[] = [];
  private textBytes: number[] = [];
  private codepage: string = 'cp437';
  private readonly tables = new Map<string, number[]>();
  // QR parameters collected from GS ( k functions until "print".
  private qr = { size: 3, ec: 'l' as 'l' | 'm' | 'q' | 'h', data: '' };
  private barcodeHeight = 162;

  constructor(private readonly emit: (op: EscPosOp) => void) {}

  push(chunk: ArrayLike<number>): void {
    for (let i = 0; i < chunk.length; i++) this.buf.push(chunk[i]!);
    if (this.buf.length > MAX_PENDING_BYTES) throw new Error(`ESC/POS parser: an incomplete command longer than ${MAX_PENDING_BYTES} bytes`);
    let pos = 0;
    while (pos < this.buf.length) {
      const used = this.step(pos);
      if (used === NEED_MORE) break;
      pos += used;
    }
    this.buf = this.buf.slice(pos);
  }

  /** Emits any text still waiting for a line feed (end of stream). */
  flush(): void {
    this.flushText();
  }

  private flushText(): void {
    if (this.textBytes.length === 0) return;
    const t = this.decode(this.textBytes);
    this.textBytes = [];
    this.emit({ op: 'text', text: t });
  }

  private decode(bytes: number[]): string {
    let table = this.tables.get(this.codepage);
    if (!table) {
      table = CodepageEncoder.supports(this.codepage) ? CodepageEncoder.getCodepoints(this.codepage as Codepage, true) : [];
      this.tables.set(this.codepage, table);
    }
    return bytes.map((b) => (b < 0x80 ? String.fromCharCode(b) : table![b] !== undefined ? String.fromCodePoint(table![b]!) : '\ufffd')).join('');
  }

  private out(op: EscPosOp): void {
    this.flushText();
    this.emit(op);
  }

  // Returns the number of bytes consumed at `p`, or NEED_MORE.
  private step(p: number): number | typeof NEED_MORE {
    const b = this.buf;
    const have = b.length - p;
    const at = (i: number) => b[p + i]!;
    const c = at(0);
    if (c === LF) {
      if (this.textBytes.length) this.flushText();
      this.emit({ op: 'newline' });
      return 1;
    }
    if (c === CR) return 1;
    if (c === ESC) {
      if (have < 2) return NEED_MORE;
      const f = at(1);
      switch (f) {
        case 0x40:
          this.out({ op: 'init' });
          this.codepage = 'cp437';
          return 2;
        case 0x74: // ESC t n
          if (have < 3) return NEED_MORE;
          this.flushText();
          this.codepage = EPSON_CODEPAGES[at(2)] ?? 'cp437';
          this.emit({ op: 'codepage', n: at(2) });
          return 3;
        case 0x61: // ESC a n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'align', align: (['left', 'center', 'right'] as const)[at(2) % 48] ?? 'left' });
          return 3;
        case 0x45: // ESC E n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'bold', on: (at(2) & 1) === 1 });
          return 3;
        case 0x2d: // ESC - n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'underline', n: at(2) % 48 });
          return 3;
        case 0x4d: // ESC M n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'font', n: at(2) % 48 });
          return 3;
        case 0x21: // ESC ! n  (print mode: bold bit 3, double height bit 4, double width bit 5)
          if (have < 3) return NEED_MORE;
          this.out({ op: 'bold', on: (at(2) & 0x08) !== 0 });
          this.emit({ op: 'size', width: at(2) & 0x20 ? 2 : 1, height: at(2) & 0x10 ? 2 : 1 });
          return 3;
        case 0x64: // ESC d n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'feed', lines: at(2) });
          return 3;
        case 0x4a: // ESC J n (feed n dots)
        case 0x33: // ESC 3 n (line spacing)
        case 0x20: // ESC SP n
        case 0x52: // ESC R n
        case 0x7b: // ESC { n
        case 0x56: // ESC V n
        case 0x47: // ESC G n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'unknown', bytes: [c, f, at(2)] });
          return 3;
        case 0x32: // ESC 2
          this.out({ op: 'unknown', bytes: [c, f] });
          return 2;
        case 0x70: // ESC p m t1 t2
          if (have < 5) return NEED_MORE;
          this.out({ op: 'pulse', pin: at(2) % 48 === 0 ? 2 : 5, onMs: at(3) * 2, offMs: at(4) * 2 });
          return 5;
        case 0x2a: {
          // ESC * m nL nH d… (bit image, column format)
          if (have < 5) return NEED_MORE;
          const m = at(2);
          const n = at(3) + at(4) * 256;
          const len = (m === 32 || m === 33 ? 3 : 1) * n;
          if (have < 5 + len) return NEED_MORE;
          this.out({ op: 'unknown', bytes: b.slice(p, p + Math.min(5 + len, 16)) });
          return 5 + len;
        }
        default:
          this.out({ op: 'unknown', bytes: [c, f] });
          return 2;
      }
    }
    if (c === GS) {
      if (have < 2) return NEED_MORE;
      const f = at(1);
      switch (f) {
        case 0x21: // GS ! n
          if (have < 3) return NEED_MORE;
          this.out({ op: 'size', width: ((at(2) >> 4) & 7) + 1, height: (at(2) & 7) + 1 });
          return 3;
        case 0x56: {
          // GS V m [n]
          if (have < 3) return NEED_MORE;
          const m = at(2);
          if (m === 65 || m === 66 || m === 97 || m === 98 || m === 103 || m === 104) {
            if (have < 4) return NEED_MORE;
            this.out({ op: 'cut', partial: m % 2 === 0 });
            return 4;
          }
          this.out({ op: 'cut', partial: m === 1 || m === 49 });
          return 3;
        }
        case 0x61: // GS a n (ASB)
          if (have < 3) return NEED_MORE;
          this.out({ op: 'asb', bits: at(2) });
          return 3;
        case 0x68: // GS h n
          if (have < 3) return NEED_MORE;
          this.barcodeHeight = at(2);
          return 3;
        case 0x77: // GS w n
        case 0x48: // GS H n
        case 0x66: // GS f n
        case 0x42: // GS B n
        case 0x72: // GS r n
        case 0x4c: // (GS L has 2 params) handled below
          if (f === 0x4c) {
            if (have < 4) return NEED_MORE;
            return 4;
          }
          if (have < 3) return NEED_MORE;
          return 3;
        case 0x6b: {
          // GS k m …
          if (have < 3) return NEED_MORE;
          const m = at(2);
          const names: Record<number, string> = { 65: 'upca', 66: 'upce', 67: 'ean13', 68: 'ean8', 69: 'code39', 70: 'itf', 71: 'codabar', 72: 'code93', 73: 'code128' };
          if (m >= 65) {
            if (have < 4) return NEED_MORE;
            const n = at(3);
            if (have < 4 + n) return NEED_MORE;
            let data = String.fromCharCode(...b.slice(p + 4, p + 4 + n));
            if (m === 73) data = data.replace(/^\{[ABC]/, '');
            this.out({ op: 'barcode', symbology: names[m] ?? `gs-k-${m}`, data, height: this.barcodeHeight });
            return 4 + n;
          }
          let end = p + 3;
          while (end < b.length && b[end] !== 0) end++;
          if (end >= b.length) return NEED_MORE;
          this.out({ op: 'barcode', symbology: `gs-k-${m}`, data: String.fromCharCode(...b.slice(p + 3, end)), height: this.barcodeHeight });
          return end - p + 1;
        }
        case 0x76: {
          // GS v 0 m xL xH yL yH d…
          if (have < 8) return NEED_MORE;
          const xBytes = at(4) + at(5) * 256;
          const h = at(6) + at(7) * 256;
          const len = xBytes * h;
          if (have < 8 + len) return NEED_MORE;
          this.out({ op: 'image', width: xBytes * 8, height: h, bits: Uint8Array.from(b.slice(p + 8, p + 8 + len)) });
          return 8 + len;
        }
        case 0x28: {
          // GS ( fn pL pH …
          if (have < 5) return NEED_MORE;
          const fn = at(2);
          const len = at(3) + at(4) * 256;
          if (have < 5 + len) return NEED_MORE;
          const body = b.slice(p + 5, p + 5 + len);
          if (fn === 0x6b && body[0] === 49) this.qrFunction(body);
          else this.out({ op: 'unknown', bytes: b.slice(p, p + Math.min(5 + len, 16)) });
          return 5 + len;
        }
        default:
          this.out({ op: 'unknown', bytes: [c, f] });
          return 2;
      }
    }
    if (c === DLE) {
      if (have < 3) return NEED_MORE;
      if (at(1) === 0x04) {
        this.out({ op: 'status-request', n: at(2) });
        return 3;
      }
      if (at(1) === 0x05 || at(1) === 0x14) {
        if (at(1) === 0x14) {
          // DLE DC4 fn … (real-time pulse: DLE DC4 1 m t)
          if (have < 5) return NEED_MORE;
          if (at(2) === 1) this.out({ op: 'pulse', pin: at(3) === 0 ? 2 : 5, onMs: at(4) * 100, offMs: at(4) * 100 });
          else this.out({ op: 'unknown', bytes: b.slice(p, p + 5) });
          return 5;
        }
        this.out({ op: 'unknown', bytes: [c, at(1), at(2)] });
        return 3;
      }
      this.textBytes.push(c);
      return 1;
    }
    if (c === FS) {
      if (have < 2) return NEED_MORE;
      // FS . (cancel Kanji mode) and FS & are single commands; FS p n m prints an NV image.
      if (at(1) === 0x70) {
        if (have < 4) return NEED_MORE;
        this.out({ op: 'unknown', bytes: [c, at(1), at(2), at(3)] });
        return 4;
      }
      return 2;
    }
    if (c < 0x20 && c !== 0x09) {
      this.out({ op: 'unknown', bytes: [c] });
      return 1;
    }
    this.textBytes.push(c);
    return 1;
  }

  private qrFunction(body: number[]): void {
    const fn = body[1];
    if (fn === 67) this.qr.size = body[2] ?? 3; // 1 C: module size
    else if (fn === 69) this.qr.ec = (['l', 'm', 'q', 'h'] as const)[(body[2] ?? 48) - 48] ?? 'l'; // 1 E: error correction
    else if (fn === 80) this.qr.data = new TextDecoder().decode(Uint8Array.from(body.slice(3))); // 1 P 0: store
    else if (fn === 81) this.out({ op: 'qr', data: this.qr.data, size: this.qr.size, errorLevel: this.qr.ec }); // 1 Q 0: print
  }
}

/** Parses a complete byte string. */
export function parseEscPos(bytes: ArrayLike<number>): EscPosOp[] {
  const ops: EscPosOp[] = [];
  const p = new EscPosParser((op) => ops.push(op));
  p.push(bytes);
  p.flush();
  return ops;
}

/**
 * Folds parsed operations back into PrintCommands: styles are applied to the text printed while
 * they were active; the line feed the encoder adds after a block (QR, barcode, image, cut) is
 * part of that block; consecutive raster strips of one image are joined; a full-width line of
 * '-' or '=' is a rule.
 */
export function opsToCommands(ops: EscPosOp[], columns: number): PrintCommand[] {
  const out: PrintCommand[] = [];
  let align: Align = 'left';
  let bold = false;
  let width = 1;
  let height = 1;
  let pendingText: string | undefined;
  let afterBlock = false;
  // An image strip followed only by the encoder's newline: the next strip continues the image.
  let imageOpen = false;
  let pendingStyle: { align: Align; bold: boolean; width: number; height: number } | undefined;
  for (const op of ops) {
    switch (op.op) {
      case 'init':
        align = 'left';
        bold = false;
        width = height = 1;
        break;
      case 'align':
        align = op.align;
        break;
      case 'bold':
        bold = op.on;
        break;
      case 'size':
        width = op.width;
        height = op.height;
        break;
      case 'text':
        pendingText = (pendingText ?? '') + op.text;
        // Style at the time the text is printed is what counts.
        if (pendingText === op.text) pendingStyle = { align, bold, width, height };
        break;
      case 'newline': {
        if (pendingText !== undefined) {
          const s = pendingStyle!;
          const rule = /^(-+|=+)$/.exec(pendingText);
          if (rule && pendingText.length === columns && !s.bold && s.width === 1) out.push({ op: 'rule', char: pendingText[0] as '-' | '=' });
          else out.push({ op: 'text', text: pendingText, align: s.align, bold: s.bold, width: clampSize(s.width), height: clampSize(s.height) });
          pendingText = undefined;
        } else if (afterBlock) {
          // the encoder's newline after a block
          afterBlock = false;
          continue;
        } else {
          const last = out[out.length - 1];
          if (last?.op === 'feed') last.lines++;
          else out.push({ op: 'feed', lines: 1 });
        }
        afterBlock = false;
        imageOpen = false;
        continue;
      }
      case 'feed':
        out.push({ op: 'feed', lines: op.lines });
        break;
      case 'cut':
        out.push({ op: 'cut', partial: op.partial });
        afterBlock = true;
        imageOpen = false;
        continue;
      case 'pulse':
        out.push({ op: 'pulse', pin: op.pin, onMs: op.onMs, offMs: op.offMs });
        break;
      case 'qr':
        out.push({ op: 'qr', data: op.data, size: op.size, errorLevel: op.errorLevel });
        afterBlock = true;
        imageOpen = false;
        continue;
      case 'barcode':
        out.push({ op: 'barcode', symbology: op.symbology as 'code128', data: op.data, height: op.height });
        afterBlock = true;
        imageOpen = false;
        continue;
      case 'image': {
        const last = out[out.length - 1];
        if (imageOpen && last?.op === 'image' && last.width === op.width) {
          const bits = new Uint8Array(last.bits.length + op.bits.length);
          bits.set(last.bits);
          bits.set(op.bits, last.bits.length);
          out[out.length - 1] = { op: 'image', width: last.width, height: last.height + op.height, bits };
        } else out.push({ op: 'image', width: op.width, height: op.height, bits: op.bits });
        afterBlock = true;
        imageOpen = true;
        continue;
      }
      default:
        break;
    }
    if (op.op !== 'align' && op.op !== 'bold' && op.op !== 'size' && op.op !== 'codepage') {
      afterBlock = false;
      imageOpen = false;
    }
  }
  return out;
}

function clampSize(n: number): 1 | 2 {
  return n >= 2 ? 2 : 1;
}

export { rowBytes };
