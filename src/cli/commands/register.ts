import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { configExposure, DriverDevices, enrollRegister, hashPin, journalPaymentHooks, loadRegisterConfig, startRegister } from '../../main/register';

export { enrollRegister };

// `tillstream register`: what store IT runs on a terminal. `enroll` exchanges the one-time
// code from HQ for this register's own credential and writes it into register.json;
// `start` runs the register with its configured devices and serves the cashier UI on
// 127.0.0.1 (the Electron shell does the same without the browser host); `hash-pin` makes
// the pin_hash for a cashier entry.

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
    .option('--pin <sha256>', "the hub certificate's fingerprint that came with the code (sha256:…); required for https:// to any host but this machine")
    .option('--insecure', 'allow plain http:// or an unpinned certificate to a hub on another machine (shown in red on the Store IT screen)')
    .option('--config <file>', 'register config file', 'register.json')
    .action(async (o: { hub: string; code: string; config: string; pin?: string; insecure?: boolean }) => {
      const r = await enrollRegister(o);
      process.stdout.write(`enrolled terminal ${r.terminal_id} of store ${r.store_id}; credential written to ${o.config}${o.insecure ? ' (INSECURE link: no pinned certificate)' : ''}\n`);
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
      const running = await startRegister({ config, devices: o.devices ? (journal) => DriverDevices.start(config, { log, hooks: journalPaymentHooks(journal) }) : undefined, browser: { port }, log });
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
