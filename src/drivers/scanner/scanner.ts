// Barcode scanner drivers after UnifiedPOS Scanner: each scan is a DataEvent carrying the raw
// label and its symbology; the application parses it (core/barcode parseScan). Two transports:
// a serial scanner (data + CR/LF suffix, optional AIM prefix) and a USB HID POS scanner (usage
// page 0x8C) read through node-hid. Keyboard-wedge scanners are handled in the renderer with
// core/scanner/wedge.ts.

import { TransportDevice, type TransportDeviceOptions } from '../device/transport-device';
import { PosError } from '../device/result';
import type { DataEvent } from '../device/events';
import type { Symbology } from './aim';
import { HID_POS_USAGE_PAGE, HidPosScanAssembler, SerialScanDecoder, type ScanSuffix, type SerialScanOutput } from './codec';

/** The DataEvent payload of a scanner. */
export interface ScanData {
  /** The label as the scanner decoded it (AIM prefix and suffix removed). */
  raw: string;
  symbology: Symbology;
  /** The AIM identifier as received ("]E0"), when the scanner sends one. */
  aimId?: string;
}

abstract class ScannerBase extends TransportDevice<ScanData> {
  protected handle(out: SerialScanOutput): void {
    if (out.kind === 'scan') {
      const d: ScanData = { raw: out.frame.raw, symbology: out.frame.symbology };
      if (out.frame.aimId) d.aimId = out.frame.aimId;
      this.emitData(d);
    } else {
      // UnifiedPOS: input error, the label is lost; 'clear' is all the app can do.
      this.raiseError('E_FAILURE', `${this.name}: scan of ${out.droppedBytes} bytes exceeds the limit and was dropped`, {
        locus: 'input',
        defaultResponse: 'clear',
      });
    }
  }

  /** Wait for the next scan (the CLI's "read one scan", a setup screen). */
  async readOneScan(timeoutMs: number): Promise<ScanData> {
    this.requireEnabled('readOneScan');
    return new Promise<ScanData>((resolve, reject) => {
      const onData = (e: DataEvent<ScanData>) => {
        clearTimeout(timer);
        this.off('data', onData);
        resolve(e.data);
      };
      const timer = setTimeout(() => {
        this.off('data', onData);
        reject(new PosError('E_TIMEOUT', `${this.name}: no scan within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on('data', onData);
    });
  }
}

export interface SerialScannerOptions extends TransportDeviceOptions {
  suffix?: ScanSuffix;
  aimPrefix?: boolean;
  maxLength?: number;
}

export class SerialScanner extends ScannerBase {
  private readonly decoder: SerialScanDecoder;

  constructor(name: string, options: SerialScannerOptions) {
    super(name, 'scanner', options);
    this.decoder = new SerialScanDecoder({
      suffix: options.suffix ?? 'CR',
      aimPrefix: options.aimPrefix ?? true,
      maxLength: options.maxLength ?? 4096,
    });
  }

  protected onBytes(chunk: Uint8Array): void {
    // A scanner is input only: bytes while disabled are dropped (UnifiedPOS: no events when disabled).
    if (!this.enabled) return;
    for (const out of this.decoder.push(chunk)) this.handle(out);
  }

  protected override async onLinkUp(): Promise<void> {
    this.decoder.reset();
  }
}

export interface HidPosScannerOptions extends TransportDeviceOptions {
  /** Whether input reports start with the report id byte (numbered reports; true for HID POS scanners). */
  hasReportId?: boolean;
  maxLength?: number;
}

export class HidPosScanner extends ScannerBase {
  private readonly assembler: HidPosScanAssembler;

  constructor(name: string, options: HidPosScannerOptions) {
    // A scanner shows several HID interfaces (keyboard, POS); open the POS one (usage page 0x8C).
    const address = options.address.kind === 'hid' && options.address.usagePage === undefined ? { ...options.address, usagePage: HID_POS_USAGE_PAGE } : options.address;
    super(name, 'scanner', { ...options, address });
    if (address.kind === 'hid' && address.usagePage !== HID_POS_USAGE_PAGE) {
      throw new PosError('E_ILLEGAL', `${name}: a HID POS scanner has usage page 0x8C, not 0x${address.usagePage!.toString(16)}`);
    }
    this.assembler = new HidPosScanAssembler(options.maxLength ?? 4096, options.hasReportId ?? true);
  }

  /** Each chunk from the HID transport is one input report. */
  protected onBytes(report: Uint8Array): void {
    if (!this.enabled) return;
    let out: SerialScanOutput | null;
    try {
      out = this.assembler.push(report);
    } catch (err) {
      this.assembler.reset();
      this.raiseError('E_FAILURE', `${this.name}: ${(err as Error).message}`, { locus: 'input', defaultResponse: 'clear' });
      return;
    }
    if (out) this.handle(out);
  }

  protected override async onLinkUp(): Promise<void> {
    this.assembler.reset();
  }
}
