import { describe, expect, it } from 'vitest';
import { parseHexFont, rasterizeText, shapeArabic, visualOrder } from './text-raster';

describe('raster text helpers', () => {
  it('shapes Arabic letters into contextual presentation forms', () => {
    // meem initial, reh final, hah initial, beh medial, alef final
    expect([...shapeArabic('مرحبا')].map((c) => c.codePointAt(0)!.toString(16))).toEqual(['fee3', 'feae', 'fea3', 'fe92', 'fe8e']);
    // lam + alef ligature
    expect(shapeArabic('لا')).toBe('\ufefb');
  });

  it('reverses right-to-left runs and keeps numbers and Latin in order', () => {
    expect(visualOrder('abc אבג 12')).toBe('abc גבא 12');
    expect(visualOrder('אבג 123 דה')).toBe('הד 123 גבא');
  });

  it('rasterises glyphs from a .hex font at the requested scale and alignment', () => {
    const font = parseHexFont('0041:0000000018242442427E424242420000\n');
    const [img] = rasterizeText('A', { widthDots: 64, align: 'right', scale: 1, font });
    expect(img).toMatchObject({ op: 'image', width: 64, height: 16 });
    // Row 5 of "A" is 0x24 (..X..X..); right-aligned the glyph occupies dots 56..63.
    expect(img!.bits[5 * 8 + 7]).toBe(0x24);
    expect(img!.bits[5 * 8 + 0]).toBe(0);
  });
});
