import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_DEVICE_CONFIG_PATH, DeviceConfigError, loadDeviceConfig } from '../../drivers/config/load';
import { DEVICE_SUPPORT, createDeviceContext } from '../../drivers/config/registry';
import { errorMessage } from '../../drivers/device/pos-device';
import { isPosError } from '../../drivers/device/result';
import { listPrinterProfiles } from '../../drivers/printer/profiles';
import { createPtyPair } from '../../drivers/simulators/pty';
import { PrinterSimulator, servePrinterOnPty, servePrinterOnTcp } from '../../drivers/simulators/printer-sim';
import { UDEV_RULES_FILE } from '../../drivers/transport/errors';
import { listAllDevices, REAL_BINDINGS } from '../../drivers/transport/bindings';
import { runDetect, terminalIo } from './devices-detect';
import { hex4 } from '../../drivers/transport/base';
import type { FoundDevice, TransportKind } from '../../drivers/transport/transport';
import { POS_VENDORS } from '../../drivers/transport/vendors';

// `tillstream devices …`: what store IT uses to find devices, check the configuration and try
// each device. Device types register their test in src/drivers/config/registry.ts (DEVICE_SUPPORT).

function serialAccessHint(p: string): string | undefined {
  try {
    accessSync(p, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' ? `no read/write access: add the user to 'dialout' (sudo usermod -aG dialout $USER, log in again) or install ${UDEV_RULES_FILE}` : undefined;
  }
}

function describe(d: FoundDevice): string {
  const ids = d.vendorId !== undefined && d.productId !== undefined ? `${hex4(d.vendorId)}:${hex4(d.productId)}` : '';
  const vendor = d.vendorId !== undefined ? POS_VENDORS[d.vendorId] : undefined;
  const words = [d.manufacturer, d.product, d.serialNumber ? `serial ${d.serialNumber}` : '', d.usagePage !== undefined ? `usage page 0x${d.usagePage.toString(16)}` : '', vendor ? `(${vendor.name} ${vendor.kind})` : '']
    .filter(Boolean)
    .join('  ');
  return `${d.kind.padEnd(6)} ${(d.kind === 'serial' ? d.id : ids).padEnd(d.kind === 'serial' ? 28 : 10)} ${d.kind === 'serial' && ids ? `${ids}  ` : ''}${words}`;
}

export function register(program: Command): void {
  const devices = program.command('devices').description('find, check and test receipt printers, drawers, scanners and other devices');

  devices
    .command('list')
    .description('list serial ports, USB and HID devices with vendor:product ids')
    .option('--json', 'machine-readable output')
    .option('--kind <kinds>', 'comma-separated: serial,usb,hid', 'serial,usb,hid')
    .action(async (opts: { json?: boolean; kind: string }) => {
      const kinds = opts.kind.split(',').map((k) => k.trim()) as TransportKind[];
      const result = await listAllDevices(kinds);
      const devicesOut = result.devices.map((d) => ({ ...d, ...(d.kind === 'serial' ? { access: serialAccessHint(d.id) ?? 'ok' } : {}) }));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ devices: devicesOut, errors: result.errors }, null, 2)}\n`);
        return;
      }
      if (devicesOut.length === 0) process.stdout.write('no devices found\n');
      for (const d of devicesOut) {
        process.stdout.write(`${describe(d)}\n`);
        if ('access' in d && d.access !== 'ok') process.stdout.write(`       ! ${d.access}\n`);
      }
      for (const e of result.errors) process.stdout.write(`(${e.kind} listing failed: ${e.message})\n`);
    });

  devices
    .command('detect')
    .description('find serial, USB and HID devices, propose a configuration for the ones recognised, ask about the others, and write it after you confirm')
    .option('--config <file>', 'device configuration to add to (created if missing)', DEFAULT_DEVICE_CONFIG_PATH)
    .option('--yes', 'no questions: add what is recognised, leave unknown devices out (for scripts)')
    .action(async (opts: { config: string; yes?: boolean }) => {
      mkdirSync(path.dirname(path.resolve(opts.config)), { recursive: true });
      const io = terminalIo();
      try {
        process.exitCode = await runDetect({ bindings: Object.values(REAL_BINDINGS).filter((b) => b.kind !== 'tcp'), configFile: opts.config, yes: opts.yes === true, io });
      } finally {
        io.close();
      }
    });

  devices
    .command('profiles')
    .description('printer model profiles usable in the configuration')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const list = listPrinterProfiles();
      if (opts.json) process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      else for (const p of list) process.stdout.write(`${p.id.padEnd(24)} ${p.name}\n`);
    });

  devices
    .command('check')
    .description('validate the device configuration file')
    .option('--config <file>', 'device configuration', DEFAULT_DEVICE_CONFIG_PATH)
    .action((opts: { config: string }) => {
      try {
        const cfg = loadDeviceConfig(opts.config);
        for (const [name, d] of Object.entries(cfg.devices)) process.stdout.write(`${name.padEnd(12)} ${d.type}\n`);
        process.stdout.write(`${opts.config}: ok\n`);
      } catch (err) {
        if (!(err instanceof DeviceConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
      }
    });

  devices
    .command('test <name>')
    .description('open a configured device and exercise it (printer: test page; drawer: kick and wait for close)')
    .option('--config <file>', 'device configuration', DEFAULT_DEVICE_CONFIG_PATH)
    .option('--wait <seconds>', 'how long to wait for a person (close the drawer, scan a code)', '30')
    .action(async (name: string, opts: { config: string; wait: string }) => {
      let cfg;
      try {
        cfg = loadDeviceConfig(opts.config);
      } catch (err) {
        if (!(err instanceof DeviceConfigError)) throw err;
        process.stderr.write(`${err.message}\n`);
        process.exitCode = 2;
        return;
      }
      const entry = cfg.devices[name];
      if (!entry) {
        process.stderr.write(`no device "${name}" in ${opts.config} (have: ${Object.keys(cfg.devices).join(', ') || 'none'})\n`);
        process.exitCode = 2;
        return;
      }
      const support = DEVICE_SUPPORT.find((s) => s.type === entry.type);
      if (!support?.test) {
        process.stderr.write(`no test for device type "${entry.type}" yet\n`);
        process.exitCode = 2;
        return;
      }
      const ctx = createDeviceContext(cfg);
      const report = { line: (s: string) => process.stdout.write(`${name}: ${s}\n`), waitSeconds: Number(opts.wait) };
      try {
        const device = ctx.device(name);
        // Dependencies first (a drawer's printer).
        for (const [n, d] of ctx.all()) if (n !== name) await d.start();
        await device.start();
        report.line(`opened, claimed and enabled (${entry.type})`);
        await support.test(device, report, ctx);
        report.line('PASS');
      } catch (err) {
        const code = isPosError(err) ? ` [${err.code}]` : '';
        process.stderr.write(`${name}: FAIL${code}: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      } finally {
        for (const d of [...ctx.all().values()].reverse()) if (d.opened) await d.close().catch(() => undefined);
      }
    });

  devices
    .command('simulate-printer')
    .description('run the virtual ESC/POS printer on a PTY (serial) and/or a loopback TCP port until Ctrl-C')
    .option('--tcp <port>', 'also listen on 127.0.0.1:<port> (0 = any free port)')
    .option('--no-pty', 'do not create a serial PTY')
    .option('--out <dir>', 'write each cut receipt as .txt and .png here', '.tillstream/printer-sim')
    .action(async (opts: { tcp?: string; pty: boolean; out: string }) => {
      const sim = new PrinterSimulator();
      mkdirSync(opts.out, { recursive: true });
      let n = 0;
      let from = 0;
      sim.on('cut', (receipt) => {
        n++;
        const base = path.join(opts.out, `receipt-${String(n).padStart(4, '0')}`);
        writeFileSync(`${base}.txt`, `${receipt}\n`);
        writeFileSync(`${base}.png`, sim.renderPng({ from }));
        from = sim.paper.length;
        process.stdout.write(`printed ${base}.png\n`);
      });
      sim.on('pulse', (pin) => process.stdout.write(`drawer kick on pin ${pin}\n`));
      const closers: Array<() => Promise<void>> = [];
      if (opts.pty) {
        const pair = await createPtyPair();
        const server = await servePrinterOnPty(sim, pair.devicePath);
        closers.push(() => server.close(), () => pair.close());
        process.stdout.write(`serial: ${pair.hostPath}\n`);
      }
      if (opts.tcp !== undefined) {
        const server = await servePrinterOnTcp(sim, Number(opts.tcp));
        closers.push(() => server.close());
        process.stdout.write(`tcp: 127.0.0.1:${server.port}\n`);
      }
      process.stdout.write('commands on stdin: paper-out, refill, cover-open, cover-close, drawer-close\n');
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (s: string) => {
        for (const cmd of s.split(/\s+/).filter(Boolean)) {
          if (cmd === 'paper-out') sim.runOutOfPaper();
          else if (cmd === 'refill') sim.refill();
          else if (cmd === 'cover-open') sim.openCover();
          else if (cmd === 'cover-close') sim.closeCover();
          else if (cmd === 'drawer-close') sim.setDrawer(false);
          else process.stdout.write(`unknown: ${cmd}\n`);
        }
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stdin.pause();
      for (const c of closers) await c().catch(() => undefined);
    });
}
