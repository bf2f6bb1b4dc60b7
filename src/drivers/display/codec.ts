// Epson ESC/POS customer display command set (DM-D series and the many pole displays that
// copy it): the encoder turns "what the customer should see" into bytes, and ScreenModel
// interprets those bytes back into a 2×20 screen (the simulator uses it; tests read it).
//
//   ESC @        0x1B 0x40        initialise (clear, cursor home, default table)
//   CLR          0x0C             clear screen, cursor home
//   US $ x y     0x1F 0x24 x y    move cursor to column x (1–20), row y (1–2)
//   US MD1       0x1F 0x01        overwrite mode (no scrolling)
//   ESC t n      0x1B 0x74 n      select character code table
//   CAN          0x18             clear the cursor line
//   HOME 0x0B, CR 0x0D, LF 0x0A   cursor moves

import { CODE_PAGE_NUMBER, CODE_PAGE_UPPER, type DisplayCodePage } from './codepages';

export const DISPLAY_COLUMNS = 20;
export const DISPLAY_ROWS = 2;

const ESC = 0x1b;
const US = 0x1f;

export const DISPLAY_CMD = {
  init: Uint8Array.of(ESC, 0x40),
  clear: Uint8Array.of(0x0c),
  overwriteMode: Uint8Array.of(US, 0x01),
  clearLine: Uint8Array.of(0x18),
} as const;

export function selectCodePage(page: DisplayCodePage): Uint8Array {
  return Uint8Array.of(ESC, 0x74, CODE_PAGE_NUMBER[page]);
}

export function moveCursor(column: number, row: number): Uint8Array {
  if (!Number.isInteger(column) || column < 1 || column > DISPLAY_COLUMNS) throw new RangeError(`column ${column} not in 1..${DISPLAY_COLUMNS}`);
  if (!Number.isInteger(row) || row < 1 || row > DISPLAY_ROWS) throw new RangeError(`row ${row} not in 1..${DISPLAY_ROWS}`);
  return Uint8Array.of(US, 0x24, column, row);
}

const reverseCache = new Map<DisplayCodePage, Map<string, number>>();
function reverseTable(page: DisplayCodePage): Map<string, number> {
  let m = reverseCache.get(page);
  if (!m) {
    m = new Map();
    const upper = CODE_PAGE_UPPER[page];
    for (let i = 0; i < upper.length; i++) if (upper[i] !== '\u0000' && !m.has(upper[i]!)) m.set(upper[i]!, 0x80 + i);
    reverseCache.set(page, m);
  }
  return m;
}

/** Characters a display cannot show get an ASCII look-alike before falling back to '?'. */
const ASCII_FALLBACK: Record<string, string> = {
  '€': 'EUR', 'ß': 'ss', 'Æ': 'AE', 'æ': 'ae', 'Œ': 'OE', 'œ': 'oe', 'Ø': 'O', 'ø': 'o', 'Ł': 'L', 'ł': 'l',
  '‘': "'", '’': "'", '‚': ',', '“': '"', '”': '"', '„': '"', '–': '-', '—': '-', '…': '...', '×': 'x',
  '\u00a0': ' ', '£': 'GBP', '¥': 'JPY',
};

/**
 * Encode text for the display in `page`: printable ASCII as is, characters the code page has
 * as their byte, the rest via an ASCII fallback (accents stripped, € → "EUR"), else '?'.
 * Control characters never pass through (they would be display commands).
 */
export function encodeDisplayText(text: string, page: DisplayCodePage): Uint8Array {
  const rev = reverseTable(page);
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code < 0x7f) {
      out.push(code);
      continue;
    }
    const b = rev.get(ch);
    if (b !== undefined) {
      out.push(b);
      continue;
    }
    const fb = ASCII_FALLBACK[ch] ?? ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
    if (fb !== ch && [...fb].every((c) => c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f)) {
      for (const c of fb) out.push(c.charCodeAt(0));
    } else out.push(0x3f);
  }
  return Uint8Array.from(out);
}

/** Length of `text` once encoded (fallbacks such as € → EUR change it). */
export function displayWidth(text: string, page: DisplayCodePage): number {
  return encodeDisplayText(text, page).length;
}

/**
 * One 20-column line: `left` (e.g. the article) on the left, `right` (the amount) flush
 * right, at least one space between; `left` is cut to fit, `right` never is (if the amount
 * alone is too wide its left end is cut, keeping the significant digits).
 */
export function layoutLine(left: string, right: string, page: DisplayCodePage, width = DISPLAY_COLUMNS): Uint8Array {
  let r = encodeDisplayText(right, page);
  if (r.length > width) r = r.slice(r.length - width);
  const room = right === '' ? width : width - r.length - 1;
  let l = encodeDisplayText(left, page);
  if (l.length > Math.max(0, room)) l = l.slice(0, Math.max(0, room));
  const line = new Uint8Array(width).fill(0x20);
  line.set(l, 0);
  line.set(r, width - r.length);
  return line;
}

export interface DisplayScreenContent {
  line1: { left: string; right: string };
  line2: { left: string; right: string };
}

/** Bytes that set up a display for our use: initialise, overwrite mode, code page, clear. */
export function encodeDisplayInit(page: DisplayCodePage): Uint8Array {
  return concat(DISPLAY_CMD.init, DISPLAY_CMD.overwriteMode, selectCodePage(page), DISPLAY_CMD.clear);
}

/** Rewrite both rows completely (each is always 20 characters, so no stale text is left). */
export function encodeScreen(content: DisplayScreenContent, page: DisplayCodePage): Uint8Array {
  return concat(
    moveCursor(1, 1),
    layoutLine(content.line1.left, content.line1.right, page),
    moveCursor(1, 2),
    layoutLine(content.line2.left, content.line2.right, page),
  );
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Interprets display bytes into the characters a customer would see. Bounded parser state. */
export class ScreenModel {
  private rows: string[][] = [];
  private col = 0; // 0-based
  private row = 0;
  private page: DisplayCodePage = 'PC437';
  private pending: number[] = []; // an unfinished escape sequence
  /** Bytes the model did not understand, for test assertions (bounded). */
  readonly unknown: number[] = [];

  constructor() {
    this.reset();
  }

  get codePage(): DisplayCodePage {
    return this.page;
  }

  get cursor(): { column: number; row: number } {
    return { column: this.col + 1, row: this.row + 1 };
  }

  /** The two rows as text, each exactly 20 characters. */
  lines(): [string, string] {
    return [this.rows[0]!.join(''), this.rows[1]!.join('')];
  }

  private reset(): void {
    this.rows = Array.from({ length: DISPLAY_ROWS }, () => Array<string>(DISPLAY_COLUMNS).fill(' '));
    this.col = 0;
    this.row = 0;
  }

  push(bytes: Uint8Array): void {
    for (const b of bytes) {
      if (this.pending.length > 0) {
        this.pending.push(b);
        this.tryCommand();
        continue;
      }
      if (b === ESC || b === US) {
        this.pending.push(b);
        continue;
      }
      switch (b) {
        case 0x0c: this.reset(); break;
        case 0x0b: this.col = 0; this.row = 0; break;
        case 0x0d: this.col = 0; break;
        case 0x0a: this.row = (this.row + 1) % DISPLAY_ROWS; break;
        case 0x08: this.col = Math.max(0, this.col - 1); break;
        case 0x18: this.rows[this.row]!.fill(' '); this.col = 0; break;
        default:
          if (b >= 0x20) this.putChar(this.decode(b));
          else this.noteUnknown(b);
      }
    }
  }

  private decode(b: number): string {
    if (b < 0x80) return String.fromCharCode(b);
    const c = CODE_PAGE_UPPER[this.page][b - 0x80]!;
    return c === '\u0000' ? '?' : c;
  }

  private putChar(c: string): void {
    this.rows[this.row]![this.col] = c;
    this.col++;
    if (this.col >= DISPLAY_COLUMNS) {
      // Overwrite mode: continue at the start of the other row.
      this.col = 0;
      this.row = (this.row + 1) % DISPLAY_ROWS;
    }
  }

  private tryCommand(): void {
    const p = this.pending;
    if (p.length > 8) {
      p.forEach((b) => this.noteUnknown(b));
      this.pending = [];
      return;
    }
    const [a, b] = p;
    if (a === ESC) {
      if (b === 0x40 && p.length === 2) {
        this.reset();
        this.page = 'PC437';
        this.pending = [];
      } else if (b === 0x74 && p.length === 3) {
        const entry = Object.entries(CODE_PAGE_NUMBER).find(([, n]) => n === p[2]);
        if (entry) this.page = entry[0] as DisplayCodePage;
        else this.noteUnknown(p[2]!);
        this.pending = [];
      } else if (b !== undefined && b !== 0x40 && b !== 0x74) {
        p.forEach((x) => this.noteUnknown(x));
        this.pending = [];
      }
    } else if (a === US) {
      if (b === 0x24 && p.length === 4) {
        const x = p[2]!;
        const y = p[3]!;
        if (x >= 1 && x <= DISPLAY_COLUMNS && y >= 1 && y <= DISPLAY_ROWS) {
          this.col = x - 1;
          this.row = y - 1;
        } else this.noteUnknown(0x24);
        this.pending = [];
      } else if ((b === 0x01 || b === 0x02 || b === 0x03) && p.length === 2) {
        this.pending = []; // display modes: the model always behaves as overwrite mode
      } else if (b !== undefined && b !== 0x24 && b !== 0x01 && b !== 0x02 && b !== 0x03) {
        p.forEach((x) => this.noteUnknown(x));
        this.pending = [];
      }
    }
  }

  private noteUnknown(b: number): void {
    if (this.unknown.length < 256) this.unknown.push(b);
  }
}
