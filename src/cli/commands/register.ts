import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { configExposure, DriverDevices, hashPin, loadRegisterConfig, parseRegisterConfig, startRegister } from '../../main/register';

// `tillstream register`: what store IT runs on a terminal. `enroll` exchanges the one-time
// code from HQ for this register's own credential and writes it into register.json;
// `start` runs the register with its configured devices and serves the cashier UI on
// 127.0.0.1 (the Electron shell does the same without the browser host); `hash-pin` makes
// the pin_hash for a cashier entry.

const enrollResponseSchema = z.object({
  token: z.string().min(1),
  store_id: z.string().min(1),
  terminal_id: z.string().min(1),
});

const ENROLL_TIMEOUT_MS = 15_000;

export async function enrollRegister(o: { hub: string; code: string; config: string }): Promise<{ store_id: string; terminal_id: string }> {
  let hubUrl: URL;
  try {
    hubUrl = new URL(o.hub);
  } catch (err) {
    throw new Error(`--hub: not a URL: ${o.hub}`, { cause: err });
  }
  if (hubUrl.protocol !== 'https:' && hubUrl.protocol !== 'http:') throw new Error(`--hub: must be http(s), got ${hubUrl.protocol}`);
  if (!existsSync(o.config)) throw new Error(`${o.config}: no register config; start from resources/register.example.json (see docs/register.md)`);
  let current: unknown;
  try {
    current = JSON.parse(readFileSync(o.config, 'utf8'));
  } catch (err) {
    throw new Error(`${o.config}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof current !== 'object' || current === null || Array.isArray(current)) throw new Error(`${o.config}: must hold a JSON object`);

  const res = await fetch(new URL('/api/enroll', hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: o.code }),
    signal: AbortSignal.timeout(ENROLL_TIMEOUT_MS),
  }).catch((err: unknown) => {
    throw new Error(`cannot reach the hub at ${hubUrl.origin}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = (body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`;
    throw new Error(`the hub refused the enrollment code: ${msg}`);
  }
  const enrolled = enrollResponseSchema.parse(body);

  // Validate the whole new file before touching the old one, then replace it atomically:
  // a register must never be left with half a config or a lost credential.
  const next = { ...(current as Record<string, unknown>), terminal_id: enrolled.terminal_id, store_id: enrolled.store_id, hub: { url: hubUrl.origin, token: enrolled.token } };
  parseRegisterConfig(next);
  const tmp = path.join(path.dirname(path.resolve(o.config)), `.${path.basename(o.config)}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, o.config);
  return { store_id: enrolled.store_id, terminal_id: enrolled.terminal_id };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (chunks.reduce((n, b) => n + b.length, 0) > 1024) throw new Error('PIN input too long');
  }
  return Buffer.concat(chunks).toString('utf8').trim();
}

export function register(program: Command): void {
  const reg = program.command('register').description('Enroll and run a register on this terminal (store IT)');

  reg
    .command('enroll')
    .description('Exchange a one-time enrollment code from HQ for this register\'s credential and write it into the register config')
    .requiredOption('--hub <url>', 'the hub, e.g. https://hub.example.com')
    .requiredOption('--code <code>', 'the enrollment code (tillstream hub enroll-code, or the HQ console)')
    .option('--config <file>', 'register config file', 'register.json')
    .action(async (o: { hub: string; code: string; config: string }) => {
      const r = await enrollRegister(o);
      process.stdout.write(`enrolled terminal ${r.terminal_id} of store ${r.store_id}; credential written to ${o.config}\n`);
    });

  reg
    .command('start')
    .description('Run the register with its configured devices and serve the cashier UI on 127.0.0.1')
    .option('--config <file>', 'register config file', 'register.json')
    .option('--port <n>', 'port of the cashier UI (0 = any free port)', '0')
    .option('--no-devices', 'start without devices (e.g. to check the config or sync)')
    .option('--allow-readable-config', 'start even if the config (hub credential, PIN hashes) is readable by other users')
    .action(async (o: { config: string; port: string; devices: boolean; allowReadableConfig?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${o.port}`);
      const exposed = existsSync(o.config) ? configExposure(o.config, statSync(o.config).mode) : null;
      if (exposed && !o.allowReadableConfig) throw new Error(exposed);
      if (exposed) process.stderr.write(`warning: ${exposed}\n`);
      const log = (m: string): void => void process.stderr.write(`${m}\n`);
      const config = loadRegisterConfig(o.config, log);
      const devices = o.devices ? await DriverDevices.start(config, log) : undefined;
      const running = await startRegister({ config, devices, browser: { port }, log });
      process.stdout.write(`register ${config.terminal_id} of store ${config.store_id}: open ${running.host?.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await running.close();
    });

  reg
    .command('hash-pin')
    .description('Read a cashier PIN on standard input and print its pin_hash for the register config (keeps the PIN out of shell history)')
    .action(async () => {
      process.stdout.write(`${hashPin(await readStdin())}\n`);
    });
}
