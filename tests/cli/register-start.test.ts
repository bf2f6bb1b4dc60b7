import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { hashPin } from '../../src/main/register';
import { verifyJournalFile } from '../../src/sync';

// `tillstream register start` as store IT runs it, in its own process:
// - issue 9 item 17: it refuses a register.json that other users can read, naming the fix;
//   the journal it creates is private (folder 700, files 600);
// - issue 9 item 1, the browser host's crash line: request lines whose target `new URL()`
//   cannot parse, sent again and again between real journal writes, never end the process,
//   and every write the register acknowledged is in a journal whose chain verifies.

const BIN = path.resolve('bin/tillstream.mjs');
const CRASH_LINES = ['//a:xx', 'http://[', '//[::1', '//a:99999999'];

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
    s.setTimeout(5000, () => s.destroy());
  });
}

function run(args: string[]): { child: ChildProcess; stdout: Promise<string>; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const stdout = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out);
    });
    child.on('exit', () => resolve(out));
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, stderr: () => err, exited };
}

describe.skipIf(process.platform === 'win32')('tillstream register start', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillstream-start-'));
  const config = path.join(dir, 'register.json');
  const journal = path.join(dir, 'data', 'journal.sqlite');
  let child: ChildProcess | null = null;
  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  writeFileSync(
    config,
    JSON.stringify({
      terminal_id: 'T09', store_id: 'store-009', store_name: 'Start test', currency: 'USD', journal_path: journal, hub: null,
      cashiers: [{ cashier_id: '1001', name: 'Cashier', role: 'cashier', pin_hash: hashPin('1234') }],
    }),
    { mode: 0o644 },
  );
  chmodSync(config, 0o644);

  it('refuses a config other users can read, and says how to fix it', async () => {
    const r = run(['register', 'start', '--config', config, '--no-devices']);
    expect(await r.exited).toBe(1);
    expect(r.stderr()).toContain(`chmod 600 '${config}'`);
    expect(r.stderr()).toContain('--allow-readable-config');
  });

  it('survives unparseable request targets between journal writes; the journal is private and whole', async () => {
    chmodSync(config, 0o600);
    const r = run(['register', 'start', '--config', config, '--no-devices']);
    child = r.child;
    const line = await r.stdout;
    const url = /open (http:\S+)/.exec(line)?.[1];
    expect(url, `${line}\n${r.stderr()}`).toBeTruthy();
    const u = new URL(url!);
    const port = Number(u.port);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${u.searchParams.get('token')}`, { origin: `http://127.0.0.1:${port}` });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    let id = 0;
    const replies = new Map<number, (v: { ok: boolean }) => void>();
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { kind: string; id: number; ok: boolean };
      if (msg.kind === 'result') replies.get(msg.id)?.(msg);
    });
    const call = (name: string, params: unknown) =>
      new Promise<{ ok: boolean }>((resolve) => {
        replies.set(++id, resolve);
        ws.send(JSON.stringify({ kind: 'call', id, name, params }));
      });
    const host = `Host: 127.0.0.1:${port}\r\n`;
    const upgrade = `Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`;

    expect((await call('session.signIn', { cashier_id: '1001', pin: '1234' })).ok).toBe(true);
    expect((await call('shift.open', { opening_float: { amount: 5000, currency: 'USD' } })).ok).toBe(true);
    let acknowledged = 1; // shift.opened
    for (let round = 0; round < 10; round++) {
      const target = CRASH_LINES[round % CRASH_LINES.length]!;
      const [plain, up] = await Promise.all([
        raw(port, `GET ${target} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`),
        raw(port, `GET ${target} HTTP/1.1\r\n${host}${upgrade}\r\n`),
        call('cash.paidIn', { amount: { amount: 100 + round, currency: 'USD' }, reason: `float top-up ${round}` }).then((res) => {
          if (res.ok) acknowledged++;
        }),
      ]);
      expect(plain).toMatch(/^HTTP\/1\.1 400/);
      expect(up).toMatch(/^HTTP\/1\.1 400/);
      expect(child.exitCode).toBeNull();
    }
    expect(acknowledged).toBe(11);
    ws.close();
    child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    child = null;

    const v = verifyJournalFile(journal);
    expect(v.ok).toBe(true);
    expect(v.count).toBe(acknowledged);
    expect(statSync(path.dirname(journal)).mode & 0o777).toBe(0o700);
    expect(statSync(journal).mode & 0o777).toBe(0o600);
  });
});
