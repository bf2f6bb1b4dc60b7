import { describe, expect, it } from 'vitest';
import { parseGs1Date, resolveCentury } from './dates';

describe('GS1 dates', () => {
  it('applies the century rule of GS1 7.12 (−49…+50 years around the current year)', () => {
    expect(resolveCentury(76, 2026)).toBe(2076);
    expect(resolveCentury(77, 2026)).toBe(1977);
    expect(resolveCentury(0, 2026)).toBe(2000);
    expect(resolveCentury(99, 2049)).toBe(2099);
    expect(resolveCentury(0, 2060)).toBe(2100);
    expect(resolveCentury(10, 2060)).toBe(2110);
    expect(resolveCentury(11, 2060)).toBe(2011);
  });

  it('reads DD=00 as the last day of the month', () => {
    expect(parseGs1Date('190200', 2026)).toMatchObject({ iso: '2019-02-28', endOfMonth: true });
    expect(parseGs1Date('240200', 2026)).toMatchObject({ iso: '2024-02-29', endOfMonth: true });
    expect(parseGs1Date('241100', 2026)).toMatchObject({ iso: '2024-11-30' });
    expect(parseGs1Date('190508', 2026)).toEqual({ year: 2019, month: 5, day: 8, endOfMonth: false, iso: '2019-05-08' });
  });

  it('rejects impossible dates, taking leap years from the resolved century', () => {
    expect(() => parseGs1Date('191301', 2026, '17')).toThrow('AI (17): invalid date 191301: month 13 is not 01–12');
    expect(() => parseGs1Date('230229', 2026)).toThrow(expect.objectContaining({ code: 'BAD_DATE' }));
    expect(parseGs1Date('000229', 2026).iso).toBe('2000-02-29');
    expect(() => parseGs1Date('000229', 2060)).toThrow(expect.objectContaining({ code: 'BAD_DATE' })); // 2100 is no leap year
    expect(() => parseGs1Date('1905x8', 2026)).toThrow(expect.objectContaining({ code: 'BAD_DATE' }));
  });
});
