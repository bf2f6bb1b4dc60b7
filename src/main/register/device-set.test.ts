// The register's devices from the drivers' configuration: the old `devices` block migrated once
// (file written, register.json rewritten, a message), and a USB printer — which the old block
// could not express — built with the drivers' own context over a virtual USB bus.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, renameSync, symlinkSync } from 'node:fs';
import { DisplaySimulator } from '../../drivers/simulators/display-sim';
import { createPtyPair } from '../../drivers/simulators/pty';
import { serialBinding } from '../../drivers/transport/serial';
import { PrinterSimulator, servePrinterOnTcp } from '../../drivers/simulators/printer-sim';
import { VirtualUsbBus } from '../../drivers/simulators/usb-bus';
import { loadRegisterConfig, parseRegisterConfig, registerDeviceConfig } from './config';
import { DriverDevices, registerRoles } from './device-set';
import { hashPin } from './pins';

const base = {
  terminal_id: 'T01',
  store_id: 'S1',
  store_name: 'Shop',
  currency: 'EUR',
  locale: 'de-DE',
  journal_path: 'journal.sqlite',
  cashiers: [{ cashier_id: '1', name: 'A', role: 'cashier', pin_hash: hashPin('1234') }],
};

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('register device configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'reg-devices-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates the old devices block once: devices.json in the drivers format, register.json names it, a message says so', () => {
    const file = path.join(dir, 'register.json');
    const old = { ...base, devices: { printer: { host: '10.0.0.5', port: 9100 }, scanner: { path: '/dev/ttyACM0' }, payment: { host: '10.0.0.9', port: 20007 }, display: { path: '/dev/ttyUSB1', baudRate: 9600 }, receipt_dir: 'receipts' }, shell: { window: { mode: 'windowed' } } };
    writeFileSync(file, JSON.stringify(old), { mode: 0o600 });
    const logs: string[] = [];
    const cfg = loadRegisterConfig(file, (m) => logs.push(m));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('the old "devices" block was migrated');
    expect(logs[0]).toContain(path.join(dir, 'devices.json'));
    const rewritten = JSON.parse(readFileSync(file, 'utf8'));
    expect(rewritten.devices).toBeUndefined();
    expect(rewritten.device_config).toBe('devices.json');
    expect(rewritten.receipt_dir).toBe('receipts');
    expect(rewritten.shell).toEqual({ window: { mode: 'windowed' } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(cfg.device_config).toBe(path.join(dir, 'devices.json'));
    expect(cfg.receipt_dir).toBe(path.join(dir, 'receipts'));
    const dc = registerDeviceConfig(cfg);
    expect(dc.devices.printer).toMatchObject({ type: 'printer', connection: { transport: 'tcp', host: '10.0.0.5', port: 9100 }, profile: 'generic-escpos-80' });
    expect(dc.devices.drawer).toMatchObject({ type: 'drawer', via: 'printer', printer: 'printer', openAlertSeconds: 60 });
    expect(dc.devices.scanner).toMatchObject({ type: 'scanner', connection: { transport: 'serial', path: '/dev/ttyACM0', baudRate: 9600 }, suffix: 'CR' });
    expect(dc.devices.payment).toMatchObject({ type: 'payment', currency: 'EUR', connection: { transport: 'tcp', port: 20007 } });
    expect(dc.devices.display).toMatchObject({ type: 'display', locale: 'de-DE' });
    // Read once: the second load finds nothing to migrate and says nothing.
    const again: string[] = [];
    expect(registerDeviceConfig(loadRegisterConfig(file, (m) => again.push(m)))).toEqual(dc);
    expect(again).toEqual([]);
  });

  it('refuses a file with both the old block and device_config, and names a bad inline entry', () => {
    expect(() => parseRegisterConfig({ ...base, devices: {}, device_config: 'devices.json' })).toThrow(/both the old `devices` block and `device_config`/);
    expect(() => parseRegisterConfig({ ...base, device_config: { version: 1, devices: { printer: { type: 'printer', connection: { transport: 'usb', device: '4b8' }, profile: 'epson-tm-t88vi' } } } })).toThrow(/device_config\.devices\.printer\.connection\.device/);
  });

  it('picks a device per role: the one named like its type, else the only one; several unnamed is a problem', () => {
    const cfg = parseRegisterConfig({
      ...base,
      device_config: {
        version: 1,
        devices: {
          front: { type: 'printer', connection: { transport: 'usb', device: '04b8:0202' }, profile: 'epson-tm-t88vi' },
          kitchen: { type: 'printer', connection: { transport: 'tcp', host: '10.0.0.6' }, profile: 'generic-escpos-80' },
          till: { type: 'drawer', via: 'printer', printer: 'front' },
          a: { type: 'scanner', connection: { transport: 'serial', path: '/dev/ttyACM0' } },
          b: { type: 'scanner', connection: { transport: 'hid', device: '05e0:1900' }, protocol: 'hid-pos' },
        },
      },
    });
    const r = registerRoles(registerDeviceConfig(cfg));
    expect(r.roles.drawer).toBe('till');
    expect(r.roles.printer).toBeUndefined();
    expect(r.problems).toEqual(['several printers (front, kitchen): name the one the register uses "printer"']);
    expect(r.scanners).toEqual(['a', 'b']);
  });

  it('runs a USB receipt printer and its drawer from the drivers configuration (virtual USB bus), with paper status', async () => {
    const bus = new VirtualUsbBus();
    const sim = new PrinterSimulator({ openDrawerOnPulse: true });
    const plug = bus.attachPrinter(sim, { vendorId: 0x04b8, productId: 0x0202, product: 'TM-T88VI' });
    const cfg = parseRegisterConfig({
      ...base,
      device_config: {
        version: 1,
        devices: {
          printer: { type: 'printer', connection: { transport: 'usb', device: '04b8:0202' }, profile: 'epson-tm-t88vi', statusPollMs: 50, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } },
          drawer: { type: 'drawer', via: 'printer', printer: 'printer', pulse: { pin: 5 }, openAlertSeconds: 0.3 },
        },
      },
    });
    const d = await DriverDevices.start(cfg, { bindings: [bus.binding] });
    try {
      expect(d.status().map((s) => [s.kind, s.state, s.port])).toEqual([
        ['printer', 'idle', 'usb 04b8:0202'],
        ['drawer', 'idle', 'via printer'],
      ]);
      const r = await d.test('printer');
      expect(r.ok).toBe(true);
      await until(() => sim.receipts().some((t) => t.includes('Tillstream test print')), 'the test page on the simulated USB printer');
      let pin = 0;
      sim.once('pulse', (p) => (pin = p));
      await d.openDrawer();
      await until(() => pin !== 0, 'the kick pulse');
      expect(pin).toBe(5);
      // Left open past openAlertSeconds: flagged with what to do, cleared when it closes.
      await until(() => d.status()[1]!.flags.includes('drawer_open_too_long'), 'the drawer-open-too-long flag');
      expect(d.status()[1]!.advice).toBe('Drawer open too long: close it; call a manager if cash is missing');
      sim.setDrawer(false);
      await until(() => !d.status()[1]!.flags.includes('drawer_open') && !d.status()[1]!.flags.includes('drawer_open_too_long'), 'the drawer closed');
      sim.runOutOfPaper();
      await until(() => d.status()[0]!.flags.includes('paper_empty'), 'paper empty on the status');
      expect(d.status()[0]!.advice).toContain('out of paper');
      // Unplugged and back: offline, then online again by itself.
      bus.unplug(plug);
      await until(() => d.status()[0]!.state === 'offline', 'offline after unplug');
      sim.refill();
      bus.replug(plug);
      await until(() => d.status()[0]!.state === 'idle' && !d.status()[0]!.flags.includes('paper_empty'), 'back online after replug');
    } finally {
      await d.close();
    }
  });

  it('a Star printer (StarPRNT, raw TCP) reports paper-out and cover-open on the register like an Epson, from its automatic status', async () => {
    const sim = new PrinterSimulator({ profile: 'star-tsp100iv' });
    const server = await servePrinterOnTcp(sim);
    const cfg = parseRegisterConfig({
      ...base,
      device_config: { version: 1, devices: { printer: { type: 'printer', connection: { transport: 'tcp', host: '127.0.0.1', port: server.port }, profile: 'star-tsp100iv', statusPollMs: 50 } } },
    });
    const d = await DriverDevices.start(cfg);
    try {
      await until(() => d.status()[0]!.state === 'idle', 'the Star printer online');
      expect((await d.test('printer')).ok).toBe(true);
      await until(() => sim.receipts().some((t) => t.includes('Tillstream test print')), 'the test page on the Star simulator');
      sim.runOutOfPaper();
      await until(() => d.status()[0]!.flags.includes('paper_empty'), 'paper empty on the status');
      expect(d.status()[0]!.advice).toContain('out of paper');
      sim.refill();
      sim.openCover();
      await until(() => d.status()[0]!.flags.includes('cover_open') && !d.status()[0]!.flags.includes('paper_empty'), 'cover open on the status');
      expect(d.status()[0]!.advice).toBe('Printer cover open: close it');
      sim.closeCover();
      await until(() => !d.status()[0]!.flags.includes('cover_open'), 'cover closed again');
      expect(sim.statusRequests).toBeGreaterThan(0); // ESC ACK SOH enquiries, answered with the automatic status
    } finally {
      await d.close();
      await server.close();
    }
  });

  it('the customer display shows the paid screen again after it is unplugged and plugged back in (real serial binding on a PTY)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-register-display-'));
    let pty = await createPtyPair({ dir });
    let devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
    let sim = new DisplaySimulator(devEnd);
    const cfg = parseRegisterConfig({
      ...base,
      device_config: { version: 1, devices: { display: { type: 'display', connection: { transport: 'serial', path: pty.hostPath, baudRate: 9600 }, locale: 'de-DE', idleText: ['Willkommen', ''], reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } } },
    });
    const d = await DriverDevices.start(cfg);
    const shows = (s: DisplaySimulator, a: string, b: string) => () => s.lines()[0].includes(a) && s.lines()[1].includes(b);
    try {
      await until(() => d.status()[0]?.state === 'idle', 'the display online');
      await d.showCustomer({ kind: 'paid', tendered: { amount: 2000, currency: 'EUR' }, change: { amount: 526, currency: 'EUR' } });
      await until(shows(sim, 'Paid', 'Change'), 'Paid / Change on the display');
      expect(sim.lines()[1].replace(/\u00a0/g, ' ')).toContain('5,26 €');
      // Unplugged: the register sees it offline.
      await devEnd.close();
      await pty.close();
      await until(() => d.status()[0]?.state === 'offline', 'offline after unplug');
      // Plugged back in at the same path, blank as a display that just powered up: redrawn by itself.
      const hostLink = pty.hostPath;
      expect(existsSync(hostLink)).toBe(false);
      pty = await createPtyPair();
      devEnd = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
      sim = new DisplaySimulator(devEnd);
      symlinkSync(pty.pts[0], `${hostLink}.new`);
      renameSync(`${hostLink}.new`, hostLink);
      await until(shows(sim, 'Paid', 'Change'), 'the paid screen redrawn after the replug', 20_000);
      expect(d.status()[0]?.state).toBe('idle');
    } finally {
      await d.close();
      await devEnd.close().catch(() => undefined);
      await pty.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
