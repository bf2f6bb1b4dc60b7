// A streaming ESC/POS parser: printer bytes → operations. The simulator renders with it, tests
// decode what the driver sent and compare it with the command list, and `opsToCommands` folds
// the operations back into PrintCommands. Only the ESC/POS subset receipts use is understood;
// anything else is reported as 'unknown' with its bytes, never silently dropped.

import { rowBytes, type Align, type PrintCommand } from './commands';
import { CommandStreamParser, NEED_MORE, type EscPosOp } from './command-stream';

export { MAX_PENDING_BYTES, type EscPosOp } from './command-stream';


/** Epson code page numbers (ESC t n) to encodings, as in the encoder's 'epson' mapping. */
const EPSON_CODEPAGES: Record<number, string> = {
  0: 'cp437', 1: 'epson/katakana', 2: 'cp850', 3: 'cp860', 4: 'cp863', 5: 'cp865', 11: 'cp851', 12: 'cp853', 13: 'cp857',
  14: 'cp737', 15: 'iso8859-7', 16: 'windows1252', 17: 'cp866', 18: 'cp852', 19: 'cp858', 20: 'thai42', 21: 'thai11',
  26: 'thai13', 30: 'tcvn3', 31: 'tcvn3capitals', 32: 'cp720', 33: 'cp775', 34: 'cp855', 35: 'cp861', 36: 'cp862',
  37: 'cp864', 38: 'cp869', 39: 'epson/iso8859-2', 40: 'iso8859-15', 41: 'cp1098', 42: 'cp774', 43: 'cp772', 44: 'cp1125',
  45: 'windows1250', 46: 'windows1251', 47: 'windows1253', 48: 'windows1254', 49: 'windows1255', 50: 'windows1256',
  51: 'windows1257', 52: 'windows1258', 53: 'rk1048',
};

const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const FS = 0x1c;
const LF = 0x0a;
const CR = 0x0d;

export class EscPosParser extends CommandStreamParser {
  // QR parameters collected from GS ( k functions until "print".
  private qr = { size: 3, ec: 'l' as 'l' | 'm' | 'q' | 'h', data: '' };
  private barcodeHeight = 162;

  constructor(emit: (op: EscPosOp) => void) {
    super(emit, 'ESC/POS');
  }

  protected step(p: number): number | typeof NEED_MORE {
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
          if (at(2) === 1) {
            this.out({ op: 'pulse', pin: at(3) === 0 ? 2 : 5, onMs: at(4) * 100, offMs: at(4) * 100 });
            return 5;
          }
          if (at(2) === 8) {
            // DLE DC4 8 d1…d7 (1 3 20 1 6 2 8)
            if (have < 10) return NEED_MORE;
            this.out({ op: 'clear-buffer' });
            return 10;
          }
          this.out({ op: 'unknown', bytes: b.slice(p, p + 5) });
          return 5;
        }
        this.out({ op: 'recover', n: at(2) });
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
 * Folds parsed operations back into PrintCommands, streaming: styles apply to the text printed
 * while they were active; the line feed the encoder adds after a block (QR, barcode, image, cut)
 * belongs to that block; a full-width line of '-' or '=' is a rule. Image strips are emitted as
 * they come, with `continues` set when a strip directly follows the previous one.
 */
export class CommandFolder {
  private align: Align = 'left';
  private bold = false;
  private width = 1;
  private height = 1;
  private pendingText: string | undefined;
  private pendingStyle = { align: 'left' as Align, bold: false, width: 1, height: 1 };
  private afterBlock = false;
  private imageOpen = false;

  constructor(
    private readonly columns: number,
    private readonly emit: (cmd: PrintCommand, continues: boolean) => void,
  ) {}

  push(op: EscPosOp): void {
    switch (op.op) {
      case 'init':
        this.align = 'left';
        this.bold = false;
        this.width = this.height = 1;
        break;
      case 'align':
        this.align = op.align;
        return;
      case 'bold':
        this.bold = op.on;
        return;
      case 'size':
        this.width = op.width;
        this.height = op.height;
        return;
      case 'codepage':
        return;
      case 'text':
        if (this.pendingText === undefined) this.pendingStyle = { align: this.align, bold: this.bold, width: this.width, height: this.height };
        this.pendingText = (this.pendingText ?? '') + op.text;
        break;
      case 'newline': {
        const wasBlock = this.afterBlock;
        this.afterBlock = false;
        this.imageOpen = this.imageOpen && wasBlock;
        if (this.pendingText !== undefined) {
          const s = this.pendingStyle;
          const t = this.pendingText;
          this.pendingText = undefined;
          this.imageOpen = false;
          if (/^(-+|=+)$/.test(t) && t.length === this.columns && !s.bold && s.width === 1) this.emit({ op: 'rule', char: t[0] as '-' | '=' }, false);
          else this.emit({ op: 'text', text: t, align: s.align, bold: s.bold, width: clampSize(s.width), height: clampSize(s.height) }, false);
        } else if (!wasBlock) {
          this.imageOpen = false;
          this.emit({ op: 'feed', lines: 1 }, false);
        }
        return;
      }
      case 'feed':
        this.emit({ op: 'feed', lines: op.lines }, false);
        break;
      case 'cut':
        this.emit({ op: 'cut', partial: op.partial }, false);
        this.afterBlock = true;
        this.imageOpen = false;
        return;
      case 'pulse':
        this.emit({ op: 'pulse', pin: op.pin, onMs: op.onMs, offMs: op.offMs }, false);
        break;
      case 'qr':
        this.emit({ op: 'qr', data: op.data, size: op.size, errorLevel: op.errorLevel }, false);
        this.afterBlock = true;
        this.imageOpen = false;
        return;
      case 'barcode':
        this.emit({ op: 'barcode', symbology: op.symbology as 'code128', data: op.data, height: op.height }, false);
        this.afterBlock = true;
        this.imageOpen = false;
        return;
      case 'image':
        this.emit({ op: 'image', width: op.width, height: op.height, bits: op.bits }, this.imageOpen);
        this.afterBlock = true;
        this.imageOpen = true;
        return;
      default:
        return;
    }
    this.afterBlock = false;
    this.imageOpen = false;
  }
}

/** Folds a whole operation list; consecutive strips of one image are joined. */
export function opsToCommands(ops: EscPosOp[], columns: number): PrintCommand[] {
  const out: PrintCommand[] = [];
  const folder = new CommandFolder(columns, (cmd, continues) => {
    const last = out[out.length - 1];
    if (cmd.op === 'feed' && last?.op === 'feed') last.lines += cmd.lines;
    else if (continues && cmd.op === 'image' && last?.op === 'image' && last.width === cmd.width) {
      const bits = new Uint8Array(last.bits.length + cmd.bits.length);
      bits.set(last.bits);
      bits.set(cmd.bits, last.bits.length);
      out[out.length - 1] = { op: 'image', width: last.width, height: last.height + cmd.height, bits };
    } else out.push(cmd);
  });
  for (const op of ops) folder.push(op);
  return out;
}

function clampSize(n: number): 1 | 2 {
  return n >= 2 ? 2 : 1;
}

export { rowBytes };
