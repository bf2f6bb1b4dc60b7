import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatusStreamParser, decodeAsb, encodeAsb, snapshotFromReplies, type PrinterSnapshot } from './status';

describe('ESC/POS status decoding', () => {
  it('decodes DLE EOT 1..4 replies per the Epson bit layout', () => {
    // n=1: 0x16 = fixed bits + drawer pin 3 high; n=2: 0x36 = cover open + paper-end stop;
    // n=3: 0x12 = no errors; n=4: 0x7e = near end + paper end.
    expect(snapshotFromReplies({ 1: 0x16, 2: 0x36, 3: 0x12, 4: 0x7e })).toEqual({ online: true, coverOpen: true, drawerPin3High: true, paper: 'empty', error: 'none' });
    expect(snapshotFromReplies({ 1: 0x1a, 2: 0x12, 3: 0x32, 4: 0x1e })).toEqual({ online: false, coverOpen: false, drawerPin3High: false, paper: 'near-end', error: 'unrecoverable' });
  });

  it('round-trips ASB messages', () => {
    const snap = fc.record<PrinterSnapshot>({
      online: fc.boolean(),
      coverOpen: fc.boolean(),
      drawerPin3High: fc.boolean(),
      paper: fc.constantFrom('ok', 'near-end', 'empty'),
      error: fc.constantFrom('none', 'autocutter', 'unrecoverable', 'auto-recoverable'),
    });
    fc.assert(
      fc.property(snap, (s) => {
        expect(decodeAsb(encodeAsb(s))).toEqual(s);
      }),
    );
  });

  it('splits a byte stream into replies and ASB messages, whatever the chunking', () => {
    const asb = encodeAsb({ online: true, coverOpen: true, drawerPin3High: false, paper: 'ok', error: 'none' });
    const stream = [0x16, ...asb, 0x11 /* XON, ignored */, 0x12, 0x13, ...asb];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 6 }), (cuts) => {
        const replies: number[] = [];
        const asbs: PrinterSnapshot[] = [];
        const p = new StatusStreamParser((b) => replies.push(b), (s) => asbs.push(s));
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        let from = 0;
        for (const c of [...points, stream.length]) {
          p.push(Uint8Array.from(stream.slice(from, c)));
          from = c;
        }
        expect(replies).toEqual([0x16, 0x12]);
        expect(asbs).toHaveLength(2);
        expect(asbs[0]!.coverOpen).toBe(true);
      }),
    );
  });
});
