// What the printer parsers share: the operations they emit, and the streaming loop (bytes held
// until a command is whole, bounded; text collected until a command or line feed ends it, then
// decoded through the current code page). Each printer language supplies only its `step`.

import CodepageEncoder from '@point-of-sale/codepage-encoder';
import type { Codepage } from '@point-of-sale/codepage-encoder';
import type { Align } from './commands';

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
  /** DLE DC4 8: clear receive and print buffers (real-time). */
  | { op: 'clear-buffer' }
  /** DLE ENQ n: recover from an error (1: and go on printing, 2: and clear the buffers). */
  | { op: 'recover'; n: number }
  /** GS a n (ESC/POS) or ESC RS a n (Star): automatic status on (bits ≠ 0) or off. */
  | { op: 'asb'; bits: number }
  /** ESC ACK SOH (Star): send the automatic status now. */
  | { op: 'star-status-request' }
  | { op: 'unknown'; bytes: number[] };

/** Bytes held while a command is incomplete; a longer "command" is a protocol error. */
export const MAX_PENDING_BYTES = 1 << 20;

/** What `step` returns when the command at the position is not whole yet. */
export const NEED_MORE = Symbol('need-more');

export abstract class CommandStreamParser {
  protected buf: number[] = [];
  protected textBytes: number[] = [];
  /** The encoder's name of the code page text is decoded with. */
  protected codepage = 'cp437';
  private readonly tables = new Map<string, number[]>();

  constructor(
    protected readonly emit: (op: EscPosOp) => void,
    private readonly language: string,
  ) {}

  push(chunk: ArrayLike<number>): void {
    for (let i = 0; i < chunk.length; i++) this.buf.push(chunk[i]!);
    if (this.buf.length > MAX_PENDING_BYTES) throw new Error(`${this.language} parser: an incomplete command longer than ${MAX_PENDING_BYTES} bytes`);
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

  /** The number of bytes the command at `p` takes (having emitted it), or NEED_MORE. */
  protected abstract step(p: number): number | typeof NEED_MORE;

  protected flushText(): void {
    if (this.textBytes.length === 0) return;
    const t = this.decode(this.textBytes);
    this.textBytes = [];
    this.emit({ op: 'text', text: t });
  }

  protected out(op: EscPosOp): void {
    this.flushText();
    this.emit(op);
  }

  private decode(bytes: number[]): string {
    let table = this.tables.get(this.codepage);
    if (!table) {
      table = CodepageEncoder.supports(this.codepage) ? CodepageEncoder.getCodepoints(this.codepage as Codepage, true) : [];
      this.tables.set(this.codepage, table);
    }
    return bytes.map((b) => (b < 0x80 ? String.fromCharCode(b) : table![b] !== undefined ? String.fromCodePoint(table![b]!) : '\ufffd')).join('');
  }
}
