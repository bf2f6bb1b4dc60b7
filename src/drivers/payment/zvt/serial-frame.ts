// ZVT serial transport protocol (PA00P016): each APDU travels as
//   DLE STX <APDU with every DLE doubled> DLE ETX CRC-low CRC-high
// and the receiver answers each frame with one byte, ACK (0x06) or NAK (0x15; the sender
// repeats, at most twice more). The CRC is CRC-16/CCITT in its reflected form (polynomial
// 0x8408, initial value 0, also known as CRC-16/KERMIT) over the unstuffed APDU and the ETX.

export const DLE = 0x10;
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

export function crc16Ccitt(bytes: Uint8Array, init = 0): number {
  let crc = init;
  for (const b of bytes) crc = (crc >>> 8) ^ TABLE[(crc ^ b) & 0xff]!;
  return crc & 0xffff;
}

export function frameCrc(apdu: Uint8Array): number {
  return crc16Ccitt(Uint8Array.of(ETX), crc16Ccitt(apdu));
}

export function encodeSerialFrame(apdu: Uint8Array): Uint8Array {
  const out: number[] = [DLE, STX];
  for (const b of apdu) {
    out.push(b);
    if (b === DLE) out.push(DLE);
  }
  const crc = frameCrc(apdu);
  out.push(DLE, ETX, crc & 0xff, crc >> 8);
  return Uint8Array.from(out);
}

export type SerialUnit =
  | { kind: 'ack' }
  | { kind: 'nak' }
  | { kind: 'frame'; apdu: Uint8Array }
  | { kind: 'bad-frame'; reason: string };

/**
 * Splits the serial byte stream into ACK/NAK bytes and frames. A frame with a wrong CRC
 * comes out as 'bad-frame' so the caller answers NAK. Bounded frame size.
 */
export class SerialFrameDecoder {
  private state: 'idle' | 'dle' | 'body' | 'body-dle' | 'crc1' | 'crc2' = 'idle';
  private body: number[] = [];
  private crcLow = 0;

  constructor(private readonly maxFrame = 5 + 0xffff) {}

  push(chunk: Uint8Array): SerialUnit[] {
    const out: SerialUnit[] = [];
    for (const b of chunk) {
      switch (this.state) {
        case 'idle':
          if (b === ACK) out.push({ kind: 'ack' });
          else if (b === NAK) out.push({ kind: 'nak' });
          else if (b === DLE) this.state = 'dle';
          break; // other bytes between frames are line noise
        case 'dle':
          if (b === STX) {
            this.body = [];
            this.state = 'body';
          } else this.state = 'idle';
          break;
        case 'body':
          if (b === DLE) this.state = 'body-dle';
          else this.pushBody(b, out);
          break;
        case 'body-dle':
          if (b === DLE) {
            this.state = 'body';
            this.pushBody(DLE, out);
          } else if (b === ETX) this.state = 'crc1';
          else if (b === STX) {
            out.push({ kind: 'bad-frame', reason: 'DLE STX inside a frame' });
            this.body = [];
            this.state = 'body';
          } else {
            out.push({ kind: 'bad-frame', reason: `DLE followed by 0x${b.toString(16)}` });
            this.state = 'idle';
          }
          break;
        case 'crc1':
          this.crcLow = b;
          this.state = 'crc2';
          break;
        case 'crc2': {
          const apdu = Uint8Array.from(this.body);
          const got = this.crcLow | (b << 8);
          const want = frameCrc(apdu);
          out.push(got === want ? { kind: 'frame', apdu } : { kind: 'bad-frame', reason: `CRC ${got.toString(16)} != ${want.toString(16)}` });
          this.body = [];
          this.state = 'idle';
          break;
        }
      }
    }
    return out;
  }

  private pushBody(b: number, out: SerialUnit[]): void {
    this.body.push(b);
    if (this.body.length > this.maxFrame) {
      out.push({ kind: 'bad-frame', reason: `frame longer than ${this.maxFrame} bytes` });
      this.body = [];
      this.state = 'idle';
    }
  }

  reset(): void {
    this.state = 'idle';
    this.body = [];
  }
}
