// `tillstream devices detect` against mock bindings: a virtual USB bus with a known Epson
// printer and an unknown device, a serial port of a Honeywell scanner, a HID-POS scanner.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDeviceConfig } from '../../drivers/config/load';
import { PrinterSimulator } from '../../drivers/simulators/printer-sim';
import { VirtualUsbBus } from '../../drivers/simulators/usb-bus';
import type { FoundDevice, TransportBinding } from '../../drivers/transport/transport';
import { runDetect } from './devices-detect';

function listing(kind: 'serial' | 'hid', devices: FoundDevice[]): TransportBinding {
  return { kind, list: async () => devices, open: async () => Promise.reject(new Error('not in this test')) };
}

describe('devices detect', () => {
  let dir: string;
  let bus: VirtualUsbBus;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'detect-'));
    bus = new VirtualUsbBus();
    bus.attachPrinter(new PrinterSimulator(), { vendorId: 0x04b8, productId: 0x0202, manufacturer: 'EPSON', product: 'TM-T88VI', serialNumber: 'X7Q1' });
    bus.attachOther({ vendorId: 0x1234, productId: 0x5678, manufacturer: 'Acme', product: 'Gadget' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (answers: string[], yes = false, extra: TransportBinding[] = []) => {
    const lines: string[] = [];
    const questions: string[] = [];
    const code = await runDetect({
      bindings: [bus.binding, ...extra],
      configFile: path.join(dir, 'devices.json'),
      yes,
      io: {
        out: (l) => lines.push(l),
        ask: async (q) => {
          questions.push(q);
          return answers.shift() ?? '';
        },
      },
    });
    return { code, lines, questions };
  };

  it('proposes the Epson profile from its ids and product string, asks about the unknown device, writes after confirmation', async () => {
    const r = await run(['', '', 'y']); // unknown: none of these; drawer: yes; write: yes
    expect(r.lines.join('\n')).toContain('usb 04b8:0202 (EPSON TM-T88VI): Epson TM receipt printer → printer, profile epson-tm-t88vi');
    expect(r.questions[0]).toContain('unknown device usb 1234:5678 (Acme Gadget)');
    expect(r.code).toBe(0);
    const cfg = loadDeviceConfig(path.join(dir, 'devices.json'));
    expect(cfg.devices.printer).toMatchObject({ type: 'printer', profile: 'epson-tm-t88vi', connection: { transport: 'usb', device: '04b8:0202', serialNumber: 'X7Q1' } });
    expect(cfg.devices.drawer).toMatchObject({ type: 'drawer', via: 'printer', printer: 'printer' });
    expect(Object.keys(cfg.devices)).toEqual(['printer', 'drawer']);
  });

  it('adds the unknown device as what store IT says it is', async () => {
    const serial = listing('serial', [{ kind: 'serial', id: '/dev/ttyACM0', vendorId: 0x0c2e, productId: 0x0b61, manufacturer: 'Honeywell' }]);
    const r = await run(['p', 'generic-escpos-58', 'n', 'y'], false, [serial]);
    expect(r.code).toBe(0);
    const cfg = loadDeviceConfig(path.join(dir, 'devices.json'));
    expect(cfg.devices['printer-2']).toMatchObject({ type: 'printer', profile: 'generic-escpos-58', connection: { transport: 'usb', device: '1234:5678' } });
    expect(cfg.devices.scanner).toMatchObject({ type: 'scanner', connection: { transport: 'serial', path: '/dev/ttyACM0' }, suffix: 'CR' });
    expect(cfg.devices.drawer).toBeUndefined();
  });

  it('writes nothing when store IT says no, and keeps what is configured', async () => {
    writeFileSync(path.join(dir, 'devices.json'), JSON.stringify({ version: 1, devices: { printer: { type: 'printer', connection: { transport: 'usb', device: '04b8:0202', serialNumber: 'X7Q1' }, profile: 'epson-tm-t20iii' } } }));
    const hid = listing('hid', [{ kind: 'hid', id: '05e0:1900', vendorId: 0x05e0, productId: 0x1900, usagePage: 0x8c, product: 'DS2208' }]);
    const no = await run(['', 'n'], false, [hid]);
    expect(no.code).toBe(1);
    expect(no.lines).toContain('already configured, kept as they are: printer');
    expect(JSON.parse(readFileSync(path.join(dir, 'devices.json'), 'utf8')).devices.scanner).toBeUndefined();
    const yes = await run([], true, [hid]);
    expect(yes.code).toBe(0);
    expect(yes.lines.join('\n')).toContain('left out (unknown; run without --yes to say what they are): usb 1234:5678 (Acme Gadget)');
    const cfg = loadDeviceConfig(path.join(dir, 'devices.json'));
    expect(cfg.devices.printer).toMatchObject({ profile: 'epson-tm-t20iii' });
    expect(cfg.devices.scanner).toMatchObject({ type: 'scanner', protocol: 'hid-pos', connection: { transport: 'hid', device: '05e0:1900', usagePage: 0x8c } });
  });
});
