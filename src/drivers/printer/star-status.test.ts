import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StarStatusParser, decodeStarAsb, encodeStarAsb, isStarHeader1, starAsbLength } from './star-status';
import type { PrinterSnapshot } from './status';

// Messages built by hand from the table in Star's "Automatic Status" appendix, not by our encoder.
const header1 = { 7: 0x0f, 9: 0x23, 15: 0x2f } as const;

describe('Star automatic status', () => {
  it('reads the message length from Header-1 (bits 1-3 and 5) for every length in the specification', () => {
    const table: Array<[number, number]> = [[7, 0x0f], [8, 0x21], [9, 0x23], [10, 0x25], [11, 0x27], [12, 0x29], [13, 0x2b], [14, 0x2d], [15, 0x2f]];
    for (const [n, h] of table) {
      expect(isStarHeader1(h)).toBe(true);
      expect(starAsbLength(h)).toBe(n);
    }
    // A status byte (bit 0 = 0), XON (0x11) and XOFF (0x13: bit 4 set) are not a Header-1.
    for (const b of [0x00, 0x08, 0x20, 0x11, 0x13, 0x81]) expect(isStarHeader1(b)).toBe(false);
  });

  it('decodes cover open, offline, drawer, paper end and near end, and the error bits', () => {
    // status 1 = 0x28: offline (bit 3) + cover open (bit 5); status 4 = 0x08: paper end.
    expect(decodeStarAsb([header1[9], 0x06, 0x28, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00])).toEqual({ online: false, coverOpen: true, drawerPin3High: false, paper: 'empty', error: 'none' });
    // drawer (bit 2); near end inner (bit 2 of status 4); auto-cutter error (bit 3 of status 2).
    expect(decodeStarAsb([header1[7], 0x02, 0x04, 0x08, 0x00, 0x04, 0x00])).toEqual({ online: true, coverOpen: false, drawerPin3High: true, paper: 'near-end', error: 'autocutter' });
    // near end outer (bit 1); unrecoverable (bit 5 of status 2) wins over head too hot (bit 6).
    expect(decodeStarAsb([header1[15], 0x06, 0x00, 0x60, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toMatchObject({ paper: 'near-end', error: 'unrecoverable' });
    expect(() => decodeStarAsb([header1[9], 0x06, 0x28])).toThrow(/not a Star automatic status/);
    expect(() => decodeStarAsb([0x11, 0, 0, 0, 0, 0, 0])).toThrow(/not a Star automatic status/);
  });

  it('round-trips what the simulator sends', () => {
    const snap = fc.record<PrinterSnapshot>({
      online: fc.boolean(),
      coverOpen: fc.boolean(),
      drawerPin3High: fc.boolean(),
      paper: fc.constantFrom('ok', 'near-end', 'empty'),
      error: fc.constantFrom('none', 'autocutter', 'unrecoverable', 'auto-recoverable'),
    });
    fc.assert(
      fc.property(snap, (s) => {
        expect(decodeStarAsb(encodeStarAsb(s))).toEqual(s);
      }),
    );
  });

  it('finds the messages in a byte stream, whatever the chunking; XON/XOFF and broken messages are dropped', () => {
    const open = encodeStarAsb({ online: false, coverOpen: true, drawerPin3High: false, paper: 'ok', error: 'none' });
    const empty = encodeStarAsb({ online: false, coverOpen: false, drawerPin3High: false, paper: 'empty', error: 'none' });
    const stream = [0x11, ...open, 0x13, ...open.slice(0, 4), /* broken by */ 0x11, ...empty, 0xff];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 6 }), (cuts) => {
        const got: PrinterSnapshot[] = [];
        const p = new StarStatusParser((s) => got.push(s));
        let from = 0;
        for (const c of [...[...new Set(cuts)].sort((a, b) => a - b), stream.length]) {
          p.push(Uint8Array.from(stream.slice(from, c)));
          from = c;
        }
        expect(got.map((s) => [s.coverOpen, s.paper])).toEqual([[true, 'ok'], [false, 'empty']]);
        expect(p.dropped).toBe(4 + 4); // XON, XOFF, XON, 0xff and the 4 bytes of the broken message
      }),
    );
  });
});
