// The typed command list between a receipt and printer bytes. Layout turns a ReceiptDocument
// into these; the encoder turns these into ESC/POS or StarPRNT; the ESC/POS parser turns bytes
// back into these (tests compare, the simulator renders). Each text command is one printed line.

export type Align = 'left' | 'center' | 'right';

export type PrintCommand =
  | { op: 'text'; text: string; align: Align; bold: boolean; width: 1 | 2; height: 1 | 2 }
  /** A horizontal rule across the paper, drawn with `char`. */
  | { op: 'rule'; char: '-' | '=' }
  | { op: 'feed'; lines: number }
  | { op: 'cut'; partial: boolean }
  | { op: 'qr'; data: string; size: number; errorLevel: 'l' | 'm' | 'q' | 'h' }
  | { op: 'barcode'; symbology: 'code128'; data: string; height: number }
  /** 1 bit per pixel, rows top to bottom, each row `ceil(width/8)` bytes, MSB = leftmost, 1 = black. */
  | { op: 'image'; width: number; height: number; bits: Uint8Array }
  /** Drawer kick: pin 2 or 5 of the drawer connector, pulse on/off times in ms (ESC p m t1 t2, 2 ms units). */
  | { op: 'pulse'; pin: 2 | 5; onMs: number; offMs: number };

export type TextStyle = Partial<Pick<Extract<PrintCommand, { op: 'text' }>, 'align' | 'bold' | 'width' | 'height'>>;

export function text(value: string, style: TextStyle = {}): PrintCommand {
  return { op: 'text', text: value, align: style.align ?? 'left', bold: style.bold ?? false, width: style.width ?? 1, height: style.height ?? 1 };
}

/** Bytes per row of a 1-bpp image. */
export function rowBytes(width: number): number {
  return Math.ceil(width / 8);
}

export function getPixel(img: Extract<PrintCommand, { op: 'image' }>, x: number, y: number): boolean {
  return (img.bits[y * rowBytes(img.width) + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
}
