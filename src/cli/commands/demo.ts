import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Command } from 'commander';
import { z } from 'zod';
import { createEnrollmentCode, openDb, migrate, redeemEnrollmentCode, startHub, type Db, type HubHandle } from '../../hub';
import { demoProducts, seedDemoStore } from '../../hub/demo/seed';
import { setPassword } from '../../hub/users';
import { tlsInit } from '../../hub/tls/init';
import { certFingerprint } from '../../hub/tls/pki';
import {
  DriverDevices,
  hashPin,
  journalPaymentHooks,
  parseRegisterConfig,
  redeemWithHub,
  startRegister,
  startVirtualDevices,
  type RunningRegister,
  type VirtualDevices,
} from '../../main/register';
import { openRegisterWindow } from './demo-window';

/** This checkout (node_modules/electron and dist/ are under it), wherever the demo is started from. */
const CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// `tillstream demo` (= `npm start`): a whole store on one machine with no setup. A hub on
// embedded Postgres (PGlite under ./.tillstream/demo), the demo catalog, one enrolled
// register, virtual scanner/scale/printer/drawer/card terminal speaking their real protocols,
// and the cashier UI (Electron when installed, else the browser host URL). Type a barcode in
// the terminal to scan it; `tillstream demo scan <code>` does the same from another shell.

// admin_password: the bootstrap admin's console password (user `admin`), made on the first run.
const stateSchema = z.object({ admin_token: z.string().min(16), admin_password: z.string().min(10).optional(), register_token: z.string().min(8), terminal_id: z.string(), store_id: z.string() });
type DemoState = z.infer<typeof stateSchema>;
const controlSchema = z.object({ port: z.number().int().min(1).max(65535), token: z.string().min(16) });

export const DEMO_CASHIER = { id: '1001', pin: '1234', name: 'Alex Cashier' };
export const DEMO_MANAGER = { id: '9001', pin: '9876', name: 'Morgan Manager' };

function demoDir(opt?: string): string {
  return path.resolve(opt ?? path.join('.tillstream', 'demo'));
}

async function setupOnce(db: Db, dir: string, hub: HubHandle): Promise<DemoState> {
  const file = path.join(dir, 'state.json');
  if (existsSync(file)) {
    const r = stateSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (r.success) return r.data;
  }
  await seedDemoStore(db, { stores: ['store-001'], products: 300, currency: 'USD' });
  const { code } = await createEnrollmentCode(db, { store_id: 'store-001', terminal_id: 'T01' });
  // Over TLS the register enrolls the way store IT does: the code and the hub's pin, over HTTPS.
  const pin = hub.tlsPin();
  const enrolled = pin ? await redeemWithHub({ hub: hub.url, code, pin }) : await redeemEnrollmentCode(db, code);
  const token = 'hub' in enrolled ? enrolled.hub.token : enrolled.token;
  const state: DemoState = { admin_token: '', register_token: token, terminal_id: enrolled.terminal_id, store_id: enrolled.store_id };
  return state;
}

interface Demo {
  hub: HubHandle;
  register: RunningRegister;
  virtual: VirtualDevices;
  control: http.Server;
  close(): Promise<void>;
}

export async function startDemo(opts: { dir?: string; hubPort?: number; registerPort?: number; quiet?: boolean; tls?: boolean; log?: (line: string) => void } = {}): Promise<Demo & { registerUrl: string; hqUrl: string; adminToken: string; adminPassword: string; dir: string }> {
  const dir = demoDir(opts.dir);
  mkdirSync(dir, { recursive: true });
  const log = (m: string) => (opts.log ? opts.log(m) : opts.quiet ? undefined : process.stdout.write(`${m}\n`));
  const stateFile = path.join(dir, 'state.json');
  let adminToken = '';
  let adminPassword = '';
  if (existsSync(stateFile)) {
    const r = stateSchema.safeParse(JSON.parse(readFileSync(stateFile, 'utf8')));
    if (r.success) {
      adminToken = r.data.admin_token;
      adminPassword = r.data.admin_password ?? '';
    }
  }
  if (!adminToken) adminToken = `demo-admin-${randomBytes(16).toString('hex')}`;
  log(`Starting the hub (embedded Postgres in ${path.join(dir, 'hub-pg')}) …`);
  const db = await openDb({ dataDir: path.join(dir, 'hub-pg') });
  await migrate(db);
  // --tls: a private CA and server certificate in <dir>/tls (made once, like `hub tls init`).
  const tlsFiles = opts.tls ? await demoTls(path.join(dir, 'tls'), log) : null;
  const hub = await startHub({ db, port: opts.hubPort ?? 0, host: '127.0.0.1', logLevel: 'warn', adminToken, ...(tlsFiles ? { tls: { certFile: tlsFiles.cert, keyFile: tlsFiles.key } } : {}) });
  const closers: Array<() => Promise<unknown>> = [() => db.close(), () => hub.close()];
  try {
    const state = await setupOnce(db, dir, hub);
    state.admin_token = adminToken;
    // The console signs in with a password: the demo gives the bootstrap admin one (printed).
    if (!adminPassword) {
      adminPassword = `demo-${randomBytes(9).toString('base64url')}`;
      await setPassword(db, 'admin', adminPassword);
    }
    state.admin_password = adminPassword;
    writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });

    const virtual = await startVirtualDevices({ currency: 'USD', receiptDir: path.join(dir, 'receipts') });
    closers.push(() => virtual.close());
    log(
      virtual.serial === 'pty'
        ? 'Virtual devices: scanner, scale and customer display on socat PTYs, an Epson receipt printer on a virtual USB bus, a ZVT card terminal on loopback TCP.'
        : 'socat not found: the virtual scanner, scale and customer display run in-process (same drivers, no serial port); install socat for real PTYs.',
    );
    const deviceFile = path.join(dir, 'devices.json');
    writeFileSync(deviceFile, `${JSON.stringify(virtual.deviceConfig, null, 2)}
`);
    const pinsFile = path.join(dir, 'cashiers.json');
    let cashiers: unknown;
    if (existsSync(pinsFile)) cashiers = JSON.parse(readFileSync(pinsFile, 'utf8'));
    else {
      cashiers = [
        { cashier_id: DEMO_CASHIER.id, name: DEMO_CASHIER.name, role: 'cashier', pin_hash: hashPin(DEMO_CASHIER.pin) },
        { cashier_id: DEMO_MANAGER.id, name: DEMO_MANAGER.name, role: 'manager', pin_hash: hashPin(DEMO_MANAGER.pin) },
      ];
      writeFileSync(pinsFile, JSON.stringify(cashiers, null, 2), { mode: 0o600 });
    }
    const config = parseRegisterConfig({
      terminal_id: state.terminal_id,
      store_id: state.store_id,
      store_name: 'Tillstream Demo Store',
      store_lines: ['12 Market Street', 'New York, NY 10001'],
      currency: 'USD',
      locale: 'en-US',
      language: 'en',
      journal_path: path.join(dir, 'register', 'journal.sqlite'),
      hub: tlsFiles
        ? { url: hub.url, token: state.register_token, ca: readFileSync(tlsFiles.caCert, 'utf8'), pin: certFingerprint(readFileSync(tlsFiles.caCert)) }
        : { url: hub.url, token: state.register_token },
      cashiers,
      // One device configuration, in the drivers' format (what `tillstream devices check --config` reads).
      device_config: deviceFile,
      receipt_dir: path.join(dir, 'receipts'),
    });
    // Built once the journal is open: an unresolved card payment blocks the terminal after a restart too.
    const register = await startRegister({
      config,
      devices: (journal) => DriverDevices.start(config, { log, bindings: virtual.bindings, hooks: journalPaymentHooks(journal) }),
      browser: { port: opts.registerPort ?? 0 }, syncMonitorMs: 1000, log });
    closers.push(() => register.close());

    // Control port for `tillstream demo scan <code>` from another terminal (loopback + token).
    const controlToken = randomBytes(18).toString('base64url');
    const control = http.createServer((req, res) => {
      const given = Buffer.from(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const want = Buffer.from(controlToken);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return void res.writeHead(403).end('forbidden');
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const code = u.searchParams.get('code') ?? '';
      if (req.method !== 'POST' || u.pathname !== '/scan' || !/^[\x20-\x7e]{1,128}$/.test(code)) return void res.writeHead(400).end('POST /scan?code=<barcode>');
      virtual.scan(code).then(
        () => res.writeHead(200).end('scanned\n'),
        (err) => res.writeHead(500).end(String(err)),
      );
    });
    await new Promise<void>((r) => control.listen(0, '127.0.0.1', () => r()));
    closers.push(() => new Promise((r) => control.close(() => r(undefined))));
    writeFileSync(path.join(dir, 'control.json'), JSON.stringify({ port: (control.address() as AddressInfo).port, token: controlToken }), { mode: 0o600 });

    let closed = false;
    return {
      hub, register, virtual, control, dir, adminToken, adminPassword,
      registerUrl: register.host!.url,
      hqUrl: `${hub.url}/hq/`,
      async close() {
        if (closed) return;
        closed = true;
        for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function demoTls(tlsDir: string, log: (m: string) => void): Promise<{ caCert: string; cert: string; key: string }> {
  const files = { caCert: path.join(tlsDir, 'ca.pem'), cert: path.join(tlsDir, 'server.pem'), key: path.join(tlsDir, 'server-key.pem') };
  if (existsSync(files.caCert) && existsSync(files.cert) && existsSync(files.key)) return files;
  const r = await tlsInit({ dir: tlsDir, names: ['localhost', '127.0.0.1', '::1'], force: true });
  log(`Made a private CA for the demo hub in ${tlsDir}; registers pin ${r.pin}`);
  return files;
}

function helpText(sample: { name: string; code: string }[]): string {
  return [
    'Type a barcode and Enter to scan it with the virtual scanner. Commands:',
    '  w <grams>        put something on the scale (e.g. "w 1250"), "w 0" to clear it',
    '  card decline     the next card payment is declined ("card approve" to reset)',
    '  paper out|in     the printer runs out of paper / gets a new roll',
    '  codes            show sample barcodes',
    '  q                stop the demo',
    'Sample barcodes:',
    ...sample.map((s) => `  ${s.code}  ${s.name}`),
  ].join('\n');
}

export function register(program: Command): void {
  const demo = program
    .command('demo')
    .description('Run a whole demo store on this machine: hub, register, virtual devices (npm start)')
    .option('--dir <path>', 'data folder', path.join('.tillstream', 'demo'))
    .option('--hub-port <n>', 'hub port (default: a free one)', (v) => Number(v))
    .option('--register-port <n>', 'register UI port (default: a free one)', (v) => Number(v))
    .option('--no-electron', 'do not open Electron even if it is installed')
    .option('--tls', 'run the hub on HTTPS/WSS with a private CA made in <dir>/tls; the register enrolls with its pin')
    .action(async (o: { dir: string; hubPort?: number; registerPort?: number; electron: boolean; tls?: boolean }) => {
      const d = await startDemo({ dir: o.dir, hubPort: o.hubPort, registerPort: o.registerPort, tls: o.tls });
      // The seeded catalog (deterministic), for sample codes to type at the prompt.
      const seeded = demoProducts(300, 'USD');
      const sample = seeded.filter((p) => p.unit === 'each' && p.gtins[0]).slice(0, 5).map((p) => ({ name: p.name, code: p.gtins[0]! }));
      const weighed = seeded.find((p) => p.unit === 'kg');
      if (weighed?.gtins[0]) sample.push({ name: `${weighed.name} (scan, then it is weighed: use "w 500" first)`, code: weighed.gtins[0] });
      const out = process.stdout;
      out.write(`\nTillstream demo is running.\n`);
      out.write(`  Register (cashier UI):  ${d.registerUrl}\n`);
      out.write(`  HQ console:             ${d.hqUrl}   (sign in: admin / ${d.adminPassword})\n`);
      out.write(`  HQ API token (scripts): ${d.adminToken}\n`);
      out.write(`  Sign in: cashier ${DEMO_CASHIER.id} / PIN ${DEMO_CASHIER.pin}; manager PIN ${DEMO_MANAGER.pin} (${DEMO_MANAGER.id})\n`);
      out.write(`  Receipts (text + PNG):  ${path.join(d.dir, 'receipts')}\n\n`);
      const window = await openRegisterWindow({ registerUrl: d.registerUrl, root: CHECKOUT, electron: o.electron, say: (line) => out.write(`${line}\n`) });
      out.write(`\n${helpText(sample)}\n\n`);
      const stop = async () => {
        out.write('Stopping …\n');
        if (window.kind === 'electron' && window.child.exitCode === null) window.child.kill('SIGTERM');
        await d.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      if (!process.stdin.isTTY) return; // keep running; control via `tillstream demo scan`
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout, prompt: 'scan> ' });
      rl.prompt();
      rl.on('line', (line) => {
        const t = line.trim();
        void (async () => {
          try {
            if (t === 'q' || t === 'quit') return void (await stop());
            if (t === 'codes' || t === 'help') out.write(`${helpText(sample)}\n`);
            else if (/^w\s+\d{1,6}$/.test(t)) d.virtual.place(Number(t.split(/\s+/)[1]));
            else if (t === 'card decline') d.virtual.nextCard({ kind: 'decline', resultCode: 0x05 });
            else if (t === 'card approve') d.virtual.nextCard({ kind: 'approve' });
            else if (t === 'paper out') d.virtual.printer.runOutOfPaper();
            else if (t === 'paper in') d.virtual.printer.refill();
            else if (/^[\x20-\x7e]{1,128}$/.test(t)) await d.virtual.scan(t);
          } catch (err) {
            out.write(`${err instanceof Error ? err.message : String(err)}\n`);
          }
          rl.prompt();
        })();
      });
    });

  demo
    .command('scan <code>')
    .description('Scan a barcode with the virtual scanner of the running demo')
    .action(async (code: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals() as { dir?: string };
      const file = path.join(demoDir(o.dir), 'control.json');
      if (!existsSync(file)) throw new Error(`no running demo found (${file} missing): start it with "npm start"`);
      const c = controlSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      const res = await fetch(`http://127.0.0.1:${c.port}/scan?code=${encodeURIComponent(code)}`, { method: 'POST', headers: { authorization: `Bearer ${c.token}` } }).catch(() => null);
      if (!res) throw new Error('the demo is not running (control port closed)');
      process.stdout.write(await res.text());
      if (!res.ok) process.exitCode = 1;
    });
}
