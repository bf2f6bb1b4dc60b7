import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { DisplaySimulator } from '../../drivers/simulators/display-sim';
import { ZvtTerminalSimulator, type SimOutcome } from '../../drivers/simulators/payment-sim';
import { createPtyPair, type PtyPair } from '../../drivers/simulators/pty';
import { ScaleSimulator } from '../../drivers/simulators/scale-sim';
import { ScannerSimulator } from '../../drivers/simulators/scanner-sim';
import type { Symbology } from '../../drivers/scanner/aim';
import { serialBinding } from '../../drivers/transport/serial';
import type { Transport } from '../../drivers/transport/transport';

// `tillstream simulate <device>`: the virtual devices the tests use, as long-running processes,
// so store IT (and the demo) can try `tillstream devices test` and the register without
// hardware. Serial devices sit on a socat PTY pair; the path to configure is printed.
// Runs until Ctrl-C (SIGINT) or SIGTERM.

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

async function withPty(run: (device: Transport, pty: PtyPair) => Promise<void>): Promise<void> {
  const pty = await createPtyPair();
  const device = await serialBinding.open({ kind: 'serial', path: pty.devicePath, baudRate: 9600 });
  process.stdout.write(`serial port for the register: ${pty.hostPath}\n`);
  try {
    await run(device, pty);
  } finally {
    await device.close().catch(() => undefined);
    await pty.close();
  }
}

/** Each stdin line is handed to `fn`; errors are printed, not fatal. Bounded line length. */
function onStdinLines(fn: (line: string) => Promise<void> | void): () => void {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    const l = line.trim().slice(0, 4096);
    if (!l) return;
    Promise.resolve(fn(l)).catch((err: unknown) => process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`));
  });
  return () => rl.close();
}

function parseOutcome(opts: { decline?: string; silent?: boolean }): SimOutcome | undefined {
  if (opts.silent) return { kind: 'silent' };
  if (opts.decline !== undefined) {
    const code = Number.parseInt(opts.decline, 16);
    if (!Number.isInteger(code) || code < 1 || code > 0xff) throw new Error(`--decline takes a hex result code 01–ff, got ${opts.decline}`);
    return { kind: 'decline', resultCode: code };
  }
  return undefined;
}

export function register(program: Command): void {
  const sim = program.command('simulate').description('run a virtual scanner, scale, customer display or ZVT payment terminal');

  sim
    .command('zvt')
    .description('ZVT payment terminal on 127.0.0.1 (TCP) or on a PTY (--pty); stdin: approve | decline <hex> | silent')
    .option('--port <port>', 'TCP port (0 = any free port)', '20007')
    .option('--pty', 'serve the ZVT serial protocol on a PTY pair instead of TCP')
    .option('--decline <hex>', 'decline every payment with this result code (e.g. 05)')
    .option('--silent', 'book the first payment, then never answer (a lost link)')
    .action(async (opts: { port: string; pty?: boolean; decline?: string; silent?: boolean }) => {
      const terminal = new ZvtTerminalSimulator();
      const fixed = parseOutcome(opts);
      if (fixed?.kind === 'silent') terminal.next(fixed);
      const report = () => {
        for (const t of terminal.transactions.splice(0)) process.stdout.write(`${JSON.stringify({ transaction: t })}\n`);
      };
      const timer = setInterval(report, 200);
      const stop = onStdinLines((line) => {
        const [cmd, arg] = line.split(/\s+/);
        if (cmd === 'approve') terminal.next({ kind: 'approve' });
        else if (cmd === 'decline') terminal.next({ kind: 'decline', resultCode: Number.parseInt(arg ?? '05', 16) & 0xff });
        else if (cmd === 'silent') terminal.next({ kind: 'silent' });
        else throw new Error(`unknown command "${cmd}" (approve | decline <hex> | silent)`);
        process.stdout.write(`next payment: ${line}\n`);
      });
      const refill = fixed?.kind === 'decline' ? setInterval(() => terminal.next(fixed).next(fixed), 100) : undefined;
      try {
        if (opts.pty) {
          await withPty(async (device) => {
            const { detach } = terminal.attachSerial(device);
            process.stdout.write('zvt simulator (serial) ready\n');
            await untilSignal();
            detach();
          });
        } else {
          const port = Number(opts.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535, got ${opts.port}`);
          const server = await terminal.listenTcp(port);
          process.stdout.write(`zvt simulator listening on 127.0.0.1:${server.port}\n`);
          await untilSignal();
          await server.close();
        }
      } finally {
        report();
        clearInterval(timer);
        if (refill) clearInterval(refill);
        stop();
      }
    });

  sim
    .command('scanner')
    .description('serial barcode scanner on a PTY; each stdin line "[symbology] data" is scanned (e.g. "ean13 4006381333931")')
    .option('--suffix <suffix>', 'CR | LF | CRLF | TAB', 'CR')
    .option('--no-aim', 'do not send the AIM symbology identifier')
    .action(async (opts: { suffix: string; aim: boolean }) => {
      if (!['CR', 'LF', 'CRLF', 'TAB'].includes(opts.suffix)) throw new Error(`--suffix must be CR, LF, CRLF or TAB, got ${opts.suffix}`);
      await withPty(async (device) => {
        const scanner = new ScannerSimulator(device, { suffix: opts.suffix as 'CR', aimPrefix: opts.aim });
        const stop = onStdinLines(async (line) => {
          const m = /^([a-z0-9-]+)\s+(.+)$/.exec(line);
          await (m ? scanner.scan(m[2]!, m[1] as Symbology) : scanner.scan(line, 'unknown'));
        });
        process.stdout.write('scanner simulator ready\n');
        await untilSignal();
        stop();
      });
    });

  sim
    .command('scale')
    .description('Mettler Toledo 8217 scale on a PTY; stdin: place <grams> [settlePolls] | drift <grams>')
    .option('--capacity <grams>', 'capacity in grams', '15000')
    .action(async (opts: { capacity: string }) => {
      const capacityGrams = Number(opts.capacity);
      if (!Number.isInteger(capacityGrams) || capacityGrams <= 0) throw new Error(`--capacity must be a positive integer, got ${opts.capacity}`);
      await withPty(async (device) => {
        const scale = new ScaleSimulator(device, { capacityGrams });
        const stop = onStdinLines((line) => {
          const [cmd, a, b] = line.split(/\s+/);
          const grams = Number(a);
          if (!Number.isInteger(grams)) throw new Error(`"${a}" is not a whole number of grams`);
          if (cmd === 'place') scale.place(grams, { settlePolls: b === undefined ? 2 : Math.max(0, Math.min(1000, Number(b) || 0)) });
          else if (cmd === 'drift') scale.drift(grams);
          else throw new Error(`unknown command "${cmd}" (place <grams> [settlePolls] | drift <grams>)`);
          process.stdout.write(`scale: ${line}\n`);
        });
        process.stdout.write('scale simulator ready\n');
        await untilSignal();
        stop();
        scale.detach();
      });
    });

  sim
    .command('display')
    .description('2x20 ESC/POS customer display on a PTY; prints the screen whenever it changes')
    .action(async () => {
      await withPty(async (device) => {
        const display = new DisplaySimulator(device);
        let last = '';
        display.on('change', ([a, b]) => {
          const shown = `+${'-'.repeat(20)}+\n|${a}|\n|${b}|\n+${'-'.repeat(20)}+\n`;
          if (shown !== last) process.stdout.write((last = shown));
        });
        process.stdout.write('display simulator ready\n');
        await untilSignal();
        display.detach();
      });
    });
}
