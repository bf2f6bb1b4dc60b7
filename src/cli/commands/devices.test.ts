// The `tillstream devices` commands as store IT runs them: a child process against the printer
// simulator on a loopback port.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrinterSimulator, servePrinterOnTcp, type TcpSimServer } from '../../drivers/simulators/printer-sim';

const BIN = path.resolve(__dirname, '../../../bin/tillstream.mjs');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 80_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let dir: string;
let sim: PrinterSimulator;
let server: TcpSimServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tillstream-cli-devices-'));
  sim = new PrinterSimulator();
  server = await servePrinterOnTcp(sim);
  writeFileSync(
    path.join(dir, 'devices.json'),
    JSON.stringify({
      version: 1,
      devices: {
        printer: { type: 'printer', connection: { transport: 'tcp', host: '127.0.0.1', port: server.port }, profile: 'epson-tm-t88vi' },
        drawer: { type: 'drawer', via: 'printer', printer: 'printer' },
      },
    }),
  );
  writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ version: 1, devices: { printer: { type: 'printer', connection: { transport: 'usb', device: '4b8' }, profile: 'epson-tm-t88vi' } } }));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tillstream devices', { timeout: 90_000 }, () => {
  it('test <printer> prints a test page and passes', async () => {
    const r = await cli(['devices', 'test', 'printer', '--config', path.join(dir, 'devices.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('printer: status: online, cover closed, paper ok');
    expect(r.stdout).toContain('printer: PASS');
    expect(sim.text()).toContain('Tillstream test print');
    expect(sim.text()).toContain('[QR tillstream-test]');
  });

  it('test <printer> on a Star printer (StarPRNT over TCP) reads its automatic status: paper near its end, then printed', async () => {
    const star = new PrinterSimulator({ profile: 'star-tsp100iv', paperLines: 400, nearEndLines: 500 });
    const starServer = await servePrinterOnTcp(star);
    try {
      const cfg = path.join(dir, 'star.json');
      writeFileSync(cfg, JSON.stringify({ version: 1, devices: { printer: { type: 'printer', connection: { transport: 'tcp', host: '127.0.0.1', port: starServer.port }, profile: 'star-tsp100iv' } } }));
      const r = await cli(['devices', 'test', 'printer', '--config', cfg]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('printer: status: online, cover closed, paper near-end');
      expect(r.stdout).toContain('printer: PASS');
      expect(star.text()).toContain('Tillstream test print');
      expect(star.text()).toContain('[QR tillstream-test]');
    } finally {
      await starServer.close();
    }
  });

  it('test <drawer> kicks the drawer and sees it open', async () => {
    const pulses: number[] = [];
    sim.on('pulse', (pin) => pulses.push(pin));
    const r = await cli(['devices', 'test', 'drawer', '--config', path.join(dir, 'devices.json'), '--wait', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('drawer: drawer reports OPEN');
    expect(pulses).toEqual([2]);
  });

  it('fails with the cause when the printer is unreachable', async () => {
    const cfg = path.join(dir, 'gone.json');
    writeFileSync(cfg, JSON.stringify({ version: 1, devices: { printer: { type: 'printer', connection: { transport: 'serial', path: path.join(dir, 'no-such-tty') }, profile: 'epson-tm-t88vi' } } }));
    const r = await cli(['devices', 'test', 'printer', '--config', cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/FAIL \[E_NOHARDWARE\].*no-such-tty/);
  });

  it('check lists each bad field with its path', async () => {
    const r = await cli(['devices', 'check', '--config', path.join(dir, 'bad.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('devices.printer.connection.device');
  });

  it('list --json is JSON with devices and per-kind errors', async () => {
    const r = await cli(['devices', 'list', '--json', '--kind', 'serial,hid']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { devices: unknown[]; errors: unknown[] };
    expect(Array.isArray(out.devices) && Array.isArray(out.errors)).toBe(true);
  });
});
