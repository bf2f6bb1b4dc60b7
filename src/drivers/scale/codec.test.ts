import { describe, expect, it } from 'vitest';
import { decodeStatusByte, encodeStatusFrame, encodeWeightFrame, ScaleFrameDecoder } from './codec';

const frame = (s: string) => Uint8Array.from([0x02, ...[...s].map((c) => c.charCodeAt(0)), 0x0d]);

describe('8217 scale codec', () => {
  it('decodes weights in kg to integer grams', () => {
    const d = new ScaleFrameDecoder();
    expect(d.push(frame('01.234'))).toEqual([{ kind: 'weight', grams: 1234, net: false }]);
    expect(d.push(frame('00.500N'))).toEqual([{ kind: 'weight', grams: 500, net: true }]);
  });

  it('decodes status frames (motion, over capacity, under zero) with the parity bit masked', () => {
    const d = new ScaleFrameDecoder();
    const [m] = d.push(Uint8Array.of(0x02, 0x3f, 0x41 | 0x80, 0x0d));
    expect(m).toMatchObject({ kind: 'status', status: { motion: true, overCapacity: false } });
    expect(decodeStatusByte(0x42).overCapacity).toBe(true);
    expect(decodeStatusByte(0x44).underZero).toBe(true);
    expect(decodeStatusByte(0x50).centerOfZero).toBe(true);
  });

  it('refuses pound frames and garbage, survives split chunks and noise', () => {
    const d = new ScaleFrameDecoder();
    expect(d.push(frame('001.25'))[0]).toMatchObject({ kind: 'invalid' });
    expect(d.push(frame('abc'))[0]).toMatchObject({ kind: 'invalid' });
    const bytes = Uint8Array.from([0x55, ...encodeWeightFrame(12345), ...encodeStatusFrame({ motion: true, overCapacity: false, underZero: false, outsideZeroRange: false, centerOfZero: false, net: false })]);
    const out = [...bytes].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(out).toEqual([
      { kind: 'weight', grams: 12345, net: false },
      { kind: 'status', byte: 0x41, status: { motion: true, overCapacity: false, underZero: false, outsideZeroRange: false, centerOfZero: false, net: false } },
    ]);
  });

  it('bounds a frame without CR', () => {
    const d = new ScaleFrameDecoder(8);
    expect(d.push(Uint8Array.from([0x02, ...new Array(9).fill(0x31)]))).toEqual([{ kind: 'invalid', reason: 'frame longer than 8 bytes' }]);
  });
});
