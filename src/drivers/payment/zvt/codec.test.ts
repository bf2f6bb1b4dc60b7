import { describe, expect, it } from 'vitest';
import { ApduStreamDecoder, apdu, encodeApdu, decodeApdu, parseBmps, toBcd, fromBcd, hex } from './apdu';
import { crc16Ccitt, encodeSerialFrame, SerialFrameDecoder, DLE } from './serial-frame';
import { build, buildStatusInformation, decodePanField, parseStatusInformation } from './messages';

describe('ZVT APDU', () => {
  it('encodes Authorization 06 01 with the amount as 6-byte BCD in BMP 04', () => {
    expect(hex(encodeApdu(build.authorization(1234)))).toBe('06 01 07 04 00 00 00 00 12 34');
  });

  it('encodes Registration, Reversal, Refund, Abort and ACK', () => {
    expect(hex(encodeApdu(build.registration(123456, 978)))).toBe('06 00 08 12 34 56 3e 09 78 03 00');
    expect(hex(encodeApdu(build.reversal(0, 42)))).toBe('06 30 06 00 00 00 87 00 42');
    expect(hex(encodeApdu(build.refund(0, 500)))).toBe('06 31 0a 00 00 00 04 00 00 00 00 05 00');
    expect(hex(encodeApdu(build.abort()))).toBe('06 b0 00');
    expect(hex(encodeApdu(apdu('ack')))).toBe('80 00 00');
  });

  it('uses the FF extended length form from 255 data bytes on', () => {
    const big = apdu([0x06, 0xd3], new Uint8Array(300));
    const bytes = encodeApdu(big);
    expect(hex(bytes.slice(0, 5))).toBe('06 d3 ff 2c 01');
    expect(decodeApdu(bytes)?.apdu.data.length).toBe(300);
    expect(decodeApdu(bytes.slice(0, 100))).toBeNull();
  });

  it('stream-decodes APDUs split across chunks', () => {
    const d = new ApduStreamDecoder();
    const bytes = new Uint8Array([...encodeApdu(apdu('ack')), ...encodeApdu(build.authorization(99))]);
    const out = [...bytes].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(out.map((a) => hex([a.cls, a.ins]))).toEqual(['80 00', '06 01']);
  });

  it('BCD round trip and rejects overflow', () => {
    expect(fromBcd(toBcd(123456789012, 6))).toBe(123456789012);
    expect(() => toBcd(1000, 1)).toThrow();
  });
});

describe('ZVT Status Information', () => {
  it('parses result, amount, trace, receipt, auth code and masks the PAN', () => {
    const si = buildStatusInformation({
      resultCode: 0, amountMinor: 1999, trace: 17, receiptNo: 5, panDigits: '4111111111111111', authCode: 'A1B2C3',
      terminalId: '52500001', cardName: 'VISA', cardType: 10, currencyNumeric: 978, date: '1123', time: '020304',
    });
    const info = parseStatusInformation(si.data);
    expect(info).toEqual({
      resultCode: 0, amountMinor: 1999, trace: 17, receiptNo: 5, maskedPan: '411111******1111', authCode: 'A1B2C3',
      terminalId: '52500001', cardName: 'VISA', cardType: 10, currencyNumeric: 978, date: '1123', time: '020304',
    });
  });

  it('decodes terminal-masked PANs (E nibbles, F padding) and re-masks anyway', () => {
    expect(decodePanField(Uint8Array.of(0x37, 0x82, 0x82, 0xee, 0xee, 0xe0, 0x00, 0x5f))).toBe('378282*****0005');
    // A terminal that sends 8 clear leading digits still yields first six only.
    expect(decodePanField(Uint8Array.of(0x41, 0x11, 0x11, 0x11, 0xee, 0xee, 0x11, 0x11))).toBe('411111******1111');
  });

  it('skips TLV containers and unknown BMPs without reading past them', () => {
    const data = Uint8Array.of(0x27, 0x00, 0x06, 0x03, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x99, 0x01);
    const p = parseBmps(data);
    expect(p.fields.map((f) => f.bmp)).toEqual([0x27, 0x06, 0x04]);
    expect(p.unparsedFrom).toBe(14);
  });
});

describe('ZVT serial framing', () => {
  it('CRC is CRC-16/CCITT reflected (KERMIT): check value 0x2189', () => {
    expect(crc16Ccitt(new TextEncoder().encode('123456789'))).toBe(0x2189);
  });

  it('doubles DLE bytes, appends DLE ETX CRC-low CRC-high, and decodes back', () => {
    const apduBytes = Uint8Array.of(0x06, 0x01, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00);
    const frame = encodeSerialFrame(apduBytes);
    expect(hex(frame.slice(0, 2))).toBe('10 02');
    expect(frame.filter((b) => b === DLE).length).toBe(2 /* DLE STX, DLE ETX */ + 2 /* doubled */);
    const d = new SerialFrameDecoder();
    const out = [...Uint8Array.of(0x06), ...frame].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(out).toEqual([{ kind: 'ack' }, { kind: 'frame', apdu: apduBytes }]);
  });

  it('reports a corrupted frame so the receiver can NAK it', () => {
    const frame = encodeSerialFrame(Uint8Array.of(0x80, 0x00, 0x00));
    frame[3] = 0x01;
    expect(new SerialFrameDecoder().push(frame)[0]).toMatchObject({ kind: 'bad-frame' });
  });
});
