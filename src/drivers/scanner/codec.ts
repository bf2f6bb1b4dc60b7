// Byte-level codecs for barcode scanners: the serial line protocol (data + suffix, optional
// AIM prefix) and the USB HID POS scanned-data report (usage page 0x8C). Pure functions and
// small stateful decoders with bounded buffers; no transport, no timers.

import { parseAimPrefix, type Symbology } from './aim';

export type ScanSuffix = 'CR' | 'LF' | 'CRLF' | 'TAB';

/** What a scan decodes to before the application's barcode parser sees it. */
export interface ScanFrame {
  /** The barcode data without AIM prefix and suffix. */
  raw: string;
  /** From the AIM id when present, else from the HID symbology byte, else 'unknown'. */
  symbology: Symbology;
  /** The AIM id as received (e.g. "]E0"), when present. */
  aimId?: string;
}

export interface SerialScanDecoderOptions {
  suffix: ScanSuffix;
  /** Strip and interpret a leading AIM id ("]E0"). When false, data starting with "]" is kept whole. */
  aimPrefix: boolean;
  /** Longest scan accepted; a longer line is dropped and reported (bounded buffer). */
  maxLength: number;
}

export const DEFAULT_SERIAL_SCAN_OPTIONS: SerialScanDecoderOptions = { suffix: 'CR', aimPrefix: true, maxLength: 4096 };

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export function frameFromText(text: string, aimPrefix: boolean): ScanFrame {
  if (aimPrefix) {
    const p = parseAimPrefix(text);
    if (p) return { raw: p.rest, symbology: p.aim.symbology, aimId: p.aim.id };
  }
  return { raw: text, symbology: 'unknown' };
}

export type SerialScanOutput = { kind: 'scan'; frame: ScanFrame } | { kind: 'overflow'; droppedBytes: number };

/** Splits a serial byte stream into scans. */
export class SerialScanDecoder {
  private readonly opts: SerialScanDecoderOptions;
  private buf: number[] = [];
  private dropping = 0;

  constructor(options: Partial<SerialScanDecoderOptions> = {}) {
    this.opts = { ...DEFAULT_SERIAL_SCAN_OPTIONS, ...options };
  }

  push(chunk: Uint8Array): SerialScanOutput[] {
    const out: SerialScanOutput[] = [];
    for (const b of chunk) {
      // Any CR or LF (and TAB when that is the suffix) ends a scan; the empty line between
      // CR and LF is skipped, so a scanner set to CR LF works with a host set to CR.
      if (b === CR || b === LF || (b === TAB && this.opts.suffix === 'TAB')) {
        if (this.dropping > 0) {
          out.push({ kind: 'overflow', droppedBytes: this.dropping });
          this.dropping = 0;
          this.buf = [];
          continue;
        }
        if (this.buf.length === 0) continue;
        const text = utf8.decode(Uint8Array.from(this.buf));
        this.buf = [];
        out.push({ kind: 'scan', frame: frameFromText(text, this.opts.aimPrefix) });
        continue;
      }
      if (this.dropping > 0) {
        this.dropping++;
        continue;
      }
      this.buf.push(b);
      if (this.buf.length > this.opts.maxLength) {
        this.dropping = this.buf.length;
        this.buf = [];
      }
    }
    return out;
  }

  reset(): void {
    this.buf = [];
    this.dropping = 0;
  }
}

/** Encode one scan as a serial scanner sends it (used by the simulator and tests). */
export function encodeSerialScan(raw: string, opts: { suffix: ScanSuffix; aimId?: string }): Uint8Array {
  const suffix = { CR: '\r', LF: '\n', CRLF: '\r\n', TAB: '\t' }[opts.suffix];
  return new TextEncoder().encode(`${opts.aimId ?? ''}${raw}${suffix}`);
}

// ---------------------------------------------------------------------------------------------
// USB HID POS scanner (HID Point of Sale Usage Tables, usage page 0x8C, Scanned Data Report).
// The layout most HID POS scanners (Honeywell, Zebra, Datalogic) use for the input report:
//   [report id 0x02] [length L] [3 bytes symbology id (AIM, e.g. "]E0")] [data …] … [cont]
// where the data field is padded to the report size and the last byte is non-zero when the
// barcode continues in the next report. node-hid gives the report id as byte 0 on numbered
// reports; `hasReportId` tells the parser whether to expect it.

export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_SCANNED_DATA_REPORT_ID = 0x02;
export const HID_POS_REPORT_SIZE = 64; // including the report id byte

export interface HidPosReport {
  reportId: number;
  /** AIM id bytes as text ("]E0"), or '' when the scanner sends zeros. */
  aimId: string;
  data: Uint8Array;
  /** True when more reports of the same barcode follow. */
  continued: boolean;
}

export function parseHidPosReport(report: Uint8Array, hasReportId = true): HidPosReport {
  const off = hasReportId ? 1 : 0;
  const reportId = hasReportId ? report[0]! : HID_POS_SCANNED_DATA_REPORT_ID;
  if (report.length < off + 4) throw new Error(`HID POS report too short: ${report.length} bytes`);
  const len = report[off]!;
  const idBytes = report.subarray(off + 1, off + 4);
  const dataStart = off + 4;
  // The continuation flag is the last byte of a full-size report.
  const full = report.length >= HID_POS_REPORT_SIZE - (hasReportId ? 0 : 1);
  const dataEnd = full ? report.length - 1 : report.length;
  if (len > dataEnd - dataStart) {
    throw new Error(`HID POS report length byte ${len} exceeds the ${dataEnd - dataStart} data bytes present`);
  }
  const aimId = idBytes.every((b) => b === 0) ? '' : String.fromCharCode(...idBytes);
  return {
    reportId,
    aimId,
    data: report.slice(dataStart, dataStart + len),
    continued: full ? report[report.length - 1] !== 0 : false,
  };
}

/** Build HID POS reports for a barcode (simulator/tests), split over as many reports as needed. */
export function encodeHidPosReports(raw: string, aimId: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(raw);
  const perReport = HID_POS_REPORT_SIZE - 1 - 1 - 3 - 1; // id, length, aim(3), continuation
  const reports: Uint8Array[] = [];
  for (let at = 0; at < bytes.length || reports.length === 0; at += perReport) {
    const part = bytes.subarray(at, at + perReport);
    const r = new Uint8Array(HID_POS_REPORT_SIZE);
    r[0] = HID_POS_SCANNED_DATA_REPORT_ID;
    r[1] = part.length;
    for (let i = 0; i < 3; i++) r[2 + i] = aimId.charCodeAt(i) || 0;
    r.set(part, 5);
    r[HID_POS_REPORT_SIZE - 1] = at + perReport < bytes.length ? 1 : 0;
    reports.push(r);
    if (reports.length > 1024) throw new Error('barcode too long for HID POS reports');
  }
  return reports;
}

/** Reassembles multi-report barcodes. Bounded: a barcode over maxLength bytes is dropped. */
export class HidPosScanAssembler {
  private parts: Uint8Array[] = [];
  private size = 0;
  private aimId = '';

  constructor(private readonly maxLength = 4096, private readonly hasReportId = true) {}

  push(report: Uint8Array): SerialScanOutput | null {
    const r = parseHidPosReport(report, this.hasReportId);
    if (r.reportId !== HID_POS_SCANNED_DATA_REPORT_ID) return null;
    if (this.parts.length === 0) this.aimId = r.aimId;
    this.parts.push(r.data);
    this.size += r.data.length;
    if (this.size > this.maxLength) {
      const dropped = this.size;
      if (!r.continued) this.reset();
      return r.continued ? null : { kind: 'overflow', droppedBytes: dropped };
    }
    if (r.continued) return null;
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      all.set(p, at);
      at += p.length;
    }
    const aim = this.aimId;
    this.reset();
    const text = utf8.decode(all);
    const frame = aim ? frameFromText(aim + text, true) : { raw: text, symbology: 'unknown' as const };
    return { kind: 'scan', frame };
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.aimId = '';
  }
}
