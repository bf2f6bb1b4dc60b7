import { describe, expect, it } from 'vitest';
import { encodeHidPosReports, encodeSerialScan, HidPosScanAssembler, parseHidPosReport, SerialScanDecoder } from './codec';
import { parseAimPrefix } from './aim';

const enc = (s: string) => new TextEncoder().encode(s);

describe('serial scanner codec', () => {
  it('splits scans on CR and reads the AIM symbology', () => {
    const d = new SerialScanDecoder();
    const out = d.push(enc(']E04006381333931\r]C1\u001d0104006381333931\r'));
    expect(out).toEqual([
      { kind: 'scan', frame: { raw: '4006381333931', symbology: 'ean13', aimId: ']E0' } },
      { kind: 'scan', frame: { raw: '\u001d0104006381333931', symbology: 'gs1-128', aimId: ']C1' } },
    ]);
  });

  it('handles CR LF, chunks split anywhere, and no AIM prefix', () => {
    const d = new SerialScanDecoder({ suffix: 'CRLF' });
    const bytes = enc(']d2010400638133393121ABC\r\n12345670\r\n');
    const out = [...bytes].flatMap((b) => d.push(Uint8Array.of(b)));
    expect(out.map((o) => (o.kind === 'scan' ? [o.frame.raw, o.frame.symbology] : o))).toEqual([
      ['010400638133393121ABC', 'gs1-datamatrix'],
      ['12345670', 'unknown'],
    ]);
  });

  it('keeps a leading "]" when AIM parsing is off, and drops over-long lines', () => {
    expect(new SerialScanDecoder({ aimPrefix: false }).push(enc(']E0123\r'))).toEqual([
      { kind: 'scan', frame: { raw: ']E0123', symbology: 'unknown' } },
    ]);
    const d = new SerialScanDecoder({ maxLength: 4 });
    expect(d.push(enc('123456\r9876\r'))).toEqual([
      { kind: 'overflow', droppedBytes: 6 },
      { kind: 'scan', frame: { raw: '9876', symbology: 'unknown' } },
    ]);
  });

  it('round-trips encodeSerialScan', () => {
    const d = new SerialScanDecoder({ suffix: 'LF' });
    expect(d.push(encodeSerialScan('ABC-123', { suffix: 'LF', aimId: ']A0' }))).toEqual([
      { kind: 'scan', frame: { raw: 'ABC-123', symbology: 'code39', aimId: ']A0' } },
    ]);
  });

  it('parses AIM ids', () => {
    expect(parseAimPrefix(']E4')?.aim.symbology).toBe('ean8');
    expect(parseAimPrefix(']Q1http')?.aim.symbology).toBe('qr');
    expect(parseAimPrefix('E04')).toBeNull();
  });
});

describe('HID POS scanner reports', () => {
  it('parses one report and reassembles a long barcode over several', () => {
    const [r] = encodeHidPosReports('4006381333931', ']E0');
    const p = parseHidPosReport(r!);
    expect(p.reportId).toBe(2);
    expect(p.aimId).toBe(']E0');
    expect(new TextDecoder().decode(p.data)).toBe('4006381333931');
    expect(p.continued).toBe(false);

    const long = 'X'.repeat(150);
    const reports = encodeHidPosReports(long, ']d1');
    expect(reports.length).toBe(3);
    const a = new HidPosScanAssembler();
    const outs = reports.map((x) => a.push(x));
    expect(outs.slice(0, 2)).toEqual([null, null]);
    expect(outs[2]).toEqual({ kind: 'scan', frame: { raw: long, symbology: 'datamatrix', aimId: ']d1' } });
  });

  it('rejects a length byte larger than the report', () => {
    const r = new Uint8Array(64);
    r[0] = 2;
    r[1] = 200;
    expect(() => parseHidPosReport(r)).toThrow(/length byte/);
  });
});
