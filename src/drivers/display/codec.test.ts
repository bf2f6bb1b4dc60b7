import { describe, expect, it } from 'vitest';
import { concat, encodeDisplayInit, encodeDisplayText, encodeScreen, layoutLine, ScreenModel } from './codec';

const text = (b: Uint8Array) => String.fromCharCode(...b);

describe('ESC/POS customer display codec', () => {
  it('lays out description left and amount right in 20 columns', () => {
    expect(text(layoutLine('Milk 1L', '1.29', 'PC437'))).toBe('Milk 1L         1.29');
    expect(text(layoutLine('A very long article description', '12.99', 'PC437'))).toBe('A very long arti 12.99'.slice(0, 14) + ' 12.99');
    expect(layoutLine('x', 'y', 'PC437').length).toBe(20);
  });

  it('uses the code page where it can and falls back to ASCII', () => {
    expect([...encodeDisplayText('Müsli', 'PC437')]).toEqual([0x4d, 0x81, 0x73, 0x6c, 0x69]);
    expect(text(encodeDisplayText('€ 5', 'PC437'))).toBe('EUR 5');
    expect([...encodeDisplayText('€', 'PC858')]).toEqual([0xd5]);
    expect(text(encodeDisplayText('Łódź', 'PC437'))).toBe('L\u00a2dz'); // ó exists in PC437 (0xA2)
    expect(text(encodeDisplayText('日本', 'PC437'))).toBe('??');
    expect(text(encodeDisplayText('a\u001bb', 'PC437'))).toBe('a?b');
  });

  it('the screen model reconstructs what the bytes show', () => {
    const m = new ScreenModel();
    m.push(concat(encodeDisplayInit('PC858'), encodeScreen({ line1: { left: 'Käse', right: '3,49 €' }, line2: { left: 'TOTAL', right: '12,00 €' } }, 'PC858')));
    expect(m.lines()).toEqual(['Käse          3,49 €', 'TOTAL        12,00 €']);
    expect(m.codePage).toBe('PC858');
    expect(m.unknown).toEqual([]);
    m.push(Uint8Array.of(0x0c));
    expect(m.lines()).toEqual([' '.repeat(20), ' '.repeat(20)]);
  });
});
