// Text the printer cannot draw from its code pages (Arabic, Hebrew, CJK on a Western model) is
// printed as a raster image. There is no canvas or font engine here, so glyphs come from GNU
// Unifont's .hex bitmap font (Debian package `unifont`: /usr/share/unifont/unifont.hex, 8×16 and
// 16×16 glyphs for the whole Basic Multilingual Plane). Arabic is shaped into presentation forms
// and right-to-left runs are reordered with a simple bidi pass; complex scripts that need a real
// shaping engine (Indic, Thai stacking) print legibly only in part. Without the font file the
// line is printed with the encoder's "?" substitutes and a warning is returned.

import { existsSync, readFileSync } from 'node:fs';
import type { Align, PrintCommand } from './commands';
import { rowBytes } from './commands';

export const UNIFONT_PATHS = ['/usr/share/unifont/unifont.hex', '/usr/share/unifont/unifont_jp.hex'];

export interface BitmapFont {
  /** Glyph bitmap rows (16 rows, 1 or 2 bytes per row), or undefined when the font lacks it. */
  glyph(codePoint: number): { width: 8 | 16; rows: Uint8Array } | undefined;
  readonly height: 16;
}

let loaded: BitmapFont | null | undefined;

/** Loads Unifont from `path`, $TILLSTREAM_UNIFONT or the Debian location; null when absent. Cached. */
export function loadUnifont(path?: string): BitmapFont | null {
  if (path === undefined && loaded !== undefined) return loaded;
  const candidates = [path, process.env.TILLSTREAM_UNIFONT, ...UNIFONT_PATHS].filter((p): p is string => !!p);
  const file = candidates.find((p) => existsSync(p));
  const font = file ? parseHexFont(readFileSync(file, 'ascii')) : null;
  if (path === undefined) loaded = font;
  return font;
}

/** Parses the .hex format: one "XXXX:bitmap" line per code point, 32 hex digits (8×16) or 64 (16×16). */
export function parseHexFont(source: string): BitmapFont {
  const index = new Map<number, string>();
  for (const line of source.split('\n')) {
    const i = line.indexOf(':');
    if (i < 4) continue;
    index.set(parseInt(line.slice(0, i), 16), line.slice(i + 1).trim());
  }
  const decoded = new Map<number, { width: 8 | 16; rows: Uint8Array }>();
  return {
    height: 16,
    glyph(cp) {
      const hit = decoded.get(cp);
      if (hit) return hit;
      const hex = index.get(cp);
      if (!hex || (hex.length !== 32 && hex.length !== 64)) return undefined;
      const g = { width: (hex.length === 32 ? 8 : 16) as 8 | 16, rows: Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))) };
      decoded.set(cp, g);
      return g;
    },
  };
}

// ---- Arabic shaping ----
// [code point, number of presentation forms]: forms are consecutive from U+FE80 in the order
// isolated, final, initial, medial; 2 forms = joins only to the previous letter.
const ARABIC_FORMS: Array<[number, 1 | 2 | 4]> = [
  [0x621, 1], [0x622, 2], [0x623, 2], [0x624, 2], [0x625, 2], [0x626, 4], [0x627, 2], [0x628, 4], [0x629, 2],
  [0x62a, 4], [0x62b, 4], [0x62c, 4], [0x62d, 4], [0x62e, 4], [0x62f, 2], [0x630, 2], [0x631, 2], [0x632, 2],
  [0x633, 4], [0x634, 4], [0x635, 4], [0x636, 4], [0x637, 4], [0x638, 4], [0x639, 4], [0x63a, 4], [0x641, 4],
  [0x642, 4], [0x643, 4], [0x644, 4], [0x645, 4], [0x646, 4], [0x647, 4], [0x648, 2], [0x649, 2], [0x64a, 4],
];
const FORMS = new Map<number, { base: number; count: 1 | 2 | 4 }>();
{
  let base = 0xfe80;
  for (const [cp, count] of ARABIC_FORMS) {
    FORMS.set(cp, { base, count });
    base += count;
  }
}
const TATWEEL = 0x640;
// Lam + alef variants → ligature (isolated; +1 = final).
const LAM_ALEF: Record<number, number> = { 0x622: 0xfef5, 0x623: 0xfef7, 0x625: 0xfef9, 0x627: 0xfefb };

function joinsLeft(cp: number | undefined): boolean {
  return cp === TATWEEL || FORMS.get(cp ?? -1)?.count === 4;
}
function joinsRight(cp: number | undefined): boolean {
  return cp === TATWEEL || (FORMS.get(cp ?? -1)?.count ?? 1) >= 2;
}

/** Replaces Arabic letters by their contextual presentation forms (logical order kept). */
export function shapeArabic(input: string): string {
  const cps = [...input].map((c) => c.codePointAt(0)!).filter((cp) => !(cp >= 0x64b && cp <= 0x65f) && cp !== 0x670); // drop harakat
  const out: number[] = [];
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const prev = cps[i - 1];
    const next = cps[i + 1];
    const f = FORMS.get(cp);
    if (cp === 0x644 && next !== undefined && LAM_ALEF[next]) {
      out.push(LAM_ALEF[next]! + (joinsLeft(prev) ? 1 : 0));
      i++;
      continue;
    }
    if (!f) {
      out.push(cp);
      continue;
    }
    const fromPrev = joinsLeft(prev) && f.count >= 2;
    const toNext = f.count === 4 && joinsRight(next);
    const form = fromPrev && toNext ? 3 : toNext ? 2 : fromPrev ? 1 : 0;
    out.push(f.base + Math.min(form, f.count - 1));
  }
  return String.fromCodePoint(...out);
}

const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/u;
const STRONG_LTR = /[A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/u;

/**
 * Visual order for one line (a small subset of the Unicode bidi algorithm): the paragraph
 * direction comes from the first strong character; RTL runs are reversed; digits and Latin
 * inside RTL text keep their left-to-right order.
 */
export function visualOrder(line: string): string {
  const chars = [...line];
  const firstStrong = chars.find((c) => RTL.test(c) || STRONG_LTR.test(c));
  const rtlParagraph = firstStrong !== undefined && RTL.test(firstStrong);
  // Split into runs: RTL letters (with the neutrals between them) and everything else.
  type Run = { rtl: boolean; chars: string[] };
  const runs: Run[] = [];
  for (const c of chars) {
    const rtl = RTL.test(c) ? true : STRONG_LTR.test(c) || /[0-9]/.test(c) ? false : undefined;
    const last = runs[runs.length - 1];
    if (last && (rtl === undefined || rtl === last.rtl)) last.chars.push(c);
    else runs.push({ rtl: rtl ?? rtlParagraph, chars: [c] });
  }
  // Neutrals (spaces, punctuation) at the end of a run against the paragraph direction belong
  // to the paragraph, or "abc ARABIC xyz" would lose the space before "xyz".
  for (let i = 0; i < runs.length; i++) {
    const r = runs[i]!;
    if (r.rtl === rtlParagraph) continue;
    const tail: string[] = [];
    while (r.chars.length > 1 && !RTL.test(r.chars[r.chars.length - 1]!) && !STRONG_LTR.test(r.chars[r.chars.length - 1]!) && !/[0-9]/.test(r.chars[r.chars.length - 1]!)) tail.unshift(r.chars.pop()!);
    if (tail.length) runs.splice(i + 1, 0, { rtl: rtlParagraph, chars: tail });
  }
  for (const r of runs) if (r.rtl) r.chars.reverse();
  if (rtlParagraph) runs.reverse();
  return runs.map((r) => r.chars.join('')).join('');
}

export interface RasterTextOptions {
  /** Printable width in dots (multiple of 8). */
  widthDots: number;
  align: Align;
  /** Pixel scale of the 16-px font: 2 gives 32-dot lines, close to font A. */
  scale?: number;
  font: BitmapFont;
}

/** Renders one line of text into 1-bpp image commands (several when it does not fit one line). */
export function rasterizeText(textLine: string, opts: RasterTextOptions): Array<Extract<PrintCommand, { op: 'image' }>> {
  const scale = opts.scale ?? 2;
  const width = opts.widthDots - (opts.widthDots % 8);
  const visual = visualOrder(shapeArabic(textLine));
  const glyphs = [...visual]
    .filter((c) => !/\p{Mn}/u.test(c))
    .map((c) => opts.font.glyph(c.codePointAt(0)!) ?? opts.font.glyph(0xfffd) ?? { width: 8 as const, rows: new Uint8Array(16) });
  // Break into lines that fit.
  const lines: (typeof glyphs)[] = [[]];
  let used = 0;
  for (const g of glyphs) {
    const w = g.width * scale;
    if (used + w > width && lines[lines.length - 1]!.length > 0) {
      lines.push([]);
      used = 0;
    }
    lines[lines.length - 1]!.push(g);
    used += w;
  }
  return lines.map((line) => {
    const height = 16 * scale;
    const rb = rowBytes(width);
    const bits = new Uint8Array(rb * height);
    const lineWidth = line.reduce((s, g) => s + g.width * scale, 0);
    let x0 = opts.align === 'center' ? Math.floor((width - lineWidth) / 2) : opts.align === 'right' ? width - lineWidth : 0;
    for (const g of line) {
      const gb = g.width / 8;
      for (let gy = 0; gy < 16; gy++) {
        for (let gx = 0; gx < g.width; gx++) {
          if (!(g.rows[gy * gb + (gx >> 3)]! & (0x80 >> (gx & 7)))) continue;
          for (let dy = 0; dy < scale; dy++) {
            for (let dx = 0; dx < scale; dx++) {
              const x = x0 + gx * scale + dx;
              const y = gy * scale + dy;
              if (x >= 0 && x < width) bits[y * rb + (x >> 3)] = bits[y * rb + (x >> 3)]! | (0x80 >> (x & 7));
            }
          }
        }
      }
      x0 += g.width * scale;
    }
    return { op: 'image' as const, width, height, bits };
  });
}
