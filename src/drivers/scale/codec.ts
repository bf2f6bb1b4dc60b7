// Mettler Toledo 8217 ("ECR") scale protocol, the one most POS scanner-scales speak:
//   host → scale: 'W' (weight), 'Z' (zero), 'T' (tare), 'C' (clear tare), one ASCII byte each
//   scale → host: STX <weight> CR          e.g. STX "01.234" CR (kg, three decimals; "N" appended for net)
//                 STX '?' <status> CR       when in motion, over capacity, under zero, or as the reply to Z/T/C
// Status byte bits (bit 7 is the line's parity bit on a 7E1 link, masked off here):
//   0 motion, 1 over capacity, 2 under zero, 3 outside zero capture range, 4 center of zero,
//   5 net mode, 6 always 1.
// Weights are returned in integer grams; pound frames (two decimals) are refused, because
// converting them would need rounding that a legal-for-trade reading must not do.

export const STX = 0x02;
export const CR = 0x0d;

export const SCALE_COMMAND = { weight: 0x57, zero: 0x5a, tare: 0x54, clearTare: 0x43 } as const;
export type ScaleCommand = keyof typeof SCALE_COMMAND;

export interface ScaleStatusBits {
  motion: boolean;
  overCapacity: boolean;
  underZero: boolean;
  outsideZeroRange: boolean;
  centerOfZero: boolean;
  net: boolean;
}

export type ScaleFrame =
  | { kind: 'weight'; grams: number; net: boolean }
  | { kind: 'status'; status: ScaleStatusBits; byte: number }
  | { kind: 'invalid'; reason: string };

export function decodeStatusByte(byte: number): ScaleStatusBits {
  const b = byte & 0x7f;
  return {
    motion: (b & 0x01) !== 0,
    overCapacity: (b & 0x02) !== 0,
    underZero: (b & 0x04) !== 0,
    outsideZeroRange: (b & 0x08) !== 0,
    centerOfZero: (b & 0x10) !== 0,
    net: (b & 0x20) !== 0,
  };
}

export function encodeStatusByte(s: ScaleStatusBits): number {
  return (
    0x40 |
    (s.motion ? 0x01 : 0) |
    (s.overCapacity ? 0x02 : 0) |
    (s.underZero ? 0x04 : 0) |
    (s.outsideZeroRange ? 0x08 : 0) |
    (s.centerOfZero ? 0x10 : 0) |
    (s.net ? 0x20 : 0)
  );
}

/** Parse the text between STX and CR. */
export function parseScalePayload(payload: Uint8Array): ScaleFrame {
  if (payload.length === 0) return { kind: 'invalid', reason: 'empty frame' };
  if (payload[0] === 0x3f /* ? */) {
    if (payload.length !== 2) return { kind: 'invalid', reason: `status frame of ${payload.length} bytes, expected 2` };
    return { kind: 'status', status: decodeStatusByte(payload[1]!), byte: payload[1]! & 0x7f };
  }
  const text = String.fromCharCode(...payload.map((b) => b & 0x7f));
  const m = /^(\d{1,4})\.(\d{2,3})(N?)$/.exec(text);
  if (!m) return { kind: 'invalid', reason: `unrecognised weight frame ${JSON.stringify(text)}` };
  const [, whole, frac, net] = m;
  if (frac!.length !== 3) return { kind: 'invalid', reason: `weight ${text} is in pounds; configure the scale for kilograms` };
  return { kind: 'weight', grams: Number(whole) * 1000 + Number(frac), net: net === 'N' };
}

/** Splits the scale's byte stream into frames; bytes outside STX…CR are ignored. Bounded. */
export class ScaleFrameDecoder {
  private buf: number[] | null = null;
  constructor(private readonly maxFrame = 32) {}

  push(chunk: Uint8Array): ScaleFrame[] {
    const out: ScaleFrame[] = [];
    for (const b of chunk) {
      if (b === STX) {
        this.buf = [];
      } else if (this.buf === null) {
        continue; // noise between frames
      } else if (b === CR) {
        out.push(parseScalePayload(Uint8Array.from(this.buf)));
        this.buf = null;
      } else {
        this.buf.push(b);
        if (this.buf.length > this.maxFrame) {
          out.push({ kind: 'invalid', reason: `frame longer than ${this.maxFrame} bytes` });
          this.buf = null;
        }
      }
    }
    return out;
  }

  reset(): void {
    this.buf = null;
  }
}

export function encodeScaleCommand(cmd: ScaleCommand): Uint8Array {
  return Uint8Array.of(SCALE_COMMAND[cmd]);
}

/** Weight reply as the scale sends it: kilograms with three decimals (simulator/tests). */
export function encodeWeightFrame(grams: number, net = false): Uint8Array {
  if (!Number.isInteger(grams) || grams < 0 || grams > 99_999) throw new Error(`weight ${grams} g out of the 0–99999 g frame range`);
  const text = `${String(Math.floor(grams / 1000)).padStart(2, '0')}.${String(grams % 1000).padStart(3, '0')}${net ? 'N' : ''}`;
  return Uint8Array.from([STX, ...[...text].map((c) => c.charCodeAt(0)), CR]);
}

export function encodeStatusFrame(s: ScaleStatusBits): Uint8Array {
  return Uint8Array.of(STX, 0x3f, encodeStatusByte(s), CR);
}
