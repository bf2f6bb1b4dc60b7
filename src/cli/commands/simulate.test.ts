// `tillstream simulate` as a real process: the ZVT simulator on a free TCP port and the scale
// simulator on a PTY, driven by our drivers.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { money } from '../../core/money';
import { ZvtPaymentTerminal } from '../../drivers/payment/zvt-terminal';
import { Scale8217 } from '../../drivers/scale/scale';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin/tillstream.mjs');

interface Proc {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(): Promise<number | null>;
}

function start(...args: string[]): Proc {
  const child = spawn(process.execPath, [BIN, 'simulate', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    out: () => out,
    waitFor(re, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} in output within ${timeoutMs} ms; stdout: ${out.slice(-500)} stderr: ${err.slice(-500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

describe('tillstream simulate', () => {
  const procs: Proc[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) await p.stop();
  });

  it('zvt: a sale against the simulator process is approved and reported', async () => {
    const p = start('zvt', '--port', '0');
    procs.push(p);
    const [, port] = await p.waitFor(/listening on 127\.0\.0\.1:(\d+)/);
    const pay = new ZvtPaymentTerminal('card', { address: { kind: 'tcp', host: '127.0.0.1', port: Number(port) }, currency: 'EUR' });
    await pay.start();
    p.child.stdin.write('decline 05\n');
    await p.waitFor(/next payment: decline 05/);
    expect(await pay.sale(money(1234, 'EUR'))).toMatchObject({ outcome: 'declined', resultCode: 5 });
    expect((await pay.sale(money(999, 'EUR'))).outcome).toBe('approved');
    await p.waitFor(/"transaction":\{"kind":"sale","amountMinor":999,"resultCode":0/);
    expect(p.out()).toMatch(/"transaction":\{"kind":"sale","amountMinor":1234,"resultCode":5/);
    await pay.close();
    expect(await p.stop()).toBe(0);
  }, 180_000);

  it('scale: the printed PTY path works with the scale driver; stdin places a weight', async () => {
    const p = start('scale');
    procs.push(p);
    const [, hostPath] = await p.waitFor(/serial port for the register: (\S+)/);
    await p.waitFor(/scale simulator ready/);
    const scale = new Scale8217('scale', { address: { kind: 'serial', path: hostPath!, baudRate: 9600 }, pollIntervalMs: 20 });
    await scale.start();
    p.child.stdin.write('place 725 2\n');
    await p.waitFor(/scale: place 725 2/);
    expect(await scale.readWeight({ timeoutMs: 10_000 })).toEqual({ grams: 725, net: false });
    await scale.close();
    expect(await p.stop()).toBe(0);
  }, 180_000);
});
