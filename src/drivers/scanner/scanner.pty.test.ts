// Serial scanner driver through the REAL serialport binding, against the scanner simulator on
// a socat PTY pair; HID POS scanner through the mock transport (no HID hardware in CI).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseScan } from '../../core/barcode';
import { scanValueForPans } from '../../core/pci/pan-scan';
import type { DataEvent } from '../device/events';
import { createPtyPair, type PtyPair } from '../simulators/pty';
import { hidPosReportsFor, ScannerSimulator } from '../simulators/scanner-sim';
import { MockBinding } from '../transport/mock';
import { serialBinding } from '../transport/serial';
import type { Transport } from '../transport/transport';
import { HidPosScanner, SerialScanner, type ScanData } from './scanner';

function nextScans(scanner: SerialScanner | HidPosScanner, n: number, timeoutMs = 15_000): Promise<ScanData[]> {
  return new Promise((resolve, reject) => {
    const got: ScanData[] = [];
    const t = setTimeout(() => reject(new Error(`only ${got.length} of ${n} scans within ${timeoutMs} ms`)), timeoutMs);
    const on = (e: DataEvent<ScanData>) => {
      got.push(e.data);
      if (got.length === n) {
        clearTimeout(t);
        scanner.off('data', on);
        resolve(got);
      }
    };
    scanner.on('data', on);
  });
}

describe('serial scanner over a PTY', () => {
  let pty: PtyPair;
  let devEnd: Transport;
  let scanner: SerialScanner;
  const emitted: unknown[] = [];

  beforeEach(async () => {
    emitted.length = 0;
    pty = await createPtyPair();
    devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
    scanner = new SerialScanner('scanner', { address: { kind: 'serial', path: pty.hostPath, baudRate: 9600 }, suffix: 'CR' });
    scanner.on('data', (e) => emitted.push(e));
    scanner.on('error', (e) => emitted.push({ code: e.code, message: e.message }));
    await scanner.start();
  });

  afterEach(async () => {
    if (scanner.opened) await scanner.close();
    await devEnd.close().catch(() => undefined);
    await pty.close();
    expect(scanValueForPans(emitted)).toEqual([]);
  });

  it('emits a DataEvent with raw data and the symbology from the AIM id', async () => {
    const sim = new ScannerSimulator(devEnd, { suffix: 'CR', aimPrefix: true });
    const got = nextScans(scanner, 3);
    await sim.scan('4006381333931', 'ean13');
    await sim.scan('\u001d0104006381333931', 'gs1-128');
    await sim.scanInPieces('96385074', 'ean8', 3);
    expect(await got).toEqual([
      { raw: '4006381333931', symbology: 'ean13', aimId: ']E0' },
      { raw: '\u001d0104006381333931', symbology: 'gs1-128', aimId: ']C1' },
      { raw: '96385074', symbology: 'ean8', aimId: ']E4' },
    ]);
    // What the register does with each DataEvent: core's parser, with the driver's symbology as hint.
    const parsed = (await got).map((d) => parseScan(d.raw, { symbology: d.symbology }));
    expect(parsed.map((p) => p.gtin)).toEqual(['04006381333931', '04006381333931', '00000096385074']);
    expect(parsed[1]!.symbology).toBe('GS1-128');
  });

  it('readOneScan resolves with the next scan, and times out (E_TIMEOUT) when none comes', async () => {
    const sim = new ScannerSimulator(devEnd, { suffix: 'CRLF', aimPrefix: false });
    const one = scanner.readOneScan(15_000);
    await sim.scan('ABC-1234', 'code39');
    expect(await one).toEqual({ raw: 'ABC-1234', symbology: 'unknown' });
    await expect(scanner.readOneScan(50)).rejects.toMatchObject({ code: 'E_TIMEOUT' });
  });

});

describe('scanner through the mock transport', () => {
  it('a disabled scanner emits nothing (bytes arriving while disabled are dropped)', async () => {
    const binding = new MockBinding();
    const dev = binding.createDevice('ser');
    const scanner = new SerialScanner('s', { address: { kind: 'mock', name: 'ser' }, binding });
    const seen: string[] = [];
    scanner.on('data', (e) => seen.push(e.data.raw));
    await scanner.start();
    await scanner.disable();
    dev.reply(new TextEncoder().encode(']E412345670\r'));
    await scanner.enable();
    dev.reply(new TextEncoder().encode(']E04006381333931\r'));
    await new Promise((r) => setTimeout(r, 0)); // the mock delivers in a microtask
    expect(seen).toEqual(['4006381333931']);
    await scanner.close();
  });

  it('reassembles HID POS input reports into one DataEvent', async () => {
    const binding = new MockBinding();
    const dev = binding.createDevice('hidscan', { vendorId: 0x0c2e, productId: 0x0b87, usagePage: 0x8c });
    const scanner = new HidPosScanner('hidscanner', { address: { kind: 'mock', name: 'hidscan' }, binding });
    await scanner.start();
    const long = '0104006381333931' + '21' + 'A'.repeat(80);
    const got = nextScans(scanner, 2);
    for (const r of hidPosReportsFor('4006381333931', 'ean13')) dev.reply(r);
    for (const r of hidPosReportsFor(long, 'gs1-datamatrix')) dev.reply(r);
    expect(await got).toEqual([
      { raw: '4006381333931', symbology: 'ean13', aimId: ']E0' },
      { raw: long, symbology: 'gs1-datamatrix', aimId: ']d2' },
    ]);
    await scanner.close();
  });
});
