import { describe, expect, it } from 'vitest';
import { closingAfter, isOpen, nextOpening, parseWindow } from './window';

// The off-peak window with an injected clock: every "now" below is a fixed instant.
const at = (iso: string) => new Date(iso);

describe('history import window', () => {
  const berlin = parseWindow('01:00-05:00', 'Europe/Berlin');

  it('is open from start (inclusive) to end (exclusive) in the job\'s time zone', () => {
    // Winter: Berlin is UTC+1, so 01:00-05:00 local is 00:00-04:00 UTC.
    expect(isOpen(berlin, at('2026-12-01T23:59:00Z'))).toBe(false);
    expect(isOpen(berlin, at('2026-12-02T00:00:00Z'))).toBe(true);
    expect(isOpen(berlin, at('2026-12-02T03:59:59Z'))).toBe(true);
    expect(isOpen(berlin, at('2026-12-02T04:00:00Z'))).toBe(false);
    // Summer: UTC+2.
    expect(isOpen(berlin, at('2026-07-01T22:59:00Z'))).toBe(false);
    expect(isOpen(berlin, at('2026-07-01T23:00:00Z'))).toBe(true);
    expect(isOpen(berlin, at('2026-07-02T02:59:00Z'))).toBe(true);
    expect(isOpen(berlin, at('2026-07-02T03:00:00Z'))).toBe(false);
  });

  it('tells when it opens next and when an open window closes', () => {
    expect(nextOpening(berlin, at('2026-12-02T10:17:30Z')).toISOString()).toBe('2026-12-03T00:00:00.000Z');
    expect(nextOpening(berlin, at('2026-12-01T22:00:00Z')).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    const inside = at('2026-12-02T01:30:00Z');
    expect(nextOpening(berlin, inside)).toEqual(inside);
    expect(closingAfter(berlin, inside).toISOString()).toBe('2026-12-02T04:00:00.000Z');
    expect(closingAfter(berlin, at('2026-12-02T10:00:00Z')).toISOString()).toBe('2026-12-02T10:00:00.000Z');
  });

  it('spans midnight when the end is before the start', () => {
    const night = parseWindow('22:30-04:00', 'America/New_York');
    expect(isOpen(night, at('2026-12-02T03:29:00Z'))).toBe(false); // 22:29 EST
    expect(isOpen(night, at('2026-12-02T03:30:00Z'))).toBe(true); // 22:30
    expect(isOpen(night, at('2026-12-02T05:00:00Z'))).toBe(true); // 00:00
    expect(isOpen(night, at('2026-12-02T08:59:00Z'))).toBe(true); // 03:59
    expect(isOpen(night, at('2026-12-02T09:00:00Z'))).toBe(false); // 04:00
    expect(nextOpening(night, at('2026-12-02T12:00:00Z')).toISOString()).toBe('2026-12-03T03:30:00.000Z');
    expect(closingAfter(night, at('2026-12-02T05:00:00Z')).toISOString()).toBe('2026-12-02T09:00:00.000Z');
  });

  it('follows the wall clock across daylight saving changes', () => {
    // Berlin springs forward on 2026-03-29 at 02:00 → 03:00: the window is three real hours.
    expect(nextOpening(berlin, at('2026-03-28T12:00:00Z')).toISOString()).toBe('2026-03-29T00:00:00.000Z'); // 01:00 CET
    expect(closingAfter(berlin, at('2026-03-29T00:00:00Z')).toISOString()).toBe('2026-03-29T03:00:00.000Z'); // 05:00 CEST
    // And falls back on 2026-10-25 at 03:00 → 02:00: five real hours.
    expect(nextOpening(berlin, at('2026-10-24T12:00:00Z')).toISOString()).toBe('2026-10-24T23:00:00.000Z'); // 01:00 CEST
    expect(closingAfter(berlin, at('2026-10-24T23:00:00Z')).toISOString()).toBe('2026-10-25T04:00:00.000Z'); // 05:00 CET
    // A start inside the skipped hour (02:30 does not exist that night) opens when the clocks jump past it.
    const skipped = parseWindow('02:30-04:00', 'Europe/Berlin');
    expect(nextOpening(skipped, at('2026-03-28T12:00:00Z')).toISOString()).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
  });

  it('refuses a malformed window or an unknown time zone with a code', () => {
    expect(() => parseWindow('1-5', 'UTC')).toThrow(expect.objectContaining({ code: 'BAD_WINDOW' }));
    expect(() => parseWindow('01:00-24:00', 'UTC')).toThrow(expect.objectContaining({ code: 'BAD_WINDOW' }));
    expect(() => parseWindow('03:00-03:00', 'UTC')).toThrow(expect.objectContaining({ code: 'BAD_WINDOW', message: expect.stringMatching(/empty/) }));
    expect(() => parseWindow('01:00-05:00', 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'BAD_TIME_ZONE' }));
    expect(() => parseWindow('01:00-05:00', '')).toThrow(expect.objectContaining({ code: 'BAD_TIME_ZONE' }));
    expect(parseWindow(' 01:00 – 05:00 ', 'UTC')).toEqual({ start: '01:00', end: '05:00', time_zone: 'UTC' });
  });
});
