// A serial barcode scanner: writes each scan as a configured scanner would (optional AIM id,
// data, suffix). Attach it to the device end of a PTY pair; the driver under test opens the
// host end through the real serialport binding. Also builds HID POS reports for HID tests.

import { aimIdFor, type Symbology } from '../scanner/aim';
import { encodeHidPosReports, encodeSerialScan, type ScanSuffix } from '../scanner/codec';
import type { Transport } from '../transport/transport';

export type SimLink = Pick<Transport, 'write'>;

export interface ScannerSimOptions {
  suffix: ScanSuffix;
  /** Send the AIM symbology identifier in front of the data. */
  aimPrefix: boolean;
}

export class ScannerSimulator {
  private readonly opts: ScannerSimOptions;
  scans = 0;

  constructor(private readonly link: SimLink, options: Partial<ScannerSimOptions> = {}) {
    this.opts = { suffix: 'CR', aimPrefix: true, ...options };
  }

  /** "Scan" a barcode: `raw` is the decoded data, as the scanner would transmit it. */
  async scan(raw: string, symbology: Symbology = 'ean13'): Promise<void> {
    if (/[\r\n]/.test(raw)) throw new Error('barcode data cannot contain CR or LF on a serial scanner');
    this.scans++;
    await this.link.write(encodeSerialScan(raw, { suffix: this.opts.suffix, aimId: this.opts.aimPrefix ? aimIdFor(symbology) : undefined }));
  }

  /** Bytes sent in pieces, as a slow UART delivers them (tests that decoders reassemble). */
  async scanInPieces(raw: string, symbology: Symbology, pieceSize: number): Promise<void> {
    const bytes = encodeSerialScan(raw, { suffix: this.opts.suffix, aimId: this.opts.aimPrefix ? aimIdFor(symbology) : undefined });
    this.scans++;
    for (let at = 0; at < bytes.length; at += pieceSize) await this.link.write(bytes.subarray(at, at + pieceSize));
  }
}

/** HID POS input reports for one barcode (for a mock HID transport). */
export function hidPosReportsFor(raw: string, symbology: Symbology = 'ean13'): Uint8Array[] {
  return encodeHidPosReports(raw, aimIdFor(symbology));
}
