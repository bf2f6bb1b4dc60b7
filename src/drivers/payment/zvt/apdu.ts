// ZVT (the German ECR ↔ payment terminal protocol, PA00P015/PA00P016) application layer:
// APDUs, BCD numbers and BMP (bitmap) fields. Pure byte logic, shared by the driver and the
// terminal simulator.
//
// APDU = CLASS INSTR LEN DATA; LEN is one byte 0x00–0xFE, or 0xFF followed by a two-byte
// little-endian length for longer data.

export const MAX_APDU_DATA = 0xffff;

export interface Apdu {
  cls: number;
  ins: number;
  data: Uint8Array;
}

export const CMD = {
  registration: [0x06, 0x00],
  authorization: [0x06, 0x01],
  completion: [0x06, 0x0f],
  abortFromPt: [0x06, 0x1e],
  repeatReceipt: [0x06, 0x20],
  reversal: [0x06, 0x30],
  refund: [0x06, 0x31],
  abort: [0x06, 0xb0],
  printLine: [0x06, 0xd1],
  printTextBlock: [0x06, 0xd3],
  statusInformation: [0x04, 0x0f],
  intermediateStatus: [0x04, 0xff],
  statusEnquiry: [0x05, 0x01],
  ack: [0x80, 0x00],
} as const;

export type CommandName = keyof typeof CMD;

export function apduIs(a: Apdu, name: CommandName): boolean {
  const [c, i] = CMD[name];
  return a.cls === c && a.ins === i;
}

export function commandName(a: Apdu): CommandName | undefined {
  if (a.cls === 0x84) return undefined;
  return (Object.keys(CMD) as CommandName[]).find((n) => apduIs(a, n));
}

export function hex(bytes: Uint8Array | readonly number[]): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function apduLabel(a: Apdu): string {
  return `${hex([a.cls, a.ins])} (${a.cls === 0x84 ? 'NAK' : commandName(a) ?? 'unknown'})`;
}

export function encodeApdu(a: Apdu): Uint8Array {
  const n = a.data.length;
  if (n > MAX_APDU_DATA) throw new RangeError(`APDU data of ${n} bytes exceeds ${MAX_APDU_DATA}`);
  const head = n < 0xff ? [a.cls, a.ins, n] : [a.cls, a.ins, 0xff, n & 0xff, n >> 8];
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(a.data, head.length);
  return out;
}

export function apdu(cmd: CommandName | readonly [number, number], data: Uint8Array | readonly number[] = []): Apdu {
  const [cls, ins] = typeof cmd === 'string' ? CMD[cmd] : cmd;
  return { cls, ins, data: Uint8Array.from(data) };
}

export const ACK_APDU: Apdu = apdu('ack');

/**
 * Try to take one APDU from the start of `buf`. Returns null when more bytes are needed,
 * otherwise the APDU and how many bytes it used.
 */
export function decodeApdu(buf: Uint8Array): { apdu: Apdu; used: number } | null {
  if (buf.length < 3) return null;
  let len = buf[2]!;
  let head = 3;
  if (len === 0xff) {
    if (buf.length < 5) return null;
    len = buf[3]! | (buf[4]! << 8);
    head = 5;
  }
  if (buf.length < head + len) return null;
  return { apdu: { cls: buf[0]!, ins: buf[1]!, data: buf.slice(head, head + len) }, used: head + len };
}

/** Stream decoder for the TCP/IP transport, where APDUs follow each other without framing. */
export class ApduStreamDecoder {
  private buf = new Uint8Array(0);
  constructor(private readonly maxBuffered = 5 + MAX_APDU_DATA) {}

  push(chunk: Uint8Array): Apdu[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    const out: Apdu[] = [];
    let at = 0;
    for (;;) {
      const r = decodeApdu(merged.subarray(at));
      if (!r) break;
      out.push(r.apdu);
      at += r.used;
    }
    this.buf = merged.slice(at);
    if (this.buf.length > this.maxBuffered) {
      this.buf = new Uint8Array(0);
      throw new Error(`ZVT: more than ${this.maxBuffered} bytes without a complete APDU`);
    }
    return out;
  }

  reset(): void {
    this.buf = new Uint8Array(0);
  }
}

// --- BCD ------------------------------------------------------------------------------------

/** Packed BCD of `value`, right-aligned in `bytes` bytes. */
export function toBcd(value: number | bigint, bytes: number): Uint8Array {
  const v = BigInt(value);
  if (v < 0n) throw new RangeError(`BCD of negative ${value}`);
  const digits = v.toString().padStart(bytes * 2, '0');
  if (digits.length > bytes * 2) throw new RangeError(`${value} does not fit in ${bytes} BCD bytes`);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (Number(digits[2 * i]) << 4) | Number(digits[2 * i + 1]);
  return out;
}

export function bcdDigits(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += (b >> 4).toString(16) + (b & 0x0f).toString(16);
  return s;
}

export function fromBcd(bytes: Uint8Array): number {
  const s = bcdDigits(bytes);
  if (!/^\d+$/.test(s)) throw new Error(`not BCD: ${hex(bytes)}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BCD ${s} exceeds a safe integer`);
  return n;
}

// --- BMP fields -----------------------------------------------------------------------------

/** Length rule of each BMP we may meet: fixed byte count, LL/LLL variable (Fx Fy [Fz]), or BER TLV. */
type BmpLength = number | 'LL' | 'LLL' | 'TLV';

export const BMP_LENGTH: Readonly<Record<number, BmpLength>> = {
  0x01: 1, 0x02: 1, 0x03: 1, 0x04: 6, 0x05: 1, 0x06: 'TLV', 0x0b: 3, 0x0c: 3, 0x0d: 2, 0x0e: 2,
  0x17: 2, 0x19: 1, 0x22: 'LL', 0x23: 'LL', 0x24: 'LLL', 0x27: 1, 0x29: 4, 0x2a: 15, 0x2d: 'LL',
  0x2e: 'LL', 0x37: 3, 0x3a: 2, 0x3b: 8, 0x3c: 'LLL', 0x3d: 3, 0x49: 2, 0x60: 'LLL', 0x87: 2,
  0x88: 3, 0x8a: 1, 0x8b: 'LL', 0x8c: 1, 0x92: 'LLL', 0x9a: 'LLL', 0xa0: 1, 0xa7: 'LL', 0xaf: 'LLL',
  0xba: 5, 0xd0: 1, 0xd1: 'LL', 0xd2: 'LL', 0xd3: 1, 0xe0: 1, 0xe1: 'LL', 0xe2: 'LL', 0xe3: 'LL',
  0xe4: 'LL', 0xe5: 'LL', 0xe6: 'LL', 0xe7: 'LL', 0xe8: 'LL', 0xe9: 1, 0xea: 1, 0xeb: 8, 0xf0: 1,
  0xf1: 'LL', 0xf2: 'LL', 0xf3: 'LL', 0xf4: 'LL', 0xf5: 'LL', 0xf6: 'LL', 0xf7: 'LL', 0xf8: 'LL',
};

export const BMP = {
  timeout: 0x01, maxStatusInfos: 0x02, serviceByte: 0x03, amount: 0x04, tlv: 0x06, trace: 0x0b,
  time: 0x0c, date: 0x0d, expiry: 0x0e, paymentType: 0x19, pan: 0x22, track2: 0x23, track3: 0x24,
  resultCode: 0x27, terminalId: 0x29, vuNumber: 0x2a, track1: 0x2d, originalTrace: 0x37, cvv: 0x3a,
  authAttribute: 0x3b, additionalData: 0x3c, currency: 0x49, receiptNo: 0x87, turnoverNo: 0x88,
  cardType: 0x8a, cardName: 0x8b,
} as const;

export interface BmpField {
  bmp: number;
  /** Value bytes, without the BMP byte and without LL/LLL/TLV length bytes. */
  value: Uint8Array;
}

export interface BmpParse {
  fields: BmpField[];
  /** Bytes left when a BMP of unknown length stopped parsing (kept for diagnostics only). */
  unparsedFrom?: number;
}

function readVarLength(data: Uint8Array, at: number, n: 2 | 3): number {
  let len = 0;
  for (let i = 0; i < n; i++) {
    const b = data[at + i];
    if (b === undefined || (b & 0xf0) !== 0xf0 || (b & 0x0f) > 9) throw new Error(`bad LL length byte at ${at + i}`);
    len = len * 10 + (b & 0x0f);
  }
  return len;
}

function readBerLength(data: Uint8Array, at: number): { len: number; size: number } {
  const b = data[at];
  if (b === undefined) throw new Error('TLV length missing');
  if (b < 0x80) return { len: b, size: 1 };
  const n = b & 0x7f;
  if (n < 1 || n > 2) throw new Error(`TLV length of ${n} bytes not supported`);
  let len = 0;
  for (let i = 1; i <= n; i++) {
    const x = data[at + i];
    if (x === undefined) throw new Error('TLV length truncated');
    len = (len << 8) | x;
  }
  return { len, size: 1 + n };
}

/** Parse a sequence of BMP fields (the data of 04 0F, 06 01, 06 0F …). */
export function parseBmps(data: Uint8Array, start = 0): BmpParse {
  const fields: BmpField[] = [];
  let at = start;
  let guard = 0;
  while (at < data.length) {
    if (++guard > 512) throw new Error('more than 512 BMP fields');
    const bmp = data[at]!;
    const rule = BMP_LENGTH[bmp];
    if (rule === undefined) return { fields, unparsedFrom: at };
    at++;
    let len: number;
    if (typeof rule === 'number') len = rule;
    else if (rule === 'LL') {
      len = readVarLength(data, at, 2);
      at += 2;
    } else if (rule === 'LLL') {
      len = readVarLength(data, at, 3);
      at += 3;
    } else {
      const l = readBerLength(data, at);
      len = l.len;
      at += l.size;
    }
    if (at + len > data.length) throw new Error(`BMP ${bmp.toString(16)} needs ${len} bytes, ${data.length - at} left`);
    fields.push({ bmp, value: data.slice(at, at + len) });
    at += len;
  }
  return { fields };
}

export function encodeBmp(bmp: number, value: Uint8Array): Uint8Array {
  const rule = BMP_LENGTH[bmp];
  if (rule === undefined) throw new Error(`unknown BMP ${bmp.toString(16)}`);
  let head: number[];
  if (typeof rule === 'number') {
    if (value.length !== rule) throw new Error(`BMP ${bmp.toString(16)} is ${rule} bytes, got ${value.length}`);
    head = [bmp];
  } else if (rule === 'LL' || rule === 'LLL') {
    const digits = String(value.length).padStart(rule.length, '0');
    if (digits.length > rule.length) throw new Error(`BMP ${bmp.toString(16)} value too long`);
    head = [bmp, ...[...digits].map((d) => 0xf0 | Number(d))];
  } else {
    const n = value.length;
    head = n < 0x80 ? [bmp, n] : n < 0x100 ? [bmp, 0x81, n] : [bmp, 0x82, n >> 8, n & 0xff];
  }
  const out = new Uint8Array(head.length + value.length);
  out.set(head, 0);
  out.set(value, head.length);
  return out;
}

export function getBmp(p: BmpParse, bmp: number): Uint8Array | undefined {
  return p.fields.find((f) => f.bmp === bmp)?.value;
}
