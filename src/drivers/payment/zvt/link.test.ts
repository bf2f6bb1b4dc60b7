import { describe, expect, it } from 'vitest';
import { apdu, hex } from './apdu';
import { SerialApduLink } from './link';
import { ACK, NAK } from './serial-frame';

/** Two serial link ends joined by an in-memory "cable" that can corrupt the next frame. */
function cable() {
  let corruptNext = 0;
  const sent: Uint8Array[] = [];
  const a: SerialApduLink = new SerialApduLink({ write: async (b) => { sent.push(b); const x = b.slice(); if (x.length > 4 && corruptNext > 0) { corruptNext--; x[4] = x[4]! ^ 0xff; } queueMicrotask(() => bLink.push(x)); } }, { ackTimeoutMs: 200 });
  const bLink: SerialApduLink = new SerialApduLink({ write: async (b) => { queueMicrotask(() => a.push(b)); } }, { ackTimeoutMs: 200 });
  return { a, b: bLink, sent, corrupt: (n: number) => (corruptNext = n) };
}

describe('ZVT serial link', () => {
  it('delivers an APDU and resolves on the ACK byte', async () => {
    const c = cable();
    const got: string[] = [];
    c.b.onApdu = (x) => got.push(hex([x.cls, x.ins, ...x.data]));
    await c.a.send(apdu('authorization', [0x04, 0, 0, 0, 0, 0x10, 0x00]));
    expect(got).toEqual(['06 01 04 00 00 00 00 10 00']);
    expect(c.sent).toHaveLength(1);
  });

  it('repeats a frame the receiver NAKed for a bad CRC', async () => {
    const c = cable();
    const got: number[] = [];
    const problems: string[] = [];
    c.b.onApdu = (x) => got.push(x.ins);
    c.b.onProblem = (m) => problems.push(m);
    c.corrupt(2);
    await c.a.send(apdu('abort'));
    expect(got).toEqual([0xb0]);
    expect(c.sent).toHaveLength(3);
    expect(problems.filter((p) => /bad frame/.test(p))).toHaveLength(2);
  });

  it('gives up after the allowed repeats', async () => {
    const c = cable();
    c.corrupt(10);
    await expect(c.a.send(apdu('abort'))).rejects.toThrow(/not acknowledged after 3 attempts/);
    expect(c.sent).toHaveLength(3);
  });

  it('ACK and NAK are single bytes', () => {
    expect([ACK, NAK]).toEqual([0x06, 0x15]);
  });
});
