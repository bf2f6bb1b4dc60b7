import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonProblem, safeText, SAFE_TEXT_PATTERN, textProblem } from './text';

describe('the string rule', () => {
  it('accepts ordinary text in any script, emoji and tab/newline', () => {
    for (const s of ['Café crème', 'Käse 1kg', '東京', '🧾 receipt', 'line 1\nline 2\t', ''])
      expect(textProblem(s)).toBeNull();
  });

  it('refuses NUL, other controls and lone surrogates, naming the problem', () => {
    expect(textProblem('a\u0000b')).toMatch(/U\+0000/);
    expect(textProblem('esc\u001b[0m')).toMatch(/U\+001B/);
    expect(textProblem('c1\u0085')).toMatch(/U\+0085/);
    expect(textProblem('x\ud800')).toMatch(/lone surrogate U\+D800 at index 1/);
    expect(textProblem('\udc00y')).toMatch(/lone surrogate U\+DC00 at index 0/);
  });

  it('agrees with a UTF-8 round trip for any string without controls', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const noControls = [...s].every((ch) => {
          const c = ch.charCodeAt(0);
          return !(c < 0x20 || (c >= 0x7f && c <= 0x9f)) || ch === '\t' || ch === '\n' || ch === '\r';
        });
        const roundTrips = new TextDecoder().decode(new TextEncoder().encode(s)) === s;
        if (noControls) expect(textProblem(s) === null).toBe(roundTrips);
      }),
    );
  }, 120_000); // CPU-bound: seconds on a quiet machine, 10-47 s seen on a loaded 2-core one (the 30 s default)

  it('SAFE_TEXT_PATTERN (the published JSON Schema form) agrees with textProblem, with and without the u flag', () => {
    const plain = new RegExp(SAFE_TEXT_PATTERN);
    const unicode = new RegExp(SAFE_TEXT_PATTERN, 'u');
    const check = (s: string) => {
      const ok = textProblem(s) === null;
      expect(plain.test(s)).toBe(ok);
      expect(unicode.test(s)).toBe(ok);
    };
    for (const s of ['', 'Café', '🧾', 'a\tb\r\n', 'a\u0000', '\u001b', '\u0085', 'x\ud800', '\udc00y', '\ud83e\uddfe']) check(s);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: 500 });
  });

  it('safeText is a zod string that carries the rule', () => {
    expect(safeText().max(5).safeParse('abc').success).toBe(true);
    expect(safeText().max(5).safeParse('abcdefg').success).toBe(false);
    expect(safeText().safeParse('a\u0000').success).toBe(false);
  });

  it('jsonProblem finds bad strings in keys and values, and depth, without recursion', () => {
    expect(jsonProblem({ a: [1, { b: 'ok' }] })).toBeNull();
    expect(jsonProblem({ a: [1, { b: 'x\u0000' }] })).toEqual({ path: '$.a[1].b', problem: 'contains U+0000 (NUL)' });
    expect(jsonProblem({ ['k\ud800']: 1 })?.problem).toMatch(/^key contains a lone surrogate/);
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    expect(jsonProblem(deep)?.problem).toBe('nested deeper than 32');
    expect(jsonProblem({ n: Number.NaN })).toEqual({ path: '$.n', problem: 'not a finite number' });
  });
});
